package ai.goldilocks.grpo;

import ai.goldilocks.core.Question;
import org.apiguardian.api.API;

/** A verifiable reward: scores one completion of a question. Must be thread-safe and return finite values. */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
@FunctionalInterface
public interface RewardFunction {
  /** The reward of {@code completion} for {@code question}. */
  double score(Question question, Completion completion);
}
