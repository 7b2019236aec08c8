package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.objective.GrpoObjective;
import ai.goldilocks.core.objective.LossType;
import ai.goldilocks.core.objective.TokenBatch;
import ai.goldilocks.grpo.Sequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The central claim of the design: back-propagating sum(coefficient * logprob), with coefficients
 * from goldilocks-core, gives the gradient of the GRPO loss itself. Here the loss is written a
 * second time, directly in NDArray operations, and its autograd gradient is compared.
 */
class SurrogateGradientTest {
  static final CharTokenizer TOK = CharTokenizer.arithmetic();

  @ParameterizedTest
  @EnumSource(LossType.class)
  void surrogateGradientEqualsTheGradientOfTheLossWrittenInNdArrays(LossType type) {
    double clipLow = 0.2;
    double clipHigh = 0.28;
    double beta = 0.05;
    double temperature = 0.9;
    List<Sequence> seqs = new ArrayList<>();
    String[] prompts = {"12+7=", "3*4=", "99-9=", "5+5="};
    String[] answers = {"19", "12", "90", "10", "91", "7", "100", "2"};
    for (int i = 0; i < 8; i++) {
      seqs.add(new Sequence(TOK.encode(prompts[i / 2]), TOK.encode(answers[i])));
    }
    double[][] rewards = {{1, 0}, {1, 0}, {0, 1}, {1, 1}};
    try (TransformerPolicy p = TransformerPolicy.builder(TransformerPolicyTest.TINY, TOK).seed(11).build()) {
      double[][] lpNow = p.logProbs(seqs, temperature);
      Rng rng = new Rng(5);
      double[][] old = new double[8][];
      double[][] ref = new double[8][];
      for (int i = 0; i < 8; i++) {
        old[i] = new double[lpNow[i].length];
        ref[i] = new double[lpNow[i].length];
        for (int j = 0; j < old[i].length; j++) {
          old[i][j] = lpNow[i][j] + 0.6 * (rng.nextDouble() - 0.5); // ratios from 0.74 to 1.35: all clip regions
          ref[i][j] = lpNow[i][j] + 0.4 * (rng.nextDouble() - 0.5);
        }
      }
      GrpoObjective obj = GrpoObjective.builder().lossType(type).maxCompletionLength(8).clipLow(clipLow).clipHigh(clipHigh).beta(beta).build();
      double[] adv = obj.advantages(rewards).values();
      Map<String, float[]> surrogate = PolicyGradients.surrogateGradients(p, seqs, temperature,
          lp -> obj.evaluate(TokenBatch.builder().newLogProbs(lp).oldLogProbs(old).refLogProbs(ref).build(), adv).coefficients());
      Map<String, float[]> direct = PolicyGradients.gradients(p, seqs, temperature, (scope, lp, start, count) -> {
        int b = start.length;
        int w = (int) lp.getShape().get(1);
        float[] mask = new float[b * w];
        float[] o = new float[b * w];
        float[] r = new float[b * w];
        float[] a = new float[b * w];
        float[] tokens = new float[b];
        for (int i = 0; i < b; i++) {
          tokens[i] = count[i];
          for (int j = 0; j < count[i]; j++) {
            int k = i * w + start[i] + j;
            mask[k] = 1;
            o[k] = (float) old[i][j];
            r[k] = (float) ref[i][j];
          }
          for (int k = 0; k < w; k++) {
            a[i * w + k] = (float) adv[i];
          }
        }
        Shape s = new Shape(b, w);
        NDArray m = scope.create(mask, s);
        NDArray ratio = lp.sub(scope.create(o, s)).exp();
        NDArray advs = scope.create(a, s);
        NDArray s1 = ratio.mul(advs);
        NDArray s2 = ratio.clip(1 - clipLow, 1 + clipHigh).mul(advs);
        NDArray x = scope.create(r, s).sub(lp);
        NDArray kl = Ops.add(x.exp().sub(x), -1f);
        NDArray perToken = s1.minimum(s2).neg().add(Ops.mul(kl, (float) beta)).mul(m);
        return switch (type) {
          case GRPO -> perToken.sum(new int[] {1}).div(scope.create(tokens, new Shape(b))).mean();
          case BNPO, DAPO -> perToken.sum().div(m.sum());
          case DR_GRPO -> Ops.div(perToken.sum(), (float) (b * 8));
        };
      });
      double diff = 0;
      double norm = 0;
      for (String name : direct.keySet()) {
        float[] d = direct.get(name);
        float[] c = surrogate.get(name);
        for (int i = 0; i < d.length; i++) {
          diff += (d[i] - c[i]) * (double) (d[i] - c[i]);
          norm += d[i] * (double) d[i];
        }
      }
      double rel = Math.sqrt(diff / norm);
      assertTrue(norm > 1e-12, "the loss must have a gradient");
      assertTrue(rel < 1e-4, type + ": relative error of the surrogate gradient " + rel);
    }
  }
}
