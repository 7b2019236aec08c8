package ai.goldilocks.grpo.data;

import ai.goldilocks.core.Question;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One row of OpenMathReasoning (nvidia/OpenMathReasoning, CC-BY-4.0) or a file in its schema.
 * Every column is a string but {@code usedInKaggle}; columns absent from older versions are null.
 *
 * @param problem the problem text (required)
 * @param generatedSolution a reference solution, may be null
 * @param generationModel the model that wrote the solution, may be null
 * @param problemType has_answer_extracted, no_answer_extracted or converted_proof, may be null
 * @param expectedAnswer the reference answer, often LaTeX, may be null
 * @param problemSource where the problem comes from, may be null
 * @param inferenceMode cot, tir or genselect, may be null
 * @param passRate72bTir pass rate of a 72B model with tools, a number as text or "n/a"; null when absent
 * @param usedInKaggle whether it was used in the Kaggle competition; null when absent
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record MathProblem(String problem, String generatedSolution, String generationModel, String problemType,
    String expectedAnswer, String problemSource, String inferenceMode, String passRate72bTir, Boolean usedInKaggle) {

  /** Requires a non-blank problem. */
  public MathProblem {
    Objects.requireNonNull(problem, "problem");
    if (problem.isBlank()) {
      throw new IllegalArgumentException("problem text is blank");
    }
  }

  /** A stable id: "omr-" and the first 16 hex digits of SHA-256 of the problem text. */
  public String stableId() {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(problem.getBytes(StandardCharsets.UTF_8));
      return "omr-" + HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The pass rate as a number, or NaN when absent or "n/a". */
  public double passRate() {
    if (passRate72bTir == null || passRate72bTir.equalsIgnoreCase("n/a")) {
      return Double.NaN;
    }
    return Double.parseDouble(passRate72bTir);
  }

  /** As a question with the stable id; the expected answer and source go into the metadata. */
  public Question toQuestion() {
    Map<String, String> meta = new LinkedHashMap<>();
    if (expectedAnswer != null) {
      meta.put("answer", expectedAnswer);
    }
    if (problemSource != null) {
      meta.put("source", problemSource);
    }
    if (passRate72bTir != null) {
      meta.put("pass_rate_72b_tir", passRate72bTir);
    }
    return new Question(stableId(), problem, meta);
  }
}
