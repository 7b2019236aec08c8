package ai.goldilocks.grpo;

import java.util.List;

/**
 * A trainable policy, seen by the GRPO loop only through tokens and per-token log-probabilities.
 *
 * <p>The policy objective lives in goldilocks-core ({@code GrpoObjective}), which returns the
 * derivative of the loss with respect to every completion token's log-probability; a policy trains
 * by back-propagating {@code sum(coefficient * logprob)} with the coefficients held constant.
 * Implementations are not required to be thread-safe.
 */
public interface Policy extends AutoCloseable {

  /** Encodes a prompt. */
  int[] encode(String text);

  /** Decodes tokens (special tokens dropped). */
  String decode(int[] tokens);

  /** Samples {@code n} completions of {@code prompt}; deterministic for a given seed. */
  List<Completion> generate(String prompt, int n, SamplingConfig sampling, long seed);

  /**
   * Log-probabilities of every completion token under the current weights, without gradients, at
   * the given temperature (use the sampling temperature so ratios compare like with like).
   */
  double[][] logProbs(List<Sequence> sequences, double temperature);

  /** Computes per-token coefficients from the current log-probabilities. */
  @FunctionalInterface
  interface Coefficients {
    /** d loss / d logprob for every completion token, same shape as {@code newLogProbs}. */
    double[][] of(double[][] newLogProbs);
  }

  /**
   * One optimizer step: forward with gradients, {@code coefficients.of(logprobs)}, back-propagate
   * {@code sum(coefficient * logprob)}, clip, update. Throws {@link IllegalArgumentException} and
   * applies no update if any coefficient or log-probability is not finite.
   */
  TrainStats train(List<Sequence> sequences, double temperature, Coefficients coefficients);

  /** Number of optimizer steps taken (the policy version feedback carries). */
  long version();

  @Override
  void close();
}
