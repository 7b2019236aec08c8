package ai.goldilocks.core.sampler;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Selection;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.apiguardian.api.API;

/**
 * A per-question Beta posterior with Thompson sampling, after MoPPS (Qu et al., 2025).
 *
 * <p>Each question has a posterior Beta(alpha, beta) over its success rate, starting at the prior.
 * Feedback of a group with s successes out of n (rewards normalised to [0, 1]) updates
 * alpha &larr; lambda alpha + (1 - lambda) alpha0 + s and beta &larr; lambda beta + (1 - lambda)
 * beta0 + (n - s), so old evidence decays as the student changes. Each pick draws {@code K}
 * candidates, samples p from each posterior and takes the candidate closest to the target rate
 * (0.5). It knows only questions it has seen: unseen ones all look like the prior.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class BetaThompsonSampler extends AbstractSampler<BetaThompsonSampler.Config> {
  /**
   * The settings of a Beta-Thompson sampler; stored in its state and compared with {@code equals}
   * on restore.
   *
   * @param candidates K, candidates per pick
   * @param decay evidence decay lambda
   * @param priorAlpha prior alpha0
   * @param priorBeta prior beta0
   * @param target target success rate
   * @param seed the seed of the sampler's random generator
   * @param rewardLow low end of the reward range
   * @param rewardHigh high end of the reward range
   * @param maxPolicyLag the stale-feedback lag
   */
  public record Config(int candidates, double decay, double priorAlpha, double priorBeta, double target, long seed,
      double rewardLow, double rewardHigh, long maxPolicyLag) {}
  private final int candidates;
  private final double decay;
  private final double priorAlpha;
  private final double priorBeta;
  private final double target;
  private final float[] alpha;
  private final float[] beta;
  private final int[] cand;
  private final IntSet seen = new IntSet();

  private BetaThompsonSampler(Builder b) {
    super(b.pool, b.seed, b.rewardLow, b.rewardHigh, b.maxPolicyLag,
        new Config(b.candidates, b.decay, b.priorAlpha, b.priorBeta, b.target, b.seed, b.rewardLow, b.rewardHigh, b.maxPolicyLag));
    this.candidates = b.candidates;
    this.decay = b.decay;
    this.priorAlpha = b.priorAlpha;
    this.priorBeta = b.priorBeta;
    this.target = b.target;
    this.alpha = new float[pool.size()];
    this.beta = new float[pool.size()];
    java.util.Arrays.fill(alpha, (float) priorAlpha);
    java.util.Arrays.fill(beta, (float) priorBeta);
    this.cand = new int[candidates];
  }

  /** A builder over {@code pool}. */
  public static Builder builder(QuestionPool pool) {
    return new Builder(pool);
  }

  @Override
  String kind() {
    return "beta-thompson";
  }

  @Override
  void pick(int batchSize, IntSet batch, List<Selection> out) {
    for (int b = 0; b < batchSize; b++) {
      int c = drawCandidates(candidates, batch, b, cand, seen);
      int best = -1;
      double bestDist = Double.POSITIVE_INFINITY;
      double bestP = 0;
      for (int j = 0; j < c; j++) {
        double p = rng.nextBeta(alpha[cand[j]], beta[cand[j]]);
        double d = Math.abs(p - target);
        if (d < bestDist) {
          bestDist = d;
          best = j;
          bestP = p;
        }
      }
      int idx = cand[best];
      batch.add(idx);
      out.add(new Selection(pool.get(idx), idx, Math.sqrt(bestP * (1 - bestP))));
    }
  }

  @Override
  void learn(int index, double utility, double successRate, int groupSize) {
    double s = successRate * groupSize;
    alpha[index] = (float) (decay * alpha[index] + (1 - decay) * priorAlpha + s);
    beta[index] = (float) (decay * beta[index] + (1 - decay) * priorBeta + (groupSize - s));
  }

  /** Posterior mean success rate of the question at {@code index}. */
  public double posteriorMean(int index) {
    java.util.Objects.checkIndex(index, alpha.length);
    synchronized (lock) {
      return alpha[index] / (double) (alpha[index] + beta[index]);
    }
  }

  @Override
  void writeExtra(DataOutputStream out) throws IOException {
    out.writeInt(alpha.length);
    for (int i = 0; i < alpha.length; i++) {
      out.writeFloat(alpha[i]);
      out.writeFloat(beta[i]);
    }
  }

  @Override
  IoAction readExtra(DataInputStream in, int version) throws IOException {
    int n = in.readInt();
    if (n != alpha.length) {
      throw new IOException("corrupt sampler state: posterior for " + n + " questions, pool has " + alpha.length);
    }
    float[] a = new float[n];
    float[] b = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = in.readFloat();
      b[i] = in.readFloat();
      if (!(a[i] > 0) || !(b[i] > 0) || !Float.isFinite(a[i]) || !Float.isFinite(b[i])) {
        throw new IOException("corrupt sampler state: posterior of question " + i + " is Beta(" + a[i] + ", " + b[i] + ")");
      }
    }
    return () -> {
      System.arraycopy(a, 0, alpha, 0, n);
      System.arraycopy(b, 0, beta, 0, n);
    };
  }

  /** Configures a {@link BetaThompsonSampler}. */
  public static final class Builder extends SamplerBuilder<Builder> {
    private int candidates = 16;
    private double decay = 0.9;
    private double priorAlpha = 1;
    private double priorBeta = 1;
    private double target = 0.5;

    private Builder(QuestionPool pool) {
      super(pool);
    }

    /** Candidates per pick, K (default 16). */
    public Builder candidates(int k) {
      if (k < 1 || k > MAX_CANDIDATES) {
        throw new IllegalArgumentException("candidates must be in [1, " + MAX_CANDIDATES + "], got " + k);
      }
      this.candidates = k;
      return this;
    }

    /** Evidence decay lambda in [0, 1] (default 0.9; 1 keeps all evidence). */
    public Builder decay(double lambda) {
      checkArgument(lambda >= 0 && lambda <= 1, "decay must be in [0, 1], got %s", lambda);
      this.decay = lambda;
      return this;
    }

    /** Prior Beta(alpha0, beta0) (default (1, 1)). */
    public Builder prior(double alpha0, double beta0) {
      if (!(alpha0 > 0) || !(beta0 > 0) || !Double.isFinite(alpha0) || !Double.isFinite(beta0)) {
        throw new IllegalArgumentException("prior must be positive and finite, got (" + alpha0 + ", " + beta0 + ")");
      }
      this.priorAlpha = alpha0;
      this.priorBeta = beta0;
      return this;
    }

    /** Target success rate (default 0.5). */
    public Builder target(double p) {
      checkArgument(p > 0 && p < 1, "target must be in (0, 1), got %s", p);
      this.target = p;
      return this;
    }

    /** Builds the sampler. */
    public BetaThompsonSampler build() {
      return new BetaThompsonSampler(this);
    }
  }
}
