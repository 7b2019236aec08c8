package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.goldilocks.grpo.Policy;
import ai.goldilocks.grpo.Sequence;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test helpers: a policy's parameter gradients for a loss, without an update. */
final class PolicyGradients {
  private PolicyGradients() {}

  /** Something that builds a scalar loss from the (B, T-1) next-token log-probs (tests). */
  interface LossBuilder {
    NDArray loss(NDManager scope, NDArray tokenLogProbs, int[] completionStart, int[] completionCount);
  }

  /**
   * Gradients of {@code loss} with respect to every parameter, by name, without an update: for
   * checking the surrogate against a loss written directly in NDArray operations.
   */
  static Map<String, float[]> gradients(TransformerPolicy policy, List<Sequence> sequences, double temperature, LossBuilder loss) {
    Scoring.Batch batch = Scoring.pack(policy.model(), policy.tokenizer(), sequences);
    DjlTraining.LOCK.lock();
    try (NDManager scope = policy.model().manager.newSubManager()) {
      try (GradientCollector gc = DjlEngine.newGradientCollector()) {
        NDArray lp = Scoring.tokenLogProbs(policy.model(), scope, batch, temperature, false)[0];
        gc.backward(loss.loss(scope, lp, batch.start(), batch.count()));
      }
      Map<String, float[]> g = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : policy.model().params.entrySet()) {
        NDArray grad = e.getValue().getGradient();
        grad.attach(scope);
        g.put(e.getKey(), grad.toFloatArray());
      }
      policy.optimizer().zeroGradients();
      return g;
    } finally {
      DjlTraining.LOCK.unlock();
    }
  }

  /** Gradients of the surrogate {@code sum(coefficient * logprob)}, without an update (tests). */
  static Map<String, float[]> surrogateGradients(TransformerPolicy policy, List<Sequence> sequences, double temperature,
      Policy.Coefficients coefficients) {
    return gradients(policy, sequences, temperature, (scope, lp, start, count) -> {
      int b = start.length;
      int w = (int) lp.getShape().get(1);
      double[][] values = Scoring.completionValues(lp.toFloatArray(), new Scoring.Batch(null, b, w + 1, 0, start, count));
      double[][] c = coefficients.of(values);
      float[] coef = new float[b * w];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < count[i]; j++) {
          coef[i * w + start[i] + j] = (float) c[i][j];
        }
      }
      return lp.mul(scope.create(coef, new Shape(b, w))).sum();
    });
  }

}
