package ai.goldilocks.grpo;

import java.util.List;
import org.apiguardian.api.API;

/**
 * A trainable policy, seen by the GRPO loop only through tokens and per-token log-probabilities.
 *
 * <p>The policy objective lives in goldilocks-core ({@code GrpoObjective}), which returns the
 * derivative of the loss with respect to every completion token's log-probability; a policy trains
 * by back-propagating {@code sum(coefficient * logprob)} with the coefficients held constant.
 * Implementations are not required to be thread-safe.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public interface Policy extends AutoCloseable {

  /** Encodes a prompt. */
  int[] encode(String text);

  /** Decodes tokens (special tokens dropped). */
  String decode(int[] tokens);

  /** Samples {@code n} completions of {@code prompt}; deterministic for a given seed. */
  List<Completion> generate(String prompt, int n, SamplingConfig sampling, long seed);

  /**
   * Samples {@code n} completions of each prompt: element i of the result holds prompt i's, drawn
   * with {@code seeds[i]} as {@link #generate(String, int, SamplingConfig, long)} would draw them.
   * The default calls that method once per prompt; a policy may decode several prompts in one
   * batch, in which case the draws are the same but logits can differ in their last bits (a batched
   * product rounds differently), so a rare token may too. Deterministic for given prompts and seeds.
   *
   * @throws IllegalArgumentException if {@code seeds} and {@code prompts} differ in length
   */
  default List<List<Completion>> generateGroups(List<String> prompts, int n, SamplingConfig sampling, long[] seeds) {
    if (seeds.length != prompts.size()) {
      throw new IllegalArgumentException(seeds.length + " seeds for " + prompts.size() + " prompts");
    }
    List<List<Completion>> out = new java.util.ArrayList<>(prompts.size());
    for (int i = 0; i < seeds.length; i++) {
      out.add(generate(prompts.get(i), n, sampling, seeds[i]));
    }
    return out;
  }

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

  /**
   * Freezes a copy of the current weights as the KL reference. Needed only when beta &gt; 0; the
   * default throws {@link UnsupportedOperationException}.
   */
  default void snapshotReference() {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no reference model");
  }

  /** Log-probabilities under the frozen reference (see {@link #snapshotReference}). */
  default double[][] referenceLogProbs(List<Sequence> sequences, double temperature) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no reference model");
  }

  /**
   * Writes everything needed to continue training identically (weights, optimizer state, version,
   * reference) into {@code dir}. The default throws {@link UnsupportedOperationException}.
   */
  default void saveCheckpoint(java.nio.file.Path dir) throws java.io.IOException {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support checkpoints");
  }

  /**
   * Whether {@link #saveCheckpoint} and {@link #loadCheckpoint} work. The default answers whether
   * this class overrides both; a policy that decides at run time overrides this method.
   * {@code GrpoTrainer.Builder.build()} asks it when checkpoints are configured.
   */
  default boolean supportsCheckpoints() {
    try {
      return getClass().getMethod("saveCheckpoint", java.nio.file.Path.class).getDeclaringClass() != Policy.class
          && getClass().getMethod("loadCheckpoint", java.nio.file.Path.class).getDeclaringClass() != Policy.class;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The training configuration as text (optimizer, learning rate, model shape), recorded with
   * every trainer checkpoint so a resume can say what changed. The default is the class name.
   */
  default String configuration() {
    return getClass().getSimpleName();
  }

  /** Restores a {@link #saveCheckpoint} directory; all-or-nothing. */
  default void loadCheckpoint(java.nio.file.Path dir) throws java.io.IOException {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support checkpoints");
  }

  @Override
  void close();
}
