package ai.goldilocks.grpo;

import org.apiguardian.api.API;

/**
 * How a {@link Policy} samples.
 *
 * @param temperature softmax temperature, &gt; 0
 * @param topP nucleus mass in (0, 1]
 * @param maxNewTokens length limit, &ge; 1
 * @param stopTokens token ids that end a completion (kept as its last token); {@code null} means the
 *     tokenizer's end-of-sequence token, an empty set means never stop before the limit
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record SamplingConfig(double temperature, double topP, int maxNewTokens, java.util.Set<Integer> stopTokens) {
  /** Validates. */
  public SamplingConfig {
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    }
    stopTokens = stopTokens == null ? null : java.util.Set.copyOf(stopTokens);
  }

  /** Stops at the tokenizer's end-of-sequence token. */
  public SamplingConfig(double temperature, double topP, int maxNewTokens) {
    this(temperature, topP, maxNewTokens, null);
  }
}
