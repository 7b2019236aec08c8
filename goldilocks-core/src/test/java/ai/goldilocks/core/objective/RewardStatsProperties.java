package ai.goldilocks.core.objective;

import ai.goldilocks.core.RolloutFeedback;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;

class RewardStatsProperties {

  /** The plain helpers give exactly what feedback records give, bit for bit (the trainer's statistics depend on it). */
  @Property(tries = 300)
  void sameNumbersAsRolloutFeedback(@ForAll @Size(min = 2, max = 16) double[] raw, @ForAll boolean binary) {
    double[] rewards = raw.clone();
    for (int i = 0; i < rewards.length; i++) {
      rewards[i] = !Double.isFinite(rewards[i]) ? 0 : binary ? (rewards[i] > 0 ? 1 : 0) : Math.max(-1e6, Math.min(1e6, rewards[i]));
    }
    RolloutFeedback fb = new RolloutFeedback("q", rewards, 0);
    org.junit.jupiter.api.Assertions.assertEquals(fb.isZeroVariance(), RewardStats.zeroVariance(rewards));
    org.junit.jupiter.api.Assertions.assertEquals(Double.doubleToLongBits(fb.rewardStd()), Double.doubleToLongBits(RewardStats.std(rewards)));
    org.junit.jupiter.api.Assertions.assertEquals(Double.doubleToLongBits(fb.meanReward()), Double.doubleToLongBits(RewardStats.mean(rewards)));
  }

  @Property(tries = 100)
  void aGroupOfEqualRewardsHasStdExactlyZero(@ForAll @DoubleRange(min = -10, max = 10) double r, @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 9) int n) {
    double[] rewards = new double[n];
    java.util.Arrays.fill(rewards, r);
    org.junit.jupiter.api.Assertions.assertTrue(RewardStats.zeroVariance(rewards));
    org.junit.jupiter.api.Assertions.assertEquals(0.0, RewardStats.std(rewards));
  }
}
