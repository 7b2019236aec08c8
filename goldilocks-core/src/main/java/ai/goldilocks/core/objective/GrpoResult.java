package ai.goldilocks.core.objective;

import org.apiguardian.api.API;

/**
 * The GRPO loss of a batch and its derivative with respect to every token's log-probability.
 *
 * <p>An engine trains the policy by back-propagating {@code sum_it coefficient[i][t] * logprob[i][t]}
 * with the coefficients held constant: its gradient with respect to the parameters equals the
 * gradient of {@link #loss()}.
 *
 * @param loss the aggregated loss
 * @param coefficients d loss / d newLogProb[i][t], same shape as the batch (0 for masked tokens)
 * @param normaliser the aggregation denominator for the batch-level loss types (total tokens for
 *     BNPO/DAPO, N L for DR_GRPO, N for GRPO); for gradient accumulation over micro-batches of a
 *     DAPO batch, multiply loss and coefficients by {@code normaliser / totalTokensOfAllMicroBatches}
 * @param metrics diagnostics
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record GrpoResult(double loss, double[][] coefficients, double normaliser, GrpoMetrics metrics) {

  /** Copies the coefficients, so a result never shares its rows with the caller. */
  public GrpoResult {
    coefficients = copy(java.util.Objects.requireNonNull(coefficients, "coefficients"));
  }

  /** A copy of the coefficients (rows copied too), like the other records of this package. */
  @Override
  public double[][] coefficients() {
    return copy(coefficients);
  }

  private static double[][] copy(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }
}
