package ai.goldilocks.grpo;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * What one GRPO step did; written as one JSON line per step.
 *
 * @param step 1-based step number
 * @param policyVersion policy version after the step
 * @param rewardMean mean reward over the rollouts trained on
 * @param rewardStd standard deviation of those rewards
 * @param groupRewardStd mean over the step's groups of each group's reward standard deviation (the
 *     paper's "reward std of the picked questions": 0 for a group that carries no signal)
 * @param zeroVarianceFraction fraction of the step's rolled-out groups whose rewards were all equal
 * @param teacherMaeUnseen the sampler's latest teacher MAE on unseen samples (NaN without a teacher)
 * @param predictedUtilityMean mean utility the sampler predicted for the step's questions (NaN if none)
 * @param predictedUtilityStd standard deviation of those predictions (NaN if none)
 * @param loss GRPO loss of the last iteration
 * @param gradNorm gradient norm of the last update, before clipping
 * @param clipLowFraction tokens clipped low in the last iteration
 * @param clipHighFraction tokens clipped high in the last iteration
 * @param klMean mean k3 KL to the reference (NaN when beta is 0)
 * @param entropy mean token entropy of the policy on the completions
 * @param rolloutsSpent rollouts generated so far, in all steps
 * @param groupsDropped groups dropped by dynamic filtering in this step
 * @param completionTokens completion tokens generated in this step (dropped groups included)
 * @param seconds wall-clock seconds of the step
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record StepMetrics(long step, long policyVersion, double rewardMean, double rewardStd, double groupRewardStd,
    double zeroVarianceFraction, double teacherMaeUnseen, double predictedUtilityMean, double predictedUtilityStd, double loss,
    double gradNorm, double clipLowFraction, double clipHighFraction, double klMean, double entropy, long rolloutsSpent,
    int groupsDropped, long completionTokens, double seconds) {

  /** The fields in order, for JSON. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", step);
    m.put("policyVersion", policyVersion);
    m.put("rewardMean", rewardMean);
    m.put("rewardStd", rewardStd);
    m.put("groupRewardStd", groupRewardStd);
    m.put("zeroVarianceFraction", zeroVarianceFraction);
    m.put("teacherMaeUnseen", teacherMaeUnseen);
    m.put("predictedUtilityMean", predictedUtilityMean);
    m.put("predictedUtilityStd", predictedUtilityStd);
    m.put("loss", loss);
    m.put("gradNorm", gradNorm);
    m.put("clipLowFraction", clipLowFraction);
    m.put("clipHighFraction", clipHighFraction);
    m.put("klMean", klMean);
    m.put("entropy", entropy);
    m.put("rolloutsSpent", rolloutsSpent);
    m.put("groupsDropped", groupsDropped);
    m.put("completionTokens", completionTokens);
    m.put("seconds", seconds);
    return m;
  }

  /** One line of JSON (NaN and infinities written as null). */
  public String toJson() {
    StringBuilder b = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, Object> e : asMap().entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append('"').append(e.getKey()).append("\":");
      Object v = e.getValue();
      if (v instanceof Double d && !Double.isFinite(d)) {
        b.append("null");
      } else {
        b.append(v);
      }
    }
    return b.append('}').toString();
  }
}
