package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Selection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DynamicFilterTest {
  private static QuestionPool pool(int n) {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      qs.add(new Question("q" + i, "question " + i));
    }
    return QuestionPool.of(qs);
  }

  /** The caller's own group type travels through the filter. */
  private record Rolled(int poolIndex, double[] rewards) {}

  /** Rolls out every round with {@code rewards} and offers each group; returns the batch. */
  private static DynamicFilter.Batch<Rolled> fill(DynamicFilter filter, int batchSize, java.util.function.ToIntFunction<Selection> informative) {
    DynamicFilter.Fill<Rolled> fill = filter.start(batchSize, 4, 0);
    for (List<Selection> round = fill.nextRound(); !round.isEmpty(); round = fill.nextRound()) {
      for (Selection s : round) {
        double[] r = informative.applyAsInt(s) == 1 ? new double[] {1, 0, 1, 0} : new double[] {1, 1, 1, 1};
        fill.offer(s, r, new Rolled(s.poolIndex(), r));
      }
    }
    return fill.batch();
  }

  @Test
  void dropsZeroVarianceGroupsAndCountsEveryRollout() {
    UniformSampler source = UniformSampler.builder(pool(100)).seed(1).build();
    // even-indexed questions are informative, odd ones always solved
    DynamicFilter.Batch<Rolled> b = fill(DynamicFilter.of(source, 2.0, 10), 8, s -> s.poolIndex() % 2 == 0 ? 1 : 0);
    assertEquals(8, b.groups().size());
    assertFalse(b.capHit());
    assertTrue(b.groups().stream().allMatch(g -> g.poolIndex() % 2 == 0));
    assertEquals(4L * b.groupsRolledOut(), b.rolloutsSpent());
    assertEquals(b.groupsRolledOut(), source.metrics().feedbackAccepted());
    assertTrue(b.groupsDropped() > 0);
    assertEquals(b.groupsDropped(), b.zeroVarianceGroups());
  }

  @Test
  void returnsWhatItHasWhenTheCapIsHitInsteadOfThrowing() {
    UniformSampler source = UniformSampler.builder(pool(50)).seed(2).build();
    DynamicFilter.Batch<Rolled> b = fill(DynamicFilter.of(source, 1.0, 3), 8, s -> 0);
    assertTrue(b.capHit());
    assertEquals(0, b.groups().size());
    assertEquals(3, b.rounds());
    assertEquals(24, b.groupsRolledOut()); // 8 per round, 3 rounds
    assertEquals(96, b.rolloutsSpent());
  }

  @Test
  void passThroughKeepsEveryGroupOfOneRoundAndCountsTheZeroVarianceOnes() {
    UniformSampler source = UniformSampler.builder(pool(50)).seed(2).build();
    DynamicFilter filter = DynamicFilter.passThrough(source);
    assertFalse(filter.filtering());
    DynamicFilter.Batch<Rolled> b = fill(filter, 8, s -> s.poolIndex() % 2);
    assertEquals(1, b.rounds());
    assertEquals(8, b.groups().size());
    assertEquals(0, b.groupsDropped());
    assertEquals(b.groups().stream().filter(g -> g.poolIndex() % 2 == 0).count(), b.zeroVarianceGroups());
    assertEquals(8, source.metrics().feedbackAccepted());
    assertFalse(b.capHit());
  }

  @Test
  void aGroupOfTheWrongSizeIsRejectedNamingTheQuestionAndNothingIsRecorded() {
    UniformSampler source = UniformSampler.builder(pool(20)).seed(2).build();
    DynamicFilter.Fill<Rolled> fill = DynamicFilter.passThrough(source).start(2, 4, 0);
    List<Selection> round = fill.nextRound();
    Selection s = round.get(0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fill.offer(s, new double[] {1, 0, 1}, new Rolled(0, null)));
    assertTrue(e.getMessage().contains("'" + s.question().id() + "'") && e.getMessage().contains("3 rewards for a group of 4"), e.getMessage());
    assertEquals(0, source.metrics().feedbackAccepted());
    assertEquals(0, fill.batch().groupsRolledOut());
    // the question is still open: offered correctly it counts
    assertTrue(fill.offer(s, new double[] {1, 0, 1, 0}, new Rolled(0, null)));
    assertEquals(1, source.metrics().feedbackAccepted());
  }

  @Test
  void aQuestionNotOfferedBackOrOfferedTwiceIsAnError() {
    UniformSampler source = UniformSampler.builder(pool(20)).seed(2).build();
    DynamicFilter.Fill<Rolled> fill = DynamicFilter.of(source, 1.0, 4).start(2, 2, 0);
    List<Selection> round = fill.nextRound();
    fill.offer(round.get(0), new double[] {1, 1}, new Rolled(0, null));
    assertThrows(IllegalStateException.class, () -> fill.offer(round.get(0), new double[] {1, 0}, new Rolled(0, null)));
    IllegalStateException e = assertThrows(IllegalStateException.class, fill::nextRound);
    assertTrue(e.getMessage().contains(round.get(1).question().id()), e.getMessage());
  }

  @Test
  void badSettingsAreNamed() {
    UniformSampler source = UniformSampler.builder(pool(5)).build();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DynamicFilter.of(source, 0.5, 2)).getMessage().contains("overSample"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DynamicFilter.of(source, 2, 0)).getMessage().contains("maxRounds"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DynamicFilter.passThrough(source).start(2, 1, 0)).getMessage()
        .contains("groupSize"));
  }
}
