package ai.goldilocks.core.objective;

import org.apiguardian.api.API;

/**
 * Plain statistics of one group's rewards, the same arithmetic as
 * {@link ai.goldilocks.core.RolloutFeedback}'s, for callers that hold rewards rather than feedback.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class RewardStats {
  private RewardStats() {}

  /** True when every reward equals the first (an empty or one-reward group included). */
  public static boolean zeroVariance(double[] rewards) {
    for (int i = 1; i < rewards.length; i++) {
      if (rewards[i] != rewards[0]) {
        return false;
      }
    }
    return true;
  }

  /** The mean reward; NaN for no rewards. */
  public static double mean(double[] rewards) {
    double s = 0;
    for (double r : rewards) {
      s += r;
    }
    return s / rewards.length;
  }

  /** The population standard deviation; exactly 0 when all rewards are equal. */
  public static double std(double[] rewards) {
    if (zeroVariance(rewards)) {
      return 0.0;
    }
    double m = mean(rewards);
    double s = 0;
    for (double r : rewards) {
      s += (r - m) * (r - m);
    }
    return Math.sqrt(s / rewards.length);
  }
}
