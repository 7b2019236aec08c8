package ai.goldilocks.core.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.TrainingExamples;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link FeaturePredictor.Builder#laterEpochsOn}: the first epoch of an update trains on the whole
 * window, the later ones on its newest examples only.
 */
class LaterEpochsProperties {
  private static final QuestionPool POOL = TrainRollbackProperties.POOL;

  /** {@code n} examples, the group sizes equal (so that only recency would weigh them apart). */
  private static TrainingExamples window(long seed, int n) {
    return TrainRollbackProperties.batch(seed, n);
  }

  /** The newest {@code m} examples of {@code ex}. */
  private static TrainingExamples newest(TrainingExamples ex, int m) {
    int n = ex.size();
    int[] q = new int[m];
    double[] p = new double[m];
    double[] u = new double[m];
    int[] g = new int[m];
    for (int j = 0; j < m; j++) {
      int i = n - m + j;
      q[j] = ex.question(i);
      p[j] = ex.successRate(i);
      u[j] = ex.utility(i);
      g[j] = ex.groupSize(i);
    }
    return new TrainingExamples(q, u, p, g, m, m);
  }

  private static byte[] state(FeaturePredictor p) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    p.writeState(new DataOutputStream(b));
    return b.toByteArray();
  }

  /** Flat weights, no memory, no recent offset: what the network is trained on is all that differs. */
  private static FeaturePredictor.Builder plain(long seed) {
    return FeaturePredictor.builder().seed(seed).halfLife(Double.POSITIVE_INFINITY).memory(false).recentHalfLife(0);
  }

  /**
   * Three epochs with the later two on the newest m are one epoch over the window and then two
   * over its newest m: the older examples are trained on once, and nothing else is.
   */
  @Property(tries = 6)
  void laterEpochsTrainOnTheNewestExamplesOnly(@ForAll long seed, @ForAll @IntRange(min = 1, max = 149) int m)
      throws IOException {
    int n = 150;
    TrainingExamples ex = window(seed, n);
    FeaturePredictor cheap = plain(seed).laterEpochsOn(m).build();
    cheap.train(POOL, ex, 3);
    FeaturePredictor byHand = plain(seed).build();
    byHand.train(POOL, ex, 1);
    byHand.train(POOL, newest(ex, m), 2);
    assertArrayEquals(state(byHand), state(cheap));
    FeaturePredictor full = plain(seed).build();
    full.train(POOL, ex, 3);
    assertFalse(Arrays.equals(state(full), state(cheap)), "later epochs over " + m + " of " + n + " trained as all");
  }

  /** A setting at least the window's length, and 0, train as the default; one epoch is the same for any. */
  @Test
  void aSettingCoveringTheWindowIsTheDefault() throws IOException {
    TrainingExamples ex = window(3, 120);
    FeaturePredictor def = FeaturePredictor.builder().seed(3).build();
    def.train(POOL, ex, 3);
    for (int m : new int[] {0, 120, 4096}) {
      FeaturePredictor p = FeaturePredictor.builder().seed(3).laterEpochsOn(m).build();
      p.train(POOL, ex, 3);
      assertArrayEquals(state(def), state(p), "laterEpochsOn(" + m + ")");
    }
    FeaturePredictor one = FeaturePredictor.builder().seed(3).build();
    FeaturePredictor oneCheap = FeaturePredictor.builder().seed(3).laterEpochsOn(10).build();
    one.train(POOL, ex, 1);
    oneCheap.train(POOL, ex, 1);
    assertArrayEquals(state(one), state(oneCheap));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FeaturePredictor.builder().laterEpochsOn(-1));
    assertTrue(e.getMessage().contains("laterEpochsOn"), e.getMessage());
  }

  /**
   * The same seed trains to the same state, and a teacher restored from a save after the first of
   * two updates ends where one that never stopped does (the setting is configuration, not state).
   */
  @Property(tries = 4)
  void sameSeedSameStateAndARestoreContinuesExactly(@ForAll long seed, @ForAll @IntRange(min = 1, max = 100) int m)
      throws IOException {
    TrainingExamples first = window(seed, 100);
    TrainingExamples second = window(seed + 1, 100);
    FeaturePredictor a = FeaturePredictor.builder().seed(seed).laterEpochsOn(m).build();
    FeaturePredictor b = FeaturePredictor.builder().seed(seed).laterEpochsOn(m).build();
    a.train(POOL, first, 3);
    b.train(POOL, first, 3);
    byte[] saved = state(a);
    assertArrayEquals(saved, state(b));
    FeaturePredictor restored = FeaturePredictor.builder().seed(seed + 7).laterEpochsOn(m).build();
    restored.readState(new DataInputStream(new ByteArrayInputStream(saved)));
    a.train(POOL, second, 3);
    restored.train(POOL, second, 3);
    assertArrayEquals(state(a), state(restored));
    int[] all = Rng.identity(POOL.size());
    double[] pa = new double[all.length];
    double[] pr = new double[all.length];
    a.predict(POOL, all, all.length, pa);
    restored.predict(POOL, all, all.length, pr);
    assertArrayEquals(pa, pr);
  }
}
