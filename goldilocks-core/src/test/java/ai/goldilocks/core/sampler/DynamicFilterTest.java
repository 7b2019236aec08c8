package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
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

  @Test
  void dropsZeroVarianceGroupsAndCountsEveryRollout() {
    UniformSampler source = UniformSampler.builder(pool(100)).seed(1).build();
    DynamicFilter filter = new DynamicFilter(source, 2.0, 10);
    // even-indexed questions are informative, odd ones always solved
    DynamicFilter.Batch b = filter.fill(8, 0, s -> s.poolIndex() % 2 == 0 ? new double[] {1, 0, 1, 0} : new double[] {1, 1, 1, 1});
    assertEquals(8, b.groups().size());
    assertFalse(b.capHit());
    assertTrue(b.groups().stream().allMatch(g -> g.selection().poolIndex() % 2 == 0));
    assertEquals(4L * b.groupsRolledOut(), b.rolloutsSpent());
    assertEquals(b.groupsRolledOut(), source.metrics().feedbackAccepted());
    assertTrue(b.groupsDropped() > 0);
  }

  @Test
  void returnsWhatItHasWhenTheCapIsHitInsteadOfThrowing() {
    UniformSampler source = UniformSampler.builder(pool(50)).seed(2).build();
    DynamicFilter filter = new DynamicFilter(source, 1.0, 3);
    DynamicFilter.Batch b = filter.fill(8, 0, s -> new double[] {0, 0, 0, 0});
    assertTrue(b.capHit());
    assertEquals(0, b.groups().size());
    assertEquals(3, b.rounds());
    assertEquals(24, b.groupsRolledOut()); // 8 per round, 3 rounds
    assertEquals(96, b.rolloutsSpent());
  }
}
