package ai.goldilocks.core.objective;

import org.apiguardian.api.API;

/**
 * Diagnostics of one objective evaluation, over the tokens that count (masked in).
 *
 * @param tokens tokens that count
 * @param clipLowFraction fraction with ratio &lt; 1 - clipLow and negative advantage
 * @param clipHighFraction fraction with ratio &gt; 1 + clipHigh and positive advantage
 * @param meanRatio mean importance ratio
 * @param meanKl mean k3 KL estimate to the reference (NaN without reference log-probs)
 * @param zeroVarianceFraction fraction of groups with equal rewards (NaN when advantages were given)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record GrpoMetrics(long tokens, double clipLowFraction, double clipHighFraction, double meanRatio, double meanKl,
    double zeroVarianceFraction) {}
