package ai.goldilocks.core;

import org.apiguardian.api.API;

/** What a {@link Sampler} did with one {@link RolloutFeedback}. */
@API(status = API.Status.STABLE, since = "0.1.0")
public enum FeedbackStatus {
  /** Used: counted in the metrics and, for learning samplers, added to the training data. */
  ACCEPTED,
  /**
   * Ignored and counted: the question was handed out, but has no outstanding hand-out left (its
   * feedback already came).
   */
  IGNORED_DUPLICATE,
  /**
   * Ignored and counted: this sampler never handed the question out (neither {@code next} nor
   * {@code markHandedOut}), as when a host picks questions itself; logged once per sampler.
   */
  IGNORED_NOT_HANDED_OUT,
  /**
   * Ignored and counted: the feedback's policy version lags the newest version seen by more than
   * the sampler's maximum policy lag. It consumes the outstanding hand-out.
   */
  IGNORED_STALE
}
