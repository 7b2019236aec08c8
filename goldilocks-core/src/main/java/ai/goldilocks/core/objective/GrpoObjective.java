package ai.goldilocks.core.objective;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The GRPO policy objective, once, in plain Java.
 *
 * <p>Per token, with ratio rho = exp(new - old), advantage A of its sequence and x = ref - new:
 * <pre>
 *   l = -min(rho A, clip(rho, 1 - clipLow, 1 + clipHigh) A) + beta (exp(x) - x - 1)
 * </pre>
 * (the second term is the k3 estimator of KL(policy || reference)). Token losses are aggregated
 * per {@link LossType}. {@link #evaluate} returns the loss, d loss / d newLogProb for every token,
 * and clip/ratio/KL metrics. Immutable and thread-safe.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class GrpoObjective {
  private final LossType lossType;
  private final double clipLow;
  private final double clipHigh;
  private final double beta;
  private final RewardScaling scaling;
  private final double eps;
  private final boolean maskTruncated;
  private final int maxCompletionLength;

  private GrpoObjective(Builder b) {
    this.lossType = b.lossType;
    this.clipLow = b.clipLow;
    this.clipHigh = b.clipHigh;
    this.beta = b.beta;
    this.scaling = b.scaling;
    this.eps = b.eps;
    this.maskTruncated = b.maskTruncated;
    this.maxCompletionLength = b.maxCompletionLength;
  }

  /** A builder with TRL's defaults: GRPO loss, clip 0.2/0.2, beta 0, group scaling, eps 1e-4. */
  public static Builder builder() {
    return new Builder();
  }

  /** The loss type. */
  public LossType lossType() {
    return lossType;
  }

  /** The KL coefficient. */
  public double beta() {
    return beta;
  }

  /** The lower clip epsilon. */
  public double clipLow() {
    return clipLow;
  }

  /** The upper clip epsilon. */
  public double clipHigh() {
    return clipHigh;
  }

  /** The advantage scaling. */
  public RewardScaling rewardScaling() {
    return scaling;
  }

  /** The constant added to the advantage's scale. */
  public double advantageEpsilon() {
    return eps;
  }

  /** Whether truncated completions are left out of the loss. */
  public boolean maskTruncated() {
    return maskTruncated;
  }

  /** L of DR_GRPO's N x L (0 when not set). */
  public int maxCompletionLength() {
    return maxCompletionLength;
  }

  /** A builder holding this objective's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.lossType = lossType;
    b.clipLow = clipLow;
    b.clipHigh = clipHigh;
    b.beta = beta;
    b.scaling = scaling;
    b.eps = eps;
    b.maskTruncated = maskTruncated;
    b.maxCompletionLength = maxCompletionLength;
    return b;
  }

  /** Equal when every setting is equal (doubles compared as {@link Double#compare} does). */
  @Override
  public boolean equals(Object o) {
    return o instanceof GrpoObjective g && g.lossType == lossType && Double.compare(g.clipLow, clipLow) == 0
        && Double.compare(g.clipHigh, clipHigh) == 0 && Double.compare(g.beta, beta) == 0 && g.scaling == scaling
        && Double.compare(g.eps, eps) == 0 && g.maskTruncated == maskTruncated && g.maxCompletionLength == maxCompletionLength;
  }

  @Override
  public int hashCode() {
    return Objects.hash(lossType, clipLow, clipHigh, beta, scaling, eps, maskTruncated, maxCompletionLength);
  }

  /** Advantages of grouped rewards under this objective's scaling. */
  public Advantages advantages(double[][] groupRewards) {
    return Advantages.compute(groupRewards, scaling, eps);
  }

  /** Computes advantages from grouped rewards, then {@link #evaluate(TokenBatch, double[])}. */
  public GrpoResult evaluate(double[][] groupRewards, TokenBatch batch) {
    Advantages adv = advantages(groupRewards);
    GrpoResult r = evaluate(batch, adv.values());
    GrpoMetrics m = r.metrics();
    return new GrpoResult(r.loss(), r.coefficients(), r.normaliser(),
        new GrpoMetrics(m.tokens(), m.clipLowFraction(), m.clipHighFraction(), m.meanRatio(), m.meanKl(),
            adv.zeroVarianceFraction()));
  }

  /**
   * The loss and its per-token derivatives for given per-sequence advantages.
   *
   * @throws IllegalArgumentException on a length mismatch, a non-finite advantage, or a missing
   *     reference when beta &gt; 0, naming the index and value
   */
  public GrpoResult evaluate(TokenBatch batch, double[] advantages) {
    Objects.requireNonNull(batch, "batch");
    Objects.requireNonNull(advantages, "advantages");
    int n = batch.size();
    if (advantages.length != n) {
      throw new IllegalArgumentException("got " + advantages.length + " advantages for " + n + " sequences");
    }
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(advantages[i])) {
        throw new IllegalArgumentException("advantage[" + i + "] = " + advantages[i] + " is not finite");
      }
    }
    if (beta > 0 && batch.refLp == null) {
      throw new IllegalArgumentException("beta = " + beta + " > 0 needs reference log-probs");
    }
    boolean useRef = batch.refLp != null;
    // token counts per sequence
    long[] counts = new long[n];
    long total = 0;
    int longest = 0;
    for (int i = 0; i < n; i++) {
      longest = Math.max(longest, batch.length(i));
      if (maskTruncated && batch.truncated != null && batch.truncated[i]) {
        continue;
      }
      long c = 0;
      for (int t = 0; t < batch.length(i); t++) {
        if (batch.masks == null || batch.masks[i][t]) {
          c++;
        }
      }
      counts[i] = c;
      total += c;
    }
    double normaliser = switch (lossType) {
      case GRPO -> n;
      case BNPO, DAPO -> Math.max(total, 1);
      case DR_GRPO -> (double) n * maxCompletionLength;
    };
    if (lossType == LossType.DR_GRPO && longest > maxCompletionLength) {
      throw new IllegalArgumentException("a sequence has " + longest + " tokens, more than maxCompletionLength " + maxCompletionLength);
    }
    double[][] coef = new double[n][];
    double loss = 0;
    long lowClipped = 0;
    long highClipped = 0;
    double ratioSum = 0;
    double klSum = 0;
    for (int i = 0; i < n; i++) {
      int len = batch.length(i);
      coef[i] = new double[len];
      if (counts[i] == 0) {
        continue;
      }
      double weight = lossType == LossType.GRPO ? 1.0 / (n * (double) counts[i]) : 1.0 / normaliser;
      double a = advantages[i];
      double[] lpNew = batch.newLp[i];
      for (int t = 0; t < len; t++) {
        if (batch.masks != null && !batch.masks[i][t]) {
          continue;
        }
        double ratio = batch.oldLp == null ? 1.0 : Math.exp(lpNew[t] - batch.oldLp[i][t]);
        double clipped = Math.min(Math.max(ratio, 1 - clipLow), 1 + clipHigh);
        double s1 = ratio * a;
        double s2 = clipped * a;
        double tokenLoss;
        double grad;
        if (a == 0) {
          tokenLoss = 0;
          grad = 0;
        } else if (s1 <= s2) {
          tokenLoss = -s1;
          grad = -s1; // d(-rho A)/d new = -rho A
        } else {
          tokenLoss = -s2;
          grad = 0; // the clipped branch is constant in the log-prob
        }
        if (ratio < 1 - clipLow && a < 0) {
          lowClipped++;
        }
        if (ratio > 1 + clipHigh && a > 0) {
          highClipped++;
        }
        ratioSum += ratio;
        if (useRef) {
          double x = batch.refLp[i][t] - lpNew[t];
          double ex = Math.exp(x);
          double k3 = ex - x - 1;
          klSum += k3;
          if (beta > 0) {
            tokenLoss += beta * k3;
            grad += beta * (1 - ex);
          }
        }
        loss += weight * tokenLoss;
        coef[i][t] = weight * grad;
      }
    }
    double tokens = Math.max(total, 1);
    GrpoMetrics metrics = new GrpoMetrics(total, lowClipped / tokens, highClipped / tokens,
        total == 0 ? Double.NaN : ratioSum / total, useRef && total > 0 ? klSum / total : Double.NaN, Double.NaN);
    return new GrpoResult(loss, coef, normaliser, metrics);
  }

  @Override
  public String toString() {
    return "GrpoObjective[" + lossType + ", clip=(" + clipLow + ", " + clipHigh + "), beta=" + beta + ", scaling="
        + scaling + ", advantageEpsilon=" + eps + ", maskTruncated=" + maskTruncated + ", maxCompletionLength=" + maxCompletionLength + "]";
  }

  /** Configures a {@link GrpoObjective}. */
  public static final class Builder {
    private LossType lossType = LossType.GRPO;
    private double clipLow = 0.2;
    private double clipHigh = 0.2;
    private double beta = 0;
    private RewardScaling scaling = RewardScaling.GROUP;
    private double eps = 1e-4;
    private boolean maskTruncated;
    private int maxCompletionLength;

    private Builder() {}

    /** Aggregation (default GRPO). */
    public Builder lossType(LossType type) {
      this.lossType = Objects.requireNonNull(type, "lossType");
      return this;
    }

    /** Lower clip epsilon: ratios below 1 - clipLow are clipped (default 0.2). */
    public Builder clipLow(double epsilon) {
      checkArgument(epsilon >= 0 && epsilon < 1, "clipLow must be in [0, 1), got %s", epsilon);
      this.clipLow = epsilon;
      return this;
    }

    /** Upper clip epsilon: ratios above 1 + clipHigh are clipped (default 0.2; DAPO uses 0.28). */
    public Builder clipHigh(double epsilon) {
      checkArgument(epsilon >= 0 && Double.isFinite(epsilon), "clipHigh must be finite and >= 0, got %s", epsilon);
      this.clipHigh = epsilon;
      return this;
    }

    /** KL coefficient (default 0: no reference model needed). */
    public Builder beta(double beta) {
      checkArgument(beta >= 0 && Double.isFinite(beta), "beta must be finite and >= 0, got %s", beta);
      this.beta = beta;
      return this;
    }

    /** Advantage scaling (default GROUP). */
    public Builder rewardScaling(RewardScaling scaling) {
      this.scaling = Objects.requireNonNull(scaling, "scaling");
      return this;
    }

    /**
     * The constant added to the advantage's scale, A = (r - mean) / (std + advantageEpsilon)
     * (default 1e-4, as TRL). Not TRL's {@code epsilon}, which is the clip range: that is
     * {@link #clipLow} and {@link #clipHigh} here.
     */
    public Builder advantageEpsilon(double eps) {
      checkArgument(eps >= 0 && Double.isFinite(eps), "advantageEpsilon must be finite and >= 0, got %s", eps);
      this.eps = eps;
      return this;
    }

    /** Whether truncated completions are left out of the loss (default false). */
    public Builder maskTruncated(boolean mask) {
      this.maskTruncated = mask;
      return this;
    }

    /**
     * L for DR_GRPO, which divides the token sum by N L: the maximum completion length the
     * sampler allows (TRL's {@code max_completion_length}), not the longest completion of a batch.
     * Required with {@link LossType#DR_GRPO}; ignored by the other loss types.
     */
    public Builder maxCompletionLength(int length) {
      checkArgument(length >= 0, "maxCompletionLength must be >= 0, got %s", length);
      this.maxCompletionLength = length;
      return this;
    }

    /**
     * Builds the objective.
     *
     * @throws IllegalStateException for DR_GRPO without {@link #maxCompletionLength}
     */
    public GrpoObjective build() {
      if (lossType == LossType.DR_GRPO && maxCompletionLength == 0) {
        throw new IllegalStateException("DR_GRPO divides by N x L with L the maximum completion length: set maxCompletionLength"
            + " (TRL's max_completion_length)");
      }
      return new GrpoObjective(this);
    }
  }
}
