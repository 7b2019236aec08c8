package ai.goldilocks.core.objective;

import org.apiguardian.api.API;

/** How group-relative advantages r - mean(group) are scaled. */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public enum RewardScaling {
  /** Divide by the group's reward standard deviation plus epsilon (GRPO). */
  GROUP,
  /** Divide by the whole batch's reward standard deviation plus epsilon. */
  BATCH,
  /** Do not scale (Dr. GRPO): advantages are r - mean(group). */
  NONE
}
