package ai.goldilocks.core.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.TrainingExamples;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The feature teacher's fast paths give the same numbers, to the bit, as the straightforward code:
 * the forward pass eight hidden units at a time, candidates evaluated in gathered blocks with
 * per-thread buffers and a per-thread cache of the pool's tables, Adam without the divisions by
 * bias corrections that have become exactly 1.
 */
class FastPathProperties {

  /** The forward pass one hidden unit at a time, as it was written before: the reference. */
  private static double reference(Mlp net, double[] w, double[] x, double[] h) {
    int d = TextFeatures.DIM;
    double z = w[net.w2 + net.hidden];
    for (int i = 0; i < net.hidden; i++) {
      double a = w[net.b1 + i];
      for (int k = 0; k < d; k++) {
        a += w[i * d + k] * x[k];
      }
      a = a > 0 ? a : 0;
      h[i] = a;
      z += w[net.w2 + i] * a;
    }
    return z;
  }

  @Property(tries = 150)
  void theForwardPassIsTheOneUnitAtATimeSumToTheBit(@ForAll @IntRange(min = 1, max = 41) int hidden, @ForAll long seed) {
    Mlp net = new Mlp(hidden);
    Rng rng = new Rng(seed);
    double[] w = net.init(rng);
    for (int i = 0; i < w.length; i++) {
      w[i] += rng.nextGaussian() * (i % 5 == 0 ? 3 : 0.3); // biases and output weights of both signs, some large
    }
    byte[] table = new byte[3 * TextFeatures.DIM];
    for (int i = 0; i < table.length; i++) {
      table[i] = (byte) (rng.nextInt(255) - 127);
    }
    double[] x = new double[TextFeatures.DIM];
    for (int row = 0; row < 3; row++) {
      Mlp.load(table, row, x);
      double[] h = new double[hidden];
      double[] hRef = new double[hidden];
      double z = net.forward(w, x, h);
      double zRef = reference(net, w, x, hRef);
      assertEquals(Double.doubleToRawLongBits(zRef), Double.doubleToRawLongBits(z), "z of row " + row);
      for (int i = 0; i < hidden; i++) {
        assertEquals(Double.doubleToRawLongBits(hRef[i]), Double.doubleToRawLongBits(h[i]), "h[" + i + "] of row " + row);
      }
    }
  }

  @Property(tries = 40)
  void adamIsTheTextbookStepToTheBitAcrossTheBiasCorrectionsReachingOne(@ForAll @IntRange(min = 0, max = 3) int phase,
      @ForAll long seed) {
    long start = switch (phase) {
      case 0 -> 0;
      case 1 -> 330; // 1 - 0.9^t rounds to 1 at about t = 356
      case 2 -> 37_390; // 1 - 0.999^t at about t = 37,412
      default -> 5_000_000;
    };
    int n = 37;
    double lr = 1e-2;
    Adam adam = new Adam(n, lr);
    adam.step = start;
    Rng rng = new Rng(seed);
    double[] w = new double[n];
    double[] m = new double[n];
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = rng.nextGaussian();
      m[i] = rng.nextGaussian() * 1e-2;
      v[i] = Math.abs(rng.nextGaussian()) * 1e-4;
    }
    System.arraycopy(m, 0, adam.m, 0, n);
    System.arraycopy(v, 0, adam.v, 0, n);
    double[] wRef = w.clone();
    double[] g = new double[n];
    for (int t = 1; t <= 60; t++) {
      for (int i = 0; i < n; i++) {
        g[i] = rng.nextGaussian() * (i % 7 == 0 ? 0 : 1e-2);
      }
      adam.step(w, g);
      // the textbook step, as Adam was written before its shortcuts
      double c1 = 1 - Math.pow(0.9, start + t);
      double c2 = 1 - Math.pow(0.999, start + t);
      for (int i = 0; i < n; i++) {
        m[i] = 0.9 * m[i] + (1 - 0.9) * g[i];
        v[i] = 0.999 * v[i] + (1 - 0.999) * g[i] * g[i];
        wRef[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
      }
      for (int i = 0; i < n; i++) {
        assertEquals(Double.doubleToRawLongBits(wRef[i]), Double.doubleToRawLongBits(w[i]), "w[" + i + "] at step " + (start + t));
        assertEquals(Double.doubleToRawLongBits(m[i]), Double.doubleToRawLongBits(adam.m[i]), "m[" + i + "]");
        assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(adam.v[i]), "v[" + i + "]");
      }
    }
  }

  private static QuestionPool pool(int n, long seed, String prefix) {
    Rng rng = new Rng(seed);
    String[] topics = {"apples", "trains", "vectors", "primes", "angles"};
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      qs.add(new Question(prefix + i, "About " + topics[rng.nextInt(topics.length)] + ": compute " + rng.nextInt(100_000) + " + "
          + rng.nextInt(1000) + (rng.nextInt(3) == 0 ? " then double it" : "") + "."));
    }
    return QuestionPool.of(qs);
  }

  /** A predictor trained once on graded outcomes (so every output is in use: memory, offset, spread head). */
  private static FeaturePredictor trained(FeaturePredictor p, QuestionPool pool, long seed) {
    Rng rng = new Rng(seed);
    int n = 300;
    int[] idx = new int[n];
    double[] u = new double[n];
    double[] ph = new double[n];
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = rng.nextInt(pool.size());
      ph[i] = rng.nextInt(9) / 8.0;
      u[i] = Math.sqrt(ph[i] * (1 - ph[i])) * (rng.nextInt(4) == 0 ? 0.5 : 1);
      g[i] = 8;
    }
    p.train(pool, new TrainingExamples(idx, u, ph, g, n, n), 2);
    return p;
  }

  private static FeaturePredictor make(int kind, long seed) {
    return switch (kind) {
      case 0 -> FeaturePredictor.builder().seed(seed).build();
      case 1 -> FeaturePredictor.builder().seed(seed).features(FeatureSet.ARITHMETIC).sparseText(false).build();
      case 2 -> FeaturePredictor.builder().seed(seed).target(TeacherTarget.UTILITY).hidden(6).build();
      default -> FeaturePredictor.builder().seed(seed).hidden(3).memory(false).build();
    };
  }

  @Property(tries = 12)
  void aBlockOfCandidatesIsPredictedAsEachAlone(@ForAll @IntRange(min = 0, max = 3) int kind, @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 70) int count) {
    QuestionPool pool = pool(400, seed, "q");
    FeaturePredictor p = trained(make(kind, seed), pool, seed);
    Rng rng = new Rng(seed ^ 7);
    int[] cand = new int[count + 3];
    for (int j = 0; j < cand.length; j++) {
      cand[j] = rng.nextInt(j % 4 == 0 ? 5 : pool.size()); // repeats too
    }
    double[] all = new double[count + 3];
    double[] allP = new double[count + 3];
    p.predict(pool, cand, count, all);
    p.predictSuccessRate(pool, cand, count, allP);
    double[] one = new double[1];
    for (int j = 0; j < count; j++) {
      p.predict(pool, new int[] {cand[j]}, 1, one);
      assertEquals(Double.doubleToRawLongBits(one[0]), Double.doubleToRawLongBits(all[j]), "utility of candidate " + j);
      p.predictSuccessRate(pool, new int[] {cand[j]}, 1, one);
      assertEquals(Double.doubleToRawLongBits(one[0]), Double.doubleToRawLongBits(allP[j]), "success rate of candidate " + j);
    }
    for (int j = count; j < all.length; j++) {
      assertEquals(0.0, all[j], "written past count");
    }
  }

  @Property(tries = 6)
  void eachPoolIsReadThroughItsOwnTablesOnAnyThread(@ForAll @IntRange(min = 0, max = 3) int kind, @ForAll long seed)
      throws IOException {
    QuestionPool a = pool(300, seed, "a");
    QuestionPool b = pool(500, seed + 1, "b");
    FeaturePredictor p = trained(make(kind, seed), a, seed);
    // a copy of the same weights that only ever reads pool b
    ByteArrayOutputStream state = new ByteArrayOutputStream();
    p.writeState(new DataOutputStream(state));
    FeaturePredictor onlyB = make(kind, seed);
    onlyB.readState(new DataInputStream(new ByteArrayInputStream(state.toByteArray())));
    int[] cand = new int[300];
    for (int j = 0; j < cand.length; j++) {
      cand[j] = j;
    }
    double[] a1 = new double[300];
    double[] b1 = new double[300];
    double[] a2 = new double[300];
    double[] bRef = new double[300];
    p.predict(a, cand, 300, a1);
    p.predict(b, cand, 300, b1);
    p.predict(a, cand, 300, a2);
    onlyB.predict(b, cand, 300, bRef);
    assertArrayEquals(a1, a2, "pool a again after pool b");
    assertArrayEquals(bRef, b1, "pool b after pool a");
    double[] other = CompletableFuture.supplyAsync(() -> {
      double[] o = new double[300];
      p.predict(b, cand, 300, o);
      return o;
    }).join();
    assertArrayEquals(bRef, other, "pool b on another thread");
  }

  /**
   * A pick allocates nothing once the thread has its buffers: at 100,000 picks a second, a few
   * hundred bytes each were tens of megabytes a second of garbage on the picking thread.
   */
  @Example
  void predictingAllocatesNothingPerCall() throws ReflectiveOperationException {
    // through reflection: this module does not read java.management, and a library should not for a test
    Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
    Class<?> hotspot = Class.forName("com.sun.management.ThreadMXBean");
    assumeTrue(hotspot.isInstance(threads) && (Boolean) hotspot.getMethod("isThreadAllocatedMemoryEnabled").invoke(threads),
        "this JVM does not count a thread's allocations");
    Method allocatedBytes = hotspot.getMethod("getThreadAllocatedBytes", long.class);
    QuestionPool pool = pool(500, 3, "q");
    FeaturePredictor p = trained(make(0, 3), pool, 3);
    int[] cand = new int[16];
    double[] out = new double[16];
    Rng rng = new Rng(5);
    long id = Thread.currentThread().getId();
    int calls = 20_000;
    long allocated = 0;
    for (int round = 0; round < 2; round++) { // the first round warms up (thread buffers, compilation)
      long before = (Long) allocatedBytes.invoke(threads, id);
      for (int i = 0; i < calls; i++) {
        for (int j = 0; j < cand.length; j++) {
          cand[j] = rng.nextInt(pool.size());
        }
        p.predict(pool, cand, cand.length, out);
      }
      allocated = (Long) allocatedBytes.invoke(threads, id) - before;
    }
    assertTrue(allocated < calls, "predict allocated " + allocated + " bytes in " + calls + " calls");
  }

  /** A thread that predicted on a pool does not keep the pool's tables once the pool is dropped. */
  @Example
  void aDroppedPoolsTablesAreNotKeptByAThreadThatPredicted() throws InterruptedException {
    FeaturePredictor p = make(0, 1);
    java.lang.ref.WeakReference<byte[]> table = predictAndDrop(p);
    QuestionPool other = pool(40, 2, "o");
    for (int i = 0; i < 50 && table.get() != null; i++) {
      System.gc();
      Thread.sleep(20);
      TextFeatures.table(other, FeatureSet.GENERAL); // the shared cache drops entries of collected pools when used
    }
    assertTrue(table.get() == null, "the dropped pool's feature table is still reachable");
    // and the predictor still works, on a new pool
    double[] out = new double[3];
    p.predict(other, new int[] {0, 1, 39}, 3, out);
    assertTrue(out[2] > 0 && out[2] <= 0.5, "prediction " + out[2]);
  }

  private static java.lang.ref.WeakReference<byte[]> predictAndDrop(FeaturePredictor p) {
    QuestionPool pool = pool(300, 1, "d");
    p.predict(pool, new int[] {0, 1, 2}, 3, new double[3]);
    return new java.lang.ref.WeakReference<>(TextFeatures.table(pool, FeatureSet.GENERAL));
  }
}
