package ai.goldilocks.grpo.tasks;

import ai.goldilocks.core.Question;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * One synthetic arithmetic reasoning item.
 *
 * @param id stable id
 * @param prompt the text shown to the policy, e.g. {@code "417+86="}
 * @param answer the exact answer, e.g. {@code "503"}
 * @param operation one of {@code add}, {@code sub}, {@code mul}, {@code chain}
 * @param maxDigits digits of the longest operand
 * @param carries carries (or borrows) the written algorithm needs
 * @param structuralDifficulty a difficulty score computed from the structure (digits, carries,
 *     operation), roughly 1 (trivial) to 10 (hard)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record ArithmeticTask(String id, String prompt, String answer, String operation, int maxDigits, int carries,
    double structuralDifficulty) {

  /** As a {@link Question} whose metadata carries the answer and the operation. */
  public Question toQuestion() {
    return new Question(id, prompt, Map.of("answer", answer, "operation", operation));
  }
}
