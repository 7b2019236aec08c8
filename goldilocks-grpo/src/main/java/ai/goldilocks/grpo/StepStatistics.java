package ai.goldilocks.grpo;

import ai.goldilocks.core.Selection;
import ai.goldilocks.core.objective.GrpoResult;
import ai.goldilocks.core.objective.RewardStats;
import ai.goldilocks.core.sampler.DynamicFilter;
import java.util.List;

/** Plain statistics of one step's groups and picks, assembled into its {@link StepMetrics}. */
final class StepStatistics {
  private StepStatistics() {}

  /** Mean and population standard deviation of every reward of the groups (NaN for none). */
  static double[] rewardMeanAndStd(List<RolloutGroup> groups) {
    double sum = 0;
    double sq = 0;
    long n = 0;
    for (RolloutGroup g : groups) {
      for (double x : g.rewards()) {
        sum += x;
        sq += x * x;
        n++;
      }
    }
    double mean = n == 0 ? Double.NaN : sum / n;
    double std = n == 0 ? Double.NaN : Math.sqrt(Math.max(0, sq / n - mean * mean));
    return new double[] {mean, std};
  }

  /** The mean over the groups of each group's reward standard deviation (NaN for none). */
  static double meanGroupStd(List<RolloutGroup> groups) {
    double sum = 0;
    for (RolloutGroup g : groups) {
      sum += RewardStats.std(g.rewards());
    }
    return groups.isEmpty() ? Double.NaN : sum / groups.size();
  }

  /** Mean and standard deviation of the predicted utilities of the picks that have one (NaN for none). */
  static double[] predictionMeanAndStd(List<Selection> picked) {
    double sum = 0;
    double sq = 0;
    int n = 0;
    for (Selection s : picked) {
      if (s.hasPrediction()) {
        sum += s.predictedUtility();
        sq += s.predictedUtility() * s.predictedUtility();
        n++;
      }
    }
    double mean = n == 0 ? Double.NaN : sum / n;
    double std = n == 0 ? Double.NaN : Math.sqrt(Math.max(0, sq / n - mean * mean));
    return new double[] {mean, std};
  }

  /**
   * The metrics of a step.
   *
   * @param update the policy update, or null when no group was kept and nothing was trained
   */
  static StepMetrics metrics(long step, long policyVersion, List<Selection> picked, DynamicFilter.Batch<RolloutGroup> batch,
      PolicyUpdate.Result update, boolean withKl, double teacherMaeUnseen, long rolloutsSpent, long stepTokens, double seconds) {
    List<RolloutGroup> groups = batch.groups();
    double[] reward = rewardMeanAndStd(groups);
    double[] predicted = predictionMeanAndStd(picked);
    int rolledOut = batch.groupsRolledOut();
    GrpoResult r = update == null ? null : update.last();
    return new StepMetrics(step, policyVersion, reward[0], reward[1], meanGroupStd(groups),
        rolledOut == 0 ? Double.NaN : (double) batch.zeroVarianceGroups() / rolledOut, teacherMaeUnseen, predicted[0], predicted[1],
        r == null ? Double.NaN : r.loss(), update == null ? Double.NaN : update.stats().gradNorm(),
        r == null ? Double.NaN : r.metrics().clipLowFraction(), r == null ? Double.NaN : r.metrics().clipHighFraction(),
        r == null || !withKl ? Double.NaN : r.metrics().meanKl(), update == null ? Double.NaN : update.stats().meanEntropy(),
        rolloutsSpent, batch.groupsDropped(), stepTokens, seconds);
  }
}
