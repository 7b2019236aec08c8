package ai.goldilocks.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuestionPoolTest {

  @Test
  void storesAndFindsQuestionsIncludingUnicodeAndMetadata() {
    QuestionPool.Builder b = QuestionPool.builder();
    for (int i = 0; i < 100_000; i++) {
      b.add(new Question("id-" + i, "Berechne " + i + " × 2 = ? π", i % 1000 == 0 ? Map.of("source", "s" + i) : Map.of()));
    }
    QuestionPool pool = b.build();
    assertEquals(100_000, pool.size());
    for (int i = 0; i < 100_000; i += 997) {
      assertEquals(i, pool.indexOf("id-" + i));
      assertEquals("Berechne " + i + " × 2 = ? π", pool.text(i));
      assertEquals("id-" + i, pool.id(i));
    }
    assertEquals(Map.of("source", "s3000"), pool.get(3000).metadata());
    assertEquals(Map.of(), pool.get(3001).metadata());
    assertEquals(-1, pool.indexOf("id-100000"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.requireIndex("nope"));
    assertTrue(e.getMessage().contains("'nope'"));
  }

  @Test
  void rejectsDuplicateIds() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> QuestionPool.of(List.of(new Question("a", "x"), new Question("b", "y"), new Question("a", "z"))));
    assertTrue(e.getMessage().contains("duplicate question id 'a'"), e.getMessage());
  }

  @Test
  void feedbackValidatesItsInput() {
    assertThrows(IllegalArgumentException.class, () -> new RolloutFeedback("q", new double[] {1}, 0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RolloutFeedback("q", new double[] {1, Double.POSITIVE_INFINITY}, 0));
    assertTrue(e.getMessage().contains("reward[1]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new RolloutFeedback("q", new double[] {1, 0}, -1));
    RolloutFeedback f = new RolloutFeedback("q", new double[] {1, 0, 0, 1}, 0);
    assertEquals(0.5, f.rewardStd(), 1e-15); // population std of {1,0,0,1}
    assertEquals(0.0, new RolloutFeedback("q", new double[] {0.1, 0.1, 0.1}, 0).rewardStd(), 0);
  }

  @org.junit.jupiter.api.Test
  void idsWithLoneSurrogatesAreRefusedAndFingerprintsFollowIdsAndOrder() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new Question("x\uD800", "t"));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("lone surrogate U+D800"), e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Question("\uDC00y", "t"));
    QuestionPool ok = QuestionPool.of(java.util.List.of(new Question("a\uD83D\uDE00", "emoji id"), new Question("b", "t")));
    org.junit.jupiter.api.Assertions.assertEquals("a\uD83D\uDE00", ok.id(0));
    QuestionPool same = QuestionPool.of(java.util.List.of(new Question("a\uD83D\uDE00", "other text"), new Question("b", "t")));
    QuestionPool swapped = QuestionPool.of(java.util.List.of(new Question("b", "t"), new Question("a\uD83D\uDE00", "emoji id")));
    QuestionPool split = QuestionPool.of(java.util.List.of(new Question("ab", "t"), new Question("\uD83D\uDE00", "t")));
    org.junit.jupiter.api.Assertions.assertEquals(ok.fingerprint(), same.fingerprint());
    org.junit.jupiter.api.Assertions.assertNotEquals(ok.fingerprint(), swapped.fingerprint());
    org.junit.jupiter.api.Assertions.assertNotEquals(ok.fingerprint(), split.fingerprint());
  }

  /** A rejected argument names the question (its id) or its position. */
  @Test
  void nullsAndBadValuesNameTheQuestionOrItsPosition() {
    NullPointerException text = assertThrows(NullPointerException.class, () -> new Question("q7", null));
    assertEquals("question 'q7' has a null text", text.getMessage());
    java.util.List<Question> withNull = new java.util.ArrayList<>(List.of(new Question("a", "x"), new Question("b", "y")));
    withNull.add(null);
    NullPointerException missing = assertThrows(NullPointerException.class, () -> QuestionPool.of(withNull));
    assertEquals("questions[2] is null", missing.getMessage());
    QuestionPool.Builder b = QuestionPool.builder().add(new Question("a", "x"));
    NullPointerException added = assertThrows(NullPointerException.class, () -> b.add(null));
    assertTrue(added.getMessage().startsWith("question 1 "), added.getMessage());
    IllegalArgumentException version = assertThrows(IllegalArgumentException.class,
        () -> new RolloutFeedback("q9", new double[] {1, 0}, -1));
    assertTrue(version.getMessage().contains("'q9'"), version.getMessage());
    NullPointerException rewards = assertThrows(NullPointerException.class, () -> new RolloutFeedback("q9", null, 0));
    assertTrue(rewards.getMessage().contains("'q9'"), rewards.getMessage());
    IllegalArgumentException utility = assertThrows(IllegalArgumentException.class,
        () -> new Selection(new Question("q3", "t"), 3, 0.7));
    assertTrue(utility.getMessage().contains("'q3'"), utility.getMessage());
  }

  /** Helpers such as the envelope and the random generator are exported to this library's modules only. */
  @Test
  void internalHelpersAreNotExportedToEveryone() {
    java.lang.module.ModuleDescriptor d = QuestionPool.class.getModule().getDescriptor();
    org.junit.jupiter.api.Assumptions.assumeTrue(d != null, "runs on the module path");
    java.lang.module.ModuleDescriptor.Exports internal = d.exports().stream()
        .filter(e -> e.source().equals("ai.goldilocks.core.internal")).findFirst().orElseThrow();
    assertTrue(internal.isQualified());
    assertEquals(java.util.Set.of("ai.goldilocks.grpo", "ai.goldilocks.djl", "ai.goldilocks.server"), internal.targets());
  }
}
