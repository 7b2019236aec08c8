package ai.goldilocks.core.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.TrainingExamples;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A {@link FeaturePredictor#train} that fails part-way leaves the predictor exactly as it was:
 * weights, the optimizers' moments and step count, memory, recent offset and random stream.
 */
class TrainRollbackProperties {
  static final QuestionPool POOL = pool();

  private static QuestionPool pool() {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      texts.add("Topic " + (char) ('a' + i % 7) + ": what is " + (i * 37 % 1000) + " + " + (i * 11 % 97) + "?");
    }
    return PredictorProperties.pool(texts);
  }

  /** {@code n} examples of questions drawn from {@link #POOL}, groups of 8 (test data shared with other tests). */
  static TrainingExamples batch(long seed, int n) {
    Rng rng = new Rng(seed);
    int[] q = new int[n];
    double[] p = new double[n];
    double[] u = new double[n];
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      q[i] = rng.nextInt(POOL.size());
      p[i] = rng.nextInt(9) / 8.0;
      u[i] = Math.sqrt(p[i] * (1 - p[i]));
      g[i] = 8;
    }
    return new TrainingExamples(q, u, p, g, n, n);
  }

  @Provide
  Arbitrary<String> kinds() {
    return Arbitraries.of("features", "features-utility", "features-arithmetic-dense");
  }

  private static byte[] state(FeaturePredictor p) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    p.writeState(new DataOutputStream(b));
    return b.toByteArray();
  }

  private static double[] predictions(FeaturePredictor p) {
    int n = POOL.size();
    double[] u = new double[n];
    double[] s = new double[n];
    p.predict(POOL, Rng.identity(n), n, u);
    p.predictSuccessRate(POOL, Rng.identity(n), n, s);
    double[] both = new double[2 * n];
    System.arraycopy(u, 0, both, 0, n);
    System.arraycopy(s, 0, both, n, n);
    return both;
  }

  @Property(tries = 8)
  void aTrainThatFailsPartWayChangesNothing(@ForAll("kinds") String kind, @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 2) int failingEpoch) throws IOException {
    FeaturePredictor failed = (FeaturePredictor) PredictorProperties.make(kind, seed);
    FeaturePredictor fresh = (FeaturePredictor) PredictorProperties.make(kind, seed);
    TrainingExamples first = batch(seed, 40);
    TrainingExamples second = batch(seed + 1, 50);
    failed.train(POOL, first, 2);
    fresh.train(POOL, first, 2);
    byte[] before = state(failed);

    failed.afterEpoch = e -> {
      if (e == failingEpoch) {
        throw new IllegalStateException("injected failure after epoch " + e);
      }
    };
    assertThrows(IllegalStateException.class, () -> failed.train(POOL, batch(seed + 2, 70), 3));
    failed.afterEpoch = e -> {};
    assertArrayEquals(before, state(failed), "a failed train changed the saved state");

    failed.train(POOL, second, 3);
    fresh.train(POOL, second, 3);
    assertArrayEquals(predictions(fresh), predictions(failed));
    assertArrayEquals(state(fresh), state(failed));
  }

  @Test
  void aDivergingTrainIsRefusedAndChangesNothing() throws IOException {
    // a learning rate this large makes the weights overflow within a few steps
    FeaturePredictor p = FeaturePredictor.builder().learningRate(1e300).batchSize(4).build();
    byte[] before = state(p);
    double[] predicted = predictions(p);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.train(POOL, batch(3, 60), 3));
    assertTrue(e.getMessage().contains("diverged"), e.getMessage());
    assertArrayEquals(before, state(p));
    assertArrayEquals(predicted, predictions(p));
  }
}
