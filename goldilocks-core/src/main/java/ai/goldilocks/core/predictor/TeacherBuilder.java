package ai.goldilocks.core.predictor;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The base of trainable teachers' builders: the setters of the shared {@link TeacherTraining}
 * knobs, in one place with one set of defaults. A teacher's builder extends it and adds what is
 * its own (network size, head, features).
 *
 * @param <B> the concrete builder, returned by the setters
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public abstract class TeacherBuilder<B extends TeacherBuilder<B>> {
  private TeacherTraining training = TeacherTraining.defaults();

  /** For subclasses. */
  protected TeacherBuilder() {}

  /** This builder, typed. */
  protected abstract B self();

  /** The shared knobs as set so far. */
  public TeacherTraining training() {
    return training;
  }

  /** All shared knobs at once (default {@link TeacherTraining#defaults()}). */
  public B training(TeacherTraining knobs) {
    this.training = Objects.requireNonNull(knobs, "training");
    return self();
  }

  /** The optimizer's learning rate (default 1e-2). */
  public B learningRate(double lr) {
    this.training = training.withLearningRate(lr);
    return self();
  }

  /** Minibatch size (default 32). */
  public B batchSize(int size) {
    this.training = training.withBatchSize(size);
    return self();
  }

  /** Seed for initial weights and shuffling (default 0). */
  public B seed(long seed) {
    this.training = training.withSeed(seed);
    return self();
  }

  /**
   * Samples after which an example's weight has halved (default 1024);
   * {@code Double.POSITIVE_INFINITY} weighs the whole window equally.
   */
  public B halfLife(double samples) {
    this.training = training.withHalfLife(samples);
    return self();
  }
}
