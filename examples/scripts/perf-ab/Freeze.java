import ai.goldilocks.core.*;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.predictor.*;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import java.util.*;

/** perf's K = 16 loop with background teacher updates against the same loop with a trained teacher that never updates. */
public class Freeze {
  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    QuestionPool.Builder b = QuestionPool.builder();
    ArithmeticTasks.forEach(n, 8, 42, "omr-", t -> b.add(new Question(t.id(), "Problem: compute " + t.prompt().replace("=", "") + " and write the exact result.")));
    QuestionPool pool = b.build();
    Rng rng = new Rng(7);
    int[] idx = new int[4096]; double[] y = new double[4096]; double[] p = new double[4096]; int[] g = new int[4096];
    for (int i = 0; i < idx.length; i++) { idx[i] = rng.nextInt(pool.size()); p[i] = rng.nextInt(9) / 8.0; y[i] = Math.sqrt(p[i] * (1 - p[i])); g[i] = 8; }
    FeaturePredictor frozenTeacher = FeaturePredictor.builder().build();
    frozenTeacher.train(pool, new TrainingExamples(idx, y, p, g, 4096, 64), 3);
    GoldilocksSampler async = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).maxTeacherLag(Integer.MAX_VALUE).build();
    GoldilocksSampler frozen = GoldilocksSampler.builder(pool).predictor(frozenTeacher).window(1_000_000).updateEvery(1_000_000).build();
    Map<String, List<double[]>> res = new TreeMap<>();
    for (int r = -1; r < rounds; r++) {
      for (GoldilocksSampler s : (r & 1) == 0 ? List.of(async, frozen) : List.of(frozen, async)) {
        int m = 20_000;
        long[] lat = new long[m];
        long total = 0;
        for (int i = 0; i < m; i++) {
          long t0 = System.nanoTime();
          List<Selection> sel = s.next(1);
          long d = System.nanoTime() - t0;
          lat[i] = d; total += d;
          double[] rw = new double[8];
          for (int j = 0; j < 8; j++) rw[j] = rng.nextDouble() < 0.5 ? 1 : 0;
          s.feedback(new RolloutFeedback(sel.get(0).question().id(), rw, 0));
        }
        s.awaitUpdates();
        Arrays.sort(lat);
        if (r >= 0) res.computeIfAbsent(s == async ? "withUpdates" : "noUpdates", k -> new ArrayList<>())
            .add(new double[] {m / (total / 1e9), lat[m / 2] / 1e3, lat[(int) (m * 0.99)] / 1e3});
      }
    }
    for (var e : res.entrySet()) {
      double[][] v = e.getValue().toArray(new double[0][]);
      System.out.printf("%s: selections/s median %.0f, p50 median %.2f us, p99 median %.2f us%n", e.getKey(), med(v, 0), med(v, 1), med(v, 2));
    }
    System.out.println("updates during the run: " + async.metrics().teacherUpdates() + " / " + frozen.metrics().teacherUpdates());
  }
  static double med(double[][] v, int c) { double[] x = new double[v.length]; for (int i = 0; i < v.length; i++) x[i] = v[i][c]; Arrays.sort(x); return x[x.length / 2]; }
}
