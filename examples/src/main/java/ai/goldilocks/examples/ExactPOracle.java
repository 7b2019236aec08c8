package ai.goldilocks.examples;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.FixedUtilityPredictor;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The benchmark oracle's teacher: the true utility sqrt(p(1-p)) of each candidate from the live
 * policy's exact p (a teacher-forced pass over its K candidates). An upper bound, not a method: no
 * real teacher can know p. It learns nothing and has no state.
 */
final class ExactPOracle implements FixedUtilityPredictor {
  private final BenchmarkEvaluation evaluation;
  private final TransformerPolicy policy;
  private final Map<String, ArithmeticTask> byId;

  ExactPOracle(BenchmarkEvaluation evaluation, TransformerPolicy policy, Map<String, ArithmeticTask> byId) {
    this.evaluation = evaluation;
    this.policy = policy;
    this.byId = byId;
  }

  @Override
  public String name() {
    return "exact-p-oracle";
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    List<ArithmeticTask> ts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ts.add(byId.get(pool.id(candidates[i])));
    }
    double[] ps = evaluation.exactP(policy, ts);
    for (int i = 0; i < count; i++) {
      out[i] = Math.min(0.5, Math.sqrt(Math.max(0, ps[i] * (1 - ps[i]))));
    }
  }

}
