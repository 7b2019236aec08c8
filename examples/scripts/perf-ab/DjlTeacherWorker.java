import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerTeacher;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One build's DJL teacher, loaded once per build (its own class loader over a shared DJL engine)
 * by DjlTeacherAB: the benchmark's teacher (d 64, 2 layers, 4 heads, FFN 128, 32 tokens,
 * success-rate head, batch 32, learning rate 1e-3, seed 1), updates on 1,024-example windows of
 * arithmetic questions for 2 epochs, as the benchmark's goldilocks-djl arm. Both builds see the
 * same windows in the same order.
 */
public class DjlTeacherWorker {
  private static QuestionPool pool;
  private static TransformerTeacher teacher;
  private static SplittableRandom windows;

  public static void setup() {
    CharTokenizer tok = CharTokenizer.arithmetic();
    SplittableRandom r = new SplittableRandom(7);
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < 4096; i++) {
      qs.add(new Question("q" + i, r.nextInt(100000) + (r.nextBoolean() ? "+" : "*") + r.nextInt(1000) + "="));
    }
    pool = QuestionPool.of(qs);
    windows = new SplittableRandom(11);
    teacher = TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 32), tok).seed(1)
        .learningRate(1e-3).target(TeacherTarget.SUCCESS_RATE).build();
  }

  /** Nanoseconds of one update on the next window. */
  public static long train() {
    int n = 1024;
    int[] idx = new int[n];
    double[] u = new double[n];
    double[] p = new double[n];
    int[] g = new int[n];
    for (int j = 0; j < n; j++) {
      idx[j] = windows.nextInt(pool.size());
      p[j] = windows.nextInt(9) / 8.0;
      u[j] = Math.sqrt(p[j] * (1 - p[j]));
      g[j] = 8;
    }
    TrainingExamples ex = new TrainingExamples(idx, u, p, g, n, 64);
    long t0 = System.nanoTime();
    teacher.train(pool, ex, 2);
    return System.nanoTime() - t0;
  }

  /** Nanoseconds of one stateSnapshot() (what an asynchronous update takes before it trains). */
  public static long snapshot() throws Exception {
    long t0 = System.nanoTime();
    UtilityPredictor.StateSnapshot s = teacher.stateSnapshot();
    long t = System.nanoTime() - t0;
    if (s == null) {
      throw new AssertionError("no snapshot");
    }
    return t;
  }

  /** Nanoseconds of one writeState into a byte array. */
  public static long writeState() throws Exception {
    long t0 = System.nanoTime();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(out);
    teacher.writeState(data);
    data.flush();
    return System.nanoTime() - t0;
  }

  /** Hashes of 256 predictions and of the saved state, and whether a snapshot writes the same bytes. */
  public static String fingerprint() throws Exception {
    int[] probe = new int[256];
    for (int j = 0; j < probe.length; j++) {
      probe[j] = j * 16;
    }
    double[] pred = new double[probe.length];
    teacher.predict(pool, probe, probe.length, pred);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    teacher.writeState(new DataOutputStream(out));
    ByteArrayOutputStream snap = new ByteArrayOutputStream();
    teacher.stateSnapshot().writeTo(new DataOutputStream(snap));
    return "{\"predictionsHash\": " + Arrays.hashCode(pred) + ", \"stateHash\": " + Arrays.hashCode(out.toByteArray())
        + ", \"stateBytes\": " + out.size() + ", \"snapshotEqualsState\": " + Arrays.equals(out.toByteArray(), snap.toByteArray())
        + "}";
  }
}
