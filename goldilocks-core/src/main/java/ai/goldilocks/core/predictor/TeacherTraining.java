package ai.goldilocks.core.predictor;

import org.apiguardian.api.API;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The training knobs every trainable teacher shares, with one set of defaults (see
 * {@link #defaults()}): how much the sampler gives it to learn from ({@code window},
 * {@code updateEvery}, {@code epochs}, read by the sampler that trains the teacher) and how the
 * teacher learns from it ({@code learningRate}, {@code batchSize}, {@code halfLife}, {@code seed},
 * read by the teacher). Teachers configure it through {@link TeacherBuilder}.
 *
 * @param window samples in the replay window a teacher update reads (default 4096)
 * @param updateEvery new samples between teacher updates (default 64)
 * @param epochs passes over the window per update (default 3)
 * @param learningRate the optimizer's learning rate (default 1e-2)
 * @param batchSize minibatch size (default 32)
 * @param halfLife samples after which an example's weight has halved (default 1024;
 *     {@code Double.POSITIVE_INFINITY} weighs the window equally); a teacher without recency
 *     weighting ignores it
 * @param seed seed of initial weights and shuffling (default 0)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record TeacherTraining(int window, int updateEvery, int epochs, double learningRate, int batchSize, double halfLife,
    long seed) {
  private static final TeacherTraining DEFAULTS = new TeacherTraining(4096, 64, 3, 1e-2, 32, 1024, 0);

  /** Validates; the message names the knob and the value. */
  public TeacherTraining {
    checkArgument(window >= 1, "window must be >= 1, got %s", window);
    checkArgument(updateEvery >= 1, "updateEvery must be >= 1, got %s", updateEvery);
    checkArgument(epochs >= 1, "epochs must be >= 1, got %s", epochs);
    checkArgument(learningRate > 0 && Double.isFinite(learningRate), "learningRate must be positive and finite, got %s",
        learningRate);
    checkArgument(batchSize >= 1, "batchSize must be >= 1, got %s", batchSize);
    checkArgument(halfLife > 0, "halfLife must be positive (or infinite), got %s", halfLife);
  }

  /** Window 4096, update every 64 samples, 3 epochs, learning rate 1e-2, minibatch 32, half-life 1024, seed 0. */
  public static TeacherTraining defaults() {
    return DEFAULTS;
  }

  /** This with another window. */
  public TeacherTraining withWindow(int samples) {
    return new TeacherTraining(samples, updateEvery, epochs, learningRate, batchSize, halfLife, seed);
  }

  /** This with another update interval. */
  public TeacherTraining withUpdateEvery(int samples) {
    return new TeacherTraining(window, samples, epochs, learningRate, batchSize, halfLife, seed);
  }

  /** This with another number of epochs. */
  public TeacherTraining withEpochs(int passes) {
    return new TeacherTraining(window, updateEvery, passes, learningRate, batchSize, halfLife, seed);
  }

  /** This with another learning rate. */
  public TeacherTraining withLearningRate(double lr) {
    return new TeacherTraining(window, updateEvery, epochs, lr, batchSize, halfLife, seed);
  }

  /** This with another minibatch size. */
  public TeacherTraining withBatchSize(int size) {
    return new TeacherTraining(window, updateEvery, epochs, learningRate, size, halfLife, seed);
  }

  /** This with another half-life. */
  public TeacherTraining withHalfLife(double samples) {
    return new TeacherTraining(window, updateEvery, epochs, learningRate, batchSize, samples, seed);
  }

  /** This with another seed. */
  public TeacherTraining withSeed(long s) {
    return new TeacherTraining(window, updateEvery, epochs, learningRate, batchSize, halfLife, s);
  }
}
