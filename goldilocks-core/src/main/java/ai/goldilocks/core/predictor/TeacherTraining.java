package ai.goldilocks.core.predictor;

import org.apiguardian.api.API;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The training knobs every trainable teacher reads itself, with one set of defaults (see
 * {@link #defaults()}): how the teacher learns from what it is given ({@code learningRate},
 * {@code batchSize}, {@code halfLife}, {@code seed}). Teachers configure it through
 * {@link TeacherBuilder}. How much a teacher is given to learn from (the replay window, the update
 * interval, the passes per update) is the sampler's to decide:
 * {@code GoldilocksSampler.Builder.window}, {@code updateEvery} and {@code epochs}.
 *
 * @param learningRate the optimizer's learning rate (default 1e-2)
 * @param batchSize minibatch size (default 32)
 * @param halfLife samples after which an example's weight has halved (default 1024;
 *     {@code Double.POSITIVE_INFINITY} weighs the window equally); a teacher without recency
 *     weighting ignores it
 * @param seed seed of initial weights and shuffling (default 0)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record TeacherTraining(double learningRate, int batchSize, double halfLife, long seed) {
  private static final TeacherTraining DEFAULTS = new TeacherTraining(1e-2, 32, 1024, 0);

  /** Validates; the message names the knob and the value. */
  public TeacherTraining {
    checkArgument(learningRate > 0 && Double.isFinite(learningRate), "learningRate must be positive and finite, got %s",
        learningRate);
    checkArgument(batchSize >= 1, "batchSize must be >= 1, got %s", batchSize);
    checkArgument(halfLife > 0, "halfLife must be positive (or infinite), got %s", halfLife);
  }

  /** Learning rate 1e-2, minibatch 32, half-life 1024, seed 0. */
  public static TeacherTraining defaults() {
    return DEFAULTS;
  }

  /** This with another learning rate. */
  public TeacherTraining withLearningRate(double lr) {
    return new TeacherTraining(lr, batchSize, halfLife, seed);
  }

  /** This with another minibatch size. */
  public TeacherTraining withBatchSize(int size) {
    return new TeacherTraining(learningRate, size, halfLife, seed);
  }

  /** This with another half-life. */
  public TeacherTraining withHalfLife(double samples) {
    return new TeacherTraining(learningRate, batchSize, samples, seed);
  }

  /** This with another seed. */
  public TeacherTraining withSeed(long s) {
    return new TeacherTraining(learningRate, batchSize, halfLife, s);
  }
}
