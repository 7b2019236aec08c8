import ai.goldilocks.core.*;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.predictor.*;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import java.util.Arrays;
import java.util.List;

/** Loaded once per variant (its own class loader); the driver alternates short chunks of each. */
public class Worker {
  static QuestionPool pool;
  static FeaturePredictor predictor;
  static TrainingExamples window;
  static GoldilocksSampler sync;
  static GoldilocksSampler async;
  static Rng rng = new Rng(7);
  static Rng rngLoop = new Rng(9);
  static Rng rngAsync = new Rng(11);
  // the teacher's training, from the system property perfab.teacher at setup ("later=512,epochs=2"; empty: the default)
  // (epochs=0: train times what an update does besides its epochs; the synchronous sampler then keeps 1)
  static int later = 0;
  static int epochs = 3;

  /** A default feature teacher, with laterEpochsOn(later) when set (by reflection: the base build may lack it). */
  static FeaturePredictor teacher() {
    FeaturePredictor.Builder b = FeaturePredictor.builder();
    if (later > 0) {
      try {
        b = (FeaturePredictor.Builder) FeaturePredictor.Builder.class.getMethod("laterEpochsOn", int.class).invoke(b, later);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("this build has no laterEpochsOn", e);
      }
    }
    return b.build();
  }

  public static void setup(int n) {
    for (String kv : System.getProperty("perfab.teacher", "").split(",")) {
      if (kv.startsWith("later=")) later = Integer.parseInt(kv.substring(6));
      else if (kv.startsWith("epochs=")) epochs = Integer.parseInt(kv.substring(7));
      else if (!kv.isEmpty()) throw new IllegalArgumentException("perfab.teacher: unknown setting " + kv);
    }
    QuestionPool.Builder b = QuestionPool.builder();
    ArithmeticTasks.forEach(n, 8, 42, "omr-", t -> b.add(new Question(t.id(), "Problem: compute " + t.prompt().replace("=", "") + " and write the exact result.")));
    pool = b.build();
    predictor = teacher();
    int[] idx = new int[4096]; double[] y = new double[4096]; double[] p = new double[4096]; int[] g = new int[4096];
    for (int i = 0; i < idx.length; i++) { idx[i] = rng.nextInt(pool.size()); p[i] = rng.nextInt(9) / 8.0; y[i] = Math.sqrt(p[i] * (1 - p[i])); g[i] = 8; }
    window = new TrainingExamples(idx, y, p, g, idx.length, 64);
    predictor.train(pool, window, epochs);
    sync = GoldilocksSampler.builder(pool).predictor(teacher()).epochs(Math.max(1, epochs)).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
    async = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).maxTeacherLag(Integer.MAX_VALUE).build();
  }

  /** Nanoseconds of k teacher updates (window 4096, 3 epochs unless perfab.teacher says otherwise). */
  public static long train(int k) {
    long s = System.nanoTime();
    for (int i = 0; i < k; i++) predictor.train(pool, window, epochs);
    return System.nanoTime() - s;
  }

  /** The synchronous batch loop: batches x (next(256) + 256 feedbacks); nanoseconds. */
  public static long loop(int batches) {
    long s = System.nanoTime();
    for (int i = 0; i < batches; i++) {
      for (Selection sel : sync.next(256)) {
        double[] r = new double[8];
        for (int j = 0; j < 8; j++) r[j] = rngLoop.nextDouble() < 0.5 ? 1 : 0;
        sync.feedback(new RolloutFeedback(sel.question().id(), r, i));
      }
    }
    return System.nanoTime() - s;
  }

  /** perf's K = 16 loop: m x (next(1) timed, feedback untimed), background updates; returns {total ns, p50 ns}. */
  public static long[] next1(int m) {
    long[] lat = new long[m];
    long total = 0;
    for (int i = 0; i < m; i++) {
      long s = System.nanoTime();
      List<Selection> sel = async.next(1);
      long d = System.nanoTime() - s;
      lat[i] = d;
      total += d;
      double[] r = new double[8];
      for (int j = 0; j < 8; j++) r[j] = rngAsync.nextDouble() < 0.5 ? 1 : 0;
      async.feedback(new RolloutFeedback(sel.get(0).question().id(), r, 0));
    }
    async.awaitUpdates();
    Arrays.sort(lat);
    return new long[] {total, lat[m / 2], lat[(int) (m * 0.99)]};
  }

  /** A fingerprint of what the synchronous sampler picked so far (its state), to check both variants did the same work. */
  public static long fingerprint() throws Exception {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    sync.saveState(o);
    return Arrays.hashCode(o.toByteArray());
  }
}
