package ai.goldilocks.grpo;

import ai.goldilocks.core.objective.GrpoObjective;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What a {@link GrpoTrainer} was configured with, as recorded in its checkpoints: compared with
 * {@link #equals} on restore, and reported field by field where it differs
 * ({@link #differences}).
 *
 * @param batchSize questions per step, B
 * @param groupSize completions per question, G
 * @param numIterations policy updates per generation
 * @param sampling how completions are sampled
 * @param objective the GRPO objective
 * @param dynamicFilter DAPO dynamic filtering, or {@link Filter#OFF}
 * @param sampler the sampler's description (its {@code toString()})
 * @param policy the policy's {@link Policy#configuration()}
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record TrainerConfig(int batchSize, int groupSize, int numIterations, SamplingConfig sampling, GrpoObjective objective,
    Filter dynamicFilter, String sampler, String policy) {

  /** Validates. */
  public TrainerConfig {
    Objects.requireNonNull(sampling, "sampling");
    Objects.requireNonNull(objective, "objective");
    Objects.requireNonNull(dynamicFilter, "dynamicFilter");
    Objects.requireNonNull(sampler, "sampler");
    Objects.requireNonNull(policy, "policy");
  }

  /**
   * Dynamic filtering's settings.
   *
   * @param overSample questions requested per missing group (0: no filtering)
   * @param maxRounds refill rounds per step (0: no filtering)
   */
  public record Filter(double overSample, int maxRounds) {
    /** No filtering. */
    public static final Filter OFF = new Filter(0, 0);

    /** Whether this is {@link #OFF}. */
    public boolean off() {
      return equals(OFF);
    }

    /** {@code off}, or the two settings. */
    @Override
    public String toString() {
      return off() ? "off" : "overSample=" + overSample + ", maxRounds=" + maxRounds;
    }
  }

  /**
   * The fields that differ between {@code saved} (a checkpoint's) and this configuration, in
   * declaration order, as "field: saved -&gt; now" lines; empty when they are equal.
   */
  public List<String> differences(TrainerConfig saved) {
    List<String> out = new ArrayList<>();
    diff(out, "batchSize", saved.batchSize, batchSize);
    diff(out, "groupSize", saved.groupSize, groupSize);
    diff(out, "numIterations", saved.numIterations, numIterations);
    diff(out, "sampling", describe(saved.sampling), describe(sampling));
    diff(out, "objective", saved.objective, objective);
    diff(out, "dynamicFilter", saved.dynamicFilter, dynamicFilter);
    diff(out, "sampler", saved.sampler, sampler);
    diff(out, "policy", saved.policy, policy);
    return out;
  }

  private static void diff(List<String> out, String field, Object was, Object now) {
    if (!was.equals(now)) {
      out.add(field + ": " + was + " -> " + now);
    }
  }

  /** The sampling settings as checkpoints of format 1 wrote them (stop tokens sorted). */
  static String describe(SamplingConfig s) {
    return "temperature=" + s.temperature() + ", topP=" + s.topP() + ", maxNewTokens=" + s.maxNewTokens() + ", stopTokens="
        + (s.stopTokens() == null ? "eos" : new java.util.TreeSet<>(s.stopTokens()));
  }
}
