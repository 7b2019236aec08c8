package ai.goldilocks.core.objective;

import org.apiguardian.api.API;

/**
 * How per-token losses are aggregated into the batch loss. With N sequences, m_it the mask and
 * T_i = sum_t m_it:
 * <ul>
 *   <li>{@link #GRPO}: (1/N) sum_i (sum_t m_it l_it) / max(T_i, 1) — mean of per-sequence token means;
 *   <li>{@link #BNPO}, {@link #DAPO}: sum_it m_it l_it / max(sum_i T_i, 1) — token mean over the batch;
 *   <li>{@link #DR_GRPO}: sum_it m_it l_it / (N L) with L the maximum completion length.
 * </ul>
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public enum LossType {
  /** Mean of per-sequence token means (original GRPO). */
  GRPO,
  /** Token mean over the batch. */
  BNPO,
  /** Token mean over the batch (DAPO); identical to {@link #BNPO} within one batch. */
  DAPO,
  /** Token sum divided by sequences times the maximum completion length (Dr. GRPO). */
  DR_GRPO
}
