package ai.goldilocks.core;

import java.util.Arrays;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What the student reports after rolling out a question: the rewards of its group of rollouts.
 *
 * <p>Rewards must be finite; a group needs at least two rollouts (with one there is no variance to
 * learn from). The array is copied on the way in and on the way out.
 *
 * @param questionId the {@link Question#id()} the group was rolled out for
 * @param rewards one reward per rollout, finite, at least two
 * @param policyVersion the version (for example the optimizer step) of the policy that produced
 *     the rollouts; samplers use it to recognise stale feedback
 */
@API(status = API.Status.STABLE, since = "0.1.0")
public record RolloutFeedback(String questionId, double[] rewards, long policyVersion) {

  /** Validates and copies. */
  public RolloutFeedback {
    Objects.requireNonNull(questionId, "questionId");
    if (rewards == null) {
      throw new NullPointerException("feedback for question '" + questionId + "' has null rewards");
    }
    if (rewards.length < 2) {
      throw new IllegalArgumentException(
          "feedback for question '" + questionId + "' needs at least 2 rewards, got " + rewards.length);
    }
    for (int i = 0; i < rewards.length; i++) {
      if (!Double.isFinite(rewards[i])) {
        throw new IllegalArgumentException(
            "feedback for question '" + questionId + "': reward[" + i + "] = " + rewards[i] + " is not finite");
      }
    }
    if (policyVersion < 0) {
      throw new IllegalArgumentException("feedback for question '" + questionId + "': policyVersion must be >= 0, got "
          + policyVersion);
    }
    rewards = rewards.clone();
  }

  /** A copy of the rewards. */
  @Override
  public double[] rewards() {
    return rewards.clone();
  }

  /** Number of rollouts in the group. */
  public int groupSize() {
    return rewards.length;
  }

  /** Mean reward of the group. */
  public double meanReward() {
    double s = 0;
    for (double r : rewards) {
      s += r;
    }
    return s / rewards.length;
  }

  /** Population standard deviation of the rewards; exactly 0 when all rewards are equal. */
  public double rewardStd() {
    if (isZeroVariance()) {
      return 0.0;
    }
    double m = meanReward();
    double s = 0;
    for (double r : rewards) {
      s += (r - m) * (r - m);
    }
    return Math.sqrt(s / rewards.length);
  }

  /** True when every rollout got the same reward, so the group carries no GRPO gradient. */
  public boolean isZeroVariance() {
    for (int i = 1; i < rewards.length; i++) {
      if (rewards[i] != rewards[0]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RolloutFeedback f
        && f.questionId.equals(questionId)
        && f.policyVersion == policyVersion
        && Arrays.equals(f.rewards, rewards);
  }

  @Override
  public int hashCode() {
    return Objects.hash(questionId, policyVersion, Arrays.hashCode(rewards));
  }

  @Override
  public String toString() {
    return "RolloutFeedback[questionId=" + questionId + ", rewards=" + Arrays.toString(rewards)
        + ", policyVersion=" + policyVersion + "]";
  }
}
