package ai.goldilocks.grpo;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One sampled completion.
 *
 * @param sequence prompt and completion tokens (the stop token, if one ended it, included)
 * @param logProbs log-probability of each completion token under the sampling policy (temperature applied)
 * @param text the decoded completion, stop token excluded
 * @param truncated whether it hit the length limit before a stop token
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record Completion(Sequence sequence, double[] logProbs, String text, boolean truncated) {
  /** Validates and copies. */
  public Completion {
    Objects.requireNonNull(sequence, "sequence");
    Objects.requireNonNull(text, "text");
    if (logProbs.length != sequence.completion().length) {
      throw new IllegalArgumentException(logProbs.length + " log-probs for " + sequence.completion().length + " completion tokens");
    }
    logProbs = logProbs.clone();
  }

  /** A copy of the log-probabilities. */
  @Override
  public double[] logProbs() {
    return logProbs.clone();
  }
}
