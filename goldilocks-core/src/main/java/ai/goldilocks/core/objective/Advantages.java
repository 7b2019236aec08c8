package ai.goldilocks.core.objective;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Group-relative advantages: A = (r - mean(group)) / (scale + eps), scale per {@link RewardScaling}.
 * Standard deviations are the sample (n - 1) estimate, as TRL computes them. A group whose rewards
 * are all equal gets exactly zero advantages, whatever the scaling.
 *
 * @param values one advantage per sequence, groups laid out one after another
 * @param groups number of groups
 * @param zeroVarianceGroups groups whose rewards were all equal
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record Advantages(double[] values, int groups, int zeroVarianceGroups) {

  /** Copies the values. */
  public Advantages {
    values = values.clone();
  }

  /** A copy of the advantages. */
  @Override
  public double[] values() {
    return values.clone();
  }

  /** Fraction of groups with zero reward variance. */
  public double zeroVarianceFraction() {
    return groups == 0 ? 0 : (double) zeroVarianceGroups / groups;
  }

  /**
   * Computes advantages for rectangular groups of rewards.
   *
   * @param groupRewards one row per question, all rows the same length &ge; 2, finite values
   * @param scaling how to scale
   * @param eps added to the scale, &ge; 0 (TRL uses 1e-4)
   * @throws IllegalArgumentException naming the offending group and index
   */
  public static Advantages compute(double[][] groupRewards, RewardScaling scaling, double eps) {
    Objects.requireNonNull(groupRewards, "groupRewards");
    Objects.requireNonNull(scaling, "scaling");
    if (!(eps >= 0) || !Double.isFinite(eps)) {
      throw new IllegalArgumentException("eps must be finite and >= 0, got " + eps);
    }
    if (groupRewards.length == 0) {
      throw new IllegalArgumentException("no groups");
    }
    int g = -1;
    for (int i = 0; i < groupRewards.length; i++) {
      double[] row = groupRewards[i];
      if (row == null || row.length == 0) {
        throw new IllegalArgumentException("group " + i + " is empty");
      }
      if (row.length < 2) {
        throw new IllegalArgumentException("group " + i + " has size 1: GRPO needs at least 2 rollouts per group");
      }
      if (g < 0) {
        g = row.length;
      } else if (row.length != g) {
        throw new IllegalArgumentException("ragged groups: group " + i + " has " + row.length + " rewards, group 0 has " + g);
      }
      for (int j = 0; j < row.length; j++) {
        if (!Double.isFinite(row[j])) {
          throw new IllegalArgumentException("reward of group " + i + " index " + j + " is " + row[j]);
        }
      }
    }
    int n = groupRewards.length;
    double[] out = new double[n * g];
    int zero = 0;
    double batchStd = 0;
    if (scaling == RewardScaling.BATCH) {
      double s = 0;
      for (double[] row : groupRewards) {
        for (double r : row) {
          s += r;
        }
      }
      double mean = s / (n * g);
      double ss = 0;
      for (double[] row : groupRewards) {
        for (double r : row) {
          ss += (r - mean) * (r - mean);
        }
      }
      batchStd = Math.sqrt(ss / (n * g - 1));
    }
    for (int i = 0; i < n; i++) {
      double[] row = groupRewards[i];
      boolean constant = true;
      for (int j = 1; j < g; j++) {
        if (row[j] != row[0]) {
          constant = false;
          break;
        }
      }
      if (constant) {
        zero++;
        continue; // exactly zero
      }
      double s = 0;
      for (double r : row) {
        s += r;
      }
      double mean = s / g;
      double scale;
      switch (scaling) {
        case GROUP -> {
          double ss = 0;
          for (double r : row) {
            ss += (r - mean) * (r - mean);
          }
          scale = Math.sqrt(ss / (g - 1)) + eps;
        }
        case BATCH -> scale = batchStd + eps;
        default -> scale = 1.0;
      }
      for (int j = 0; j < g; j++) {
        out[i * g + j] = (row[j] - mean) / scale;
      }
    }
    return new Advantages(out, n, zero);
  }
}
