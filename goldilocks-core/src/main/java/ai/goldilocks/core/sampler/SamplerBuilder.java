package ai.goldilocks.core.sampler;

import ai.goldilocks.core.QuestionPool;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Settings every sampler shares: the pool, the seed, the reward range and the stale-feedback rule.
 *
 * @param <B> the concrete builder
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public abstract class SamplerBuilder<B extends SamplerBuilder<B>> {
  /** The largest K (candidates per pick) a sampler accepts: larger values are a mistake, not a setting. */
  static final int MAX_CANDIDATES = 1 << 16;
  /** The largest teacher replay window a sampler accepts. */
  static final int MAX_WINDOW = 1 << 24;
  final QuestionPool pool;
  long seed = 0;
  double rewardLow = 0;
  double rewardHigh = 1;
  long maxPolicyLag = Long.MAX_VALUE;

  SamplerBuilder(QuestionPool pool) {
    this.pool = Objects.requireNonNull(pool, "pool");
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** Seed of the sampler's random generator (default 0). */
  public B seed(long seed) {
    this.seed = seed;
    return self();
  }

  /**
   * The range rewards lie in (default [0, 1]). The observed utility of a group is its reward
   * standard deviation divided by {@code high - low}, which is sqrt(p(1-p)) for binary rewards.
   * Feedback with a reward outside the range is rejected.
   */
  public B rewardRange(double low, double high) {
    if (!Double.isFinite(low) || !Double.isFinite(high) || !(high > low)) {
      throw new IllegalArgumentException("reward range must be finite with low < high, got [" + low + ", " + high + "]");
    }
    if (!Double.isFinite(high - low)) {
      throw new IllegalArgumentException("reward range [" + low + ", " + high + "] is too wide: its width overflows a double");
    }
    this.rewardLow = low;
    this.rewardHigh = high;
    return self();
  }

  /**
   * Feedback produced by a policy version more than {@code lag} versions older than the newest
   * version seen is ignored as stale (default: never stale). Asynchronous trainers set this to the
   * staleness they tolerate.
   */
  public B maxPolicyLag(long lag) {
    if (lag < 0) {
      throw new IllegalArgumentException("maxPolicyLag must be >= 0, got " + lag);
    }
    this.maxPolicyLag = lag;
    return self();
  }
}
