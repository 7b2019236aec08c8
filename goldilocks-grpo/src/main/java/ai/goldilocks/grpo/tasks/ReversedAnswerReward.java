package ai.goldilocks.grpo.tasks;

import ai.goldilocks.core.Question;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.RewardFunction;
import org.apiguardian.api.API;

/**
 * Exact-match reward for arithmetic answers written least-significant digit first (a small model
 * learns carries far more easily that way): 1 when the completion's text equals the reversed
 * {@code answer} metadata of the question, else 0.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class ReversedAnswerReward implements RewardFunction {

  /** The target text for an answer: its characters reversed. */
  public static String target(String answer) {
    return new StringBuilder(answer).reverse().toString();
  }

  @Override
  public double score(Question question, Completion completion) {
    String answer = question.metadata().get("answer");
    if (answer == null) {
      throw new IllegalArgumentException("question '" + question.id() + "' has no 'answer' metadata");
    }
    return completion.text().equals(target(answer)) ? 1.0 : 0.0;
  }
}
