package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Selection;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class DynamicFilterProperties {
  private static final QuestionPool POOL;

  static {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      qs.add(new Question("q" + i, "question " + i));
    }
    POOL = QuestionPool.of(qs);
  }

  /** Whatever the rewards, the counts add up, the sampler hears of every group, and kept groups are the caller's own. */
  @Property(tries = 150)
  void everyGroupIsCountedAndReportedOnce(@ForAll @IntRange(min = 1, max = 20) int batchSize, @ForAll @IntRange(min = 2, max = 6) int g,
      @ForAll @IntRange(min = 1, max = 7) int informativeEvery, @ForAll boolean filtering,
      @ForAll @DoubleRange(min = 1, max = 3) double overSample, @ForAll @IntRange(min = 1, max = 5) int maxRounds,
      @ForAll long seed) {
    UniformSampler source = UniformSampler.builder(POOL).seed(seed).build();
    DynamicFilter filter = filtering ? DynamicFilter.of(source, overSample, maxRounds) : DynamicFilter.passThrough(source);
    DynamicFilter.Fill<Integer> fill = filter.start(batchSize, g, 0);
    int offered = 0;
    int zero = 0;
    for (List<Selection> round = fill.nextRound(); !round.isEmpty(); round = fill.nextRound()) {
      for (Selection s : round) {
        double[] r = new double[g];
        if (s.poolIndex() % informativeEvery == 0) {
          r[0] = 1;
        } else {
          zero++;
        }
        fill.offer(s, r, s.poolIndex());
        offered++;
      }
    }
    DynamicFilter.Batch<Integer> b = fill.batch();
    assertEquals(offered, b.groupsRolledOut());
    assertEquals((long) g * offered, b.rolloutsSpent());
    assertEquals(offered, source.metrics().feedbackAccepted());
    assertEquals(zero, b.zeroVarianceGroups());
    assertTrue(b.groups().size() <= batchSize);
    assertEquals(b.groups().size() < batchSize, b.capHit());
    if (filtering) {
      assertEquals(zero, b.groupsDropped());
      assertTrue(b.groups().stream().allMatch(i -> i % informativeEvery == 0), "only informative groups are kept");
      assertTrue(b.rounds() <= maxRounds);
    } else {
      assertEquals(0, b.groupsDropped());
      assertEquals(1, b.rounds());
      assertEquals(batchSize, b.groups().size(), "pass-through keeps every group");
    }
  }
}
