package ai.goldilocks.grpo;

import ai.goldilocks.core.Question;

/** A verifiable reward: scores one completion of a question. Must be thread-safe and return finite values. */
@FunctionalInterface
public interface RewardFunction {
  /** The reward of {@code completion} for {@code question}. */
  double score(Question question, Completion completion);
}
