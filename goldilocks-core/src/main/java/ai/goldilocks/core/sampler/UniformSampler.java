package ai.goldilocks.core.sampler;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Selection;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Uniform random sampling, the default of TRL's GRPO trainer: each pick is a uniformly random
 * question not yet in the batch. Makes no prediction ({@link Selection#predictedUtility()} is NaN)
 * and learns nothing, but counts feedback like every sampler.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class UniformSampler extends AbstractSampler<UniformSampler.Config> {

  /**
   * The settings of a uniform sampler; stored in its state and compared with {@code equals} on
   * restore.
   *
   * @param seed the seed of the sampler's random generator
   * @param rewardLow low end of the reward range
   * @param rewardHigh high end of the reward range
   * @param maxPolicyLag the stale-feedback lag
   */
  public record Config(long seed, double rewardLow, double rewardHigh, long maxPolicyLag) {}

  private UniformSampler(Builder b) {
    super(b.pool, b.seed, b.rewardLow, b.rewardHigh, b.maxPolicyLag, new Config(b.seed, b.rewardLow, b.rewardHigh, b.maxPolicyLag));
  }

  /** A builder over {@code pool}. */
  public static Builder builder(QuestionPool pool) {
    return new Builder(pool);
  }

  @Override
  String kind() {
    return "uniform";
  }

  @Override
  void pick(int batchSize, IntSet batch, List<Selection> out) {
    int n = pool.size();
    if (batchSize * 2 > n) {
      int[] cand = new int[batchSize];
      int c = drawCandidates(batchSize, batch, 0, cand, new IntSet());
      for (int i = 0; i < c; i++) {
        out.add(new Selection(pool.get(cand[i]), cand[i], Double.NaN));
      }
      return;
    }
    while (out.size() < batchSize) {
      int i = rng.nextInt(n);
      if (batch.add(i)) {
        out.add(new Selection(pool.get(i), i, Double.NaN));
      }
    }
  }

  @Override
  void learn(int index, double utility, double successRate, int groupSize) {}

  @Override
  void writeExtra(DataOutputStream out) {}

  @Override
  IoAction readExtra(DataInputStream in, int version) {
    return () -> {};
  }

  /** Configures a {@link UniformSampler}. */
  public static final class Builder extends SamplerBuilder<Builder> {
    private Builder(QuestionPool pool) {
      super(pool);
    }

    /** Builds the sampler. */
    public UniformSampler build() {
      return new UniformSampler(this);
    }
  }
}
