package ai.goldilocks.grpo;

/**
 * How a {@link Policy} samples.
 *
 * @param temperature softmax temperature, &gt; 0
 * @param topP nucleus mass in (0, 1]
 * @param maxNewTokens length limit, &ge; 1
 */
public record SamplingConfig(double temperature, double topP, int maxNewTokens) {
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
  }
}
