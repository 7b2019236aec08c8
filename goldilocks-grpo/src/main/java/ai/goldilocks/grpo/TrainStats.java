package ai.goldilocks.grpo;

import org.apiguardian.api.API;

/**
 * What one optimizer step did.
 *
 * @param gradNorm global L2 norm of the gradient before clipping
 * @param clipped whether the gradient was scaled down to the clip norm
 * @param tokens completion tokens in the batch
 * @param meanEntropy mean per-token entropy of the policy over completion tokens (NaN if not computed)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record TrainStats(double gradNorm, boolean clipped, long tokens, double meanEntropy) {}
