package ai.goldilocks.core;

/** What a {@link Sampler} did with one {@link RolloutFeedback}. */
public enum FeedbackStatus {
  /** Used: counted in the metrics and, for learning samplers, added to the training data. */
  ACCEPTED,
  /**
   * Ignored and counted: the question has no outstanding hand-out (the feedback is a duplicate,
   * or the question was never handed out by this sampler).
   */
  IGNORED_DUPLICATE,
  /**
   * Ignored and counted: the feedback's policy version lags the newest version seen by more than
   * the sampler's maximum policy lag. It consumes the outstanding hand-out.
   */
  IGNORED_STALE
}
