package ai.goldilocks.grpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MathAnswersTest {

  /** (gold, prediction, equal?, class) from {@code pairs.tsv}. */
  static Stream<Arguments> table() {
    return Table.pairs().stream().map(r -> Arguments.of(r.gold(), r.predicted(), r.equal(), r.section()));
  }

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @MethodSource("table")
  void goldPredictionTable(String gold, String predicted, boolean equal, String section) {
    MathAnswers.Verdict v = MathAnswers.verify(gold, predicted);
    assertEquals(equal, v.equal(), () -> gold + " vs " + predicted + ": " + v.reason());
    assertFalse(v.reason().isEmpty());
  }

  @Test
  void tableHasAtLeastTwoHundredFiftyPairsWithBothOutcomes() {
    long equal = table().filter(a -> (boolean) a.get()[2]).count();
    long total = table().count();
    assertTrue(total >= 250, "pairs: " + total);
    assertTrue(equal >= 30 && total - equal >= 30, equal + " equal of " + total);
  }

  @Test
  void extractsTheLastBoxedAnswerWithNestedBraces() {
    assertEquals(Optional.of("\\frac{1}{2}"), MathAnswers.extract("First \\boxed{3}, then finally \\boxed{\\frac{1}{2}}."));
    assertEquals(Optional.of("\\{1, \\{2\\}\\}"), MathAnswers.extract("so \\boxed{\\{1, \\{2\\}\\}}"));
    assertEquals(Optional.of("7"), MathAnswers.extract("... therefore the answer is 7."));
    assertEquals(Optional.of("x = 3"), MathAnswers.extract("Work.\nFinal answer: x = 3\n"));
    assertEquals(Optional.of("12"), MathAnswers.extract("\\fbox{12}"));
    assertEquals(Optional.empty(), MathAnswers.extract("no answer here"));
    assertEquals(Optional.empty(), MathAnswers.extract("unbalanced \\boxed{12"));
  }

  @Test
  void verifiesWholeSolutions() {
    assertTrue(MathAnswers.verifySolution("\\(\\frac{3}{4}\\)", "Adding gives $\\boxed{\\dfrac{3}{4}}$.").equal());
    MathAnswers.Verdict none = MathAnswers.verifySolution("3", "I think it is three");
    assertFalse(none.equal());
    assertTrue(none.reason().contains("no final answer"), none.reason());
  }

  @Test
  void garbageNeverThrowsOrHangs() {
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      deep.append("\\frac{");
    }
    String huge = "9".repeat(MathAnswers.MAX_LENGTH + 1);
    String[] nasty = {deep.toString(), "(".repeat(3000) + ")".repeat(3000), "\\sqrt".repeat(2000), "{".repeat(10000),
        "1^".repeat(3000) + "1", huge, "\\boxed{" + "{".repeat(4000), "\u0000\uffff\ud800", "1,2,3,".repeat(500)};
    Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      for (String n : nasty) {
        assertFalse(MathAnswers.verify("5", n).equal());
        MathAnswers.extract(n);
        MathAnswers.verifySolution("5", n);
      }
      assertFalse(MathAnswers.verify("5", null).equal());
      assertFalse(MathAnswers.verify(huge, huge).equal());
    });
  }
}
