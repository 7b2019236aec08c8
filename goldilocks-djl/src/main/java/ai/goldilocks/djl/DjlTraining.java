package ai.goldilocks.djl;

import java.util.concurrent.locks.ReentrantLock;

/**
 * DJL's PyTorch engine allows one {@code GradientCollector} per JVM at a time. Every training step
 * of this module (policy and teacher) holds this lock around its gradient collection, so a teacher
 * training on the sampler's background thread waits for a policy step instead of failing.
 */
final class DjlTraining {
  static final ReentrantLock LOCK = new ReentrantLock();

  private DjlTraining() {}
}
