package ai.goldilocks.grpo;

import ai.goldilocks.core.objective.Advantages;
import ai.goldilocks.core.objective.GrpoObjective;
import ai.goldilocks.core.objective.GrpoResult;
import ai.goldilocks.core.objective.TokenBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * The update half of a step: advantages from the groups' rewards, then {@code numIterations}
 * policy updates on the same rollouts with importance ratios against the sampling
 * log-probabilities (and the KL term against the reference when beta &gt; 0).
 */
final class PolicyUpdate {
  private PolicyUpdate() {}

  /** The last iteration's objective result and the last optimizer step's statistics. */
  record Result(GrpoResult last, TrainStats stats) {}

  /**
   * Trains {@code policy} on {@code groups}.
   *
   * @param stepNo the 1-based number of the step, for messages
   * @throws IllegalStateException if the loss is not finite or the policy refuses the update;
   *     no update is applied in that iteration
   */
  static Result apply(Policy policy, GrpoObjective objective, SamplingConfig sampling, int numIterations, List<RolloutGroup> groups,
      long stepNo) {
    double[][] rewards = new double[groups.size()][];
    List<Sequence> seqs = new ArrayList<>();
    List<double[]> old = new ArrayList<>();
    List<Boolean> truncated = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      RolloutGroup g = groups.get(i);
      rewards[i] = g.rewards();
      for (Completion c : g.completions()) {
        seqs.add(c.sequence());
        old.add(c.logProbs());
        truncated.add(c.truncated());
      }
    }
    Advantages adv = objective.advantages(rewards);
    double[] a = adv.values();
    double[][] oldLp = old.toArray(new double[0][]);
    boolean[] trunc = new boolean[truncated.size()];
    for (int i = 0; i < trunc.length; i++) {
      trunc[i] = truncated.get(i);
    }
    double[][] ref = objective.beta() > 0 ? policy.referenceLogProbs(seqs, sampling.temperature()) : null;
    GrpoResult[] last = new GrpoResult[1];
    TrainStats stats = null;
    for (int it = 0; it < numIterations; it++) {
      try {
        stats = policy.train(seqs, sampling.temperature(), lp -> {
          GrpoResult r = objective.evaluate(TokenBatch.builder().newLogProbs(lp).oldLogProbs(oldLp).refLogProbs(ref)
              .truncated(trunc).build(), a);
          if (!Double.isFinite(r.loss())) {
            throw new IllegalStateException("GRPO loss is " + r.loss());
          }
          last[0] = r;
          return r.coefficients();
        });
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new IllegalStateException("step " + stepNo + " (update " + (it + 1) + " of " + numIterations + "): "
            + e.getMessage() + "; no update applied", e);
      }
    }
    return new Result(last[0], stats);
  }
}
