package ai.goldilocks.core.predictor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeaturePredictorTest {

  /** A utility that depends on the number of digits of the operands: learnable from text. */
  private static double utility(int digits) {
    double p = 1 / (1 + Math.exp(2.0 * (digits - 4)));
    return Math.sqrt(p * (1 - p));
  }

  @Test
  void generalisesToQuestionsItHasNeverSeen() {
    Rng rng = new Rng(11);
    List<Question> qs = new ArrayList<>();
    double[] truth = new double[4000];
    for (int i = 0; i < 4000; i++) {
      int digits = 1 + rng.nextInt(8);
      long lo = (long) Math.pow(10, digits - 1);
      long a = lo + (long) (rng.nextDouble() * 9 * lo);
      long b = lo + (long) (rng.nextDouble() * 9 * lo);
      qs.add(new Question("q" + i, "Compute " + a + "+" + b + "."));
      truth[i] = utility(digits);
    }
    QuestionPool pool = QuestionPool.of(qs);
    FeaturePredictor p = FeaturePredictor.builder().seed(3).build();
    int[] train = new int[3000];
    double[] y = new double[3000];
    for (int i = 0; i < 3000; i++) {
      train[i] = i;
      y[i] = truth[i];
    }
    int[] test = new int[1000];
    for (int i = 0; i < 1000; i++) {
      test[i] = 3000 + i;
    }
    double before = mae(p, pool, test, truth);
    p.train(pool, train, y, 3000, 10);
    double after = mae(p, pool, test, truth);
    // the utility ranges over [0.02, 0.5]; a constant predictor (best case) has MAE about 0.13
    assertTrue(after < 0.05, "MAE on unseen questions " + before + " -> " + after);
  }

  private static double mae(FeaturePredictor p, QuestionPool pool, int[] idx, double[] truth) {
    double[] out = new double[idx.length];
    p.predict(pool, idx, idx.length, out);
    double s = 0;
    for (int i = 0; i < idx.length; i++) {
      s += Math.abs(out[i] - truth[idx[i]]);
    }
    return s / idx.length;
  }
}
