package ai.goldilocks.examples;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.TextFeatures;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perf}: selection throughput and latency of the Goldilocks sampler with the feature
 * teacher, the teacher's update time, and heap bytes per registered question.
 */
@Command(name = "perf", mixinStandardHelpOptions = true,
    description = "Selection throughput and latency (K = 16, 64), teacher-update time, heap bytes per question.")
final class PerfCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(PerfCommand.class);

  @Option(names = "--questions", description = "Registered questions (default: ${DEFAULT-VALUE}, OpenMathReasoning cot).",
      defaultValue = "3200000")
  int questions;

  @Option(names = "--selections", description = "Timed selections per K (default: ${DEFAULT-VALUE}).", defaultValue = "200000")
  int selections;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      best = Math.min(best, rt.totalMemory() - rt.freeMemory());
    }
    return best;
  }

  @Override
  public Integer call() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("questions", questions);
    out.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    out.put("javaVersion", System.getProperty("java.version"));

    long before = usedHeap();
    long t0 = System.nanoTime();
    QuestionPool.Builder b = QuestionPool.builder();
    ArithmeticTasks.forEach(questions, 8, 42, "omr-", t -> b.add(
        new Question(t.id(), "Problem: compute " + t.prompt().replace("=", "") + " and write the exact result.")));
    QuestionPool pool = b.build();
    long buildMs = (System.nanoTime() - t0) / 1_000_000;
    t0 = System.nanoTime();
    TextFeatures.table(pool);
    FeaturePredictor predictor = FeaturePredictor.builder().build();
    predictor.predict(pool, new int[] {0}, 1, new double[1]); // the teacher's per-pool tables (dense and sparse)
    long featureMs = (System.nanoTime() - t0) / 1_000_000;
    GoldilocksSampler sizing = GoldilocksSampler.builder(pool).predictor(predictor).build();
    long after = usedHeap();
    double perQuestion = (after - before - pool.textBytes()) / (double) questions;
    LOG.info("pool of {} built in {} ms, features in {} ms; heap {} MB incl. {} MB of text: {} bytes/question excluding text",
        questions, buildMs, featureMs, (after - before) >> 20, pool.textBytes() >> 20, String.format("%.1f", perQuestion));
    sizing.close();
    out.put("poolBuildMillis", buildMs);
    out.put("featureTableMillis", featureMs);
    out.put("featureTables", "dense 32 bytes and sparse text 44 bytes per question (words 24, cluster 4, digit pairs 16)");
    out.put("textBytesPerQuestion", Json.round(pool.textBytes() / (double) questions, 1));
    out.put("heapBytesPerQuestion", Json.round(perQuestion, 1));

    // teacher update: one training call over a full window (4096 samples, 3 epochs)
    Rng rng = new Rng(7);
    int[] idx = new int[4096];
    double[] y = new double[4096];
    double[] p = new double[4096];
    int[] g = new int[4096];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = rng.nextInt(pool.size());
      p[i] = rng.nextInt(9) / 8.0;
      y[i] = Math.sqrt(p[i] * (1 - p[i]));
      g[i] = 8;
    }
    TrainingExamples window = new TrainingExamples(idx, y, p, g, idx.length, 64);
    predictor.train(pool, window, 3); // warm-up
    long[] updates = new long[5];
    for (int i = 0; i < updates.length; i++) {
      long s = System.nanoTime();
      predictor.train(pool, window, 3);
      updates[i] = System.nanoTime() - s;
    }
    Arrays.sort(updates);
    out.put("teacherUpdateMillis", Json.round(updates[updates.length / 2] / 1e6, 2));
    out.put("teacherUpdate", "window 4096, 3 epochs, minibatch 32, median of 5");

    for (int k : new int[] {16, 64}) {
      out.put("K" + k, measure(pool, k, rng));
    }
    Map<String, Object> loop = new LinkedHashMap<>();
    loop.put("synchronous", measureLoop(pool, GoldilocksSampler.UpdateMode.SYNCHRONOUS, 0, rng));
    loop.put("asynchronousBounded", measureLoop(pool, GoldilocksSampler.UpdateMode.ASYNCHRONOUS, 0, rng));
    loop.put("asynchronousUnbounded", measureLoop(pool, GoldilocksSampler.UpdateMode.ASYNCHRONOUS, Integer.MAX_VALUE, rng));
    out.put("batchLoop", loop);
    output.print(out);
    return 0;
  }

  /**
   * A host loop with nothing to do but pick and report: {@code next(256)} and 256 feedbacks, up to
   * 40 times (160 due teacher updates at the default updateEvery 64; fewer with fewer
   * {@code --selections}), K = 16. Selections per second exclude the wait for the last update.
   */
  private Map<String, Object> measureLoop(QuestionPool pool, GoldilocksSampler.UpdateMode mode, int maxLag, Rng rng) {
    GoldilocksSampler.Builder b = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).updateMode(mode);
    if (maxLag > 0) {
      b.maxTeacherLag(maxLag);
    }
    try (GoldilocksSampler s = b.build()) {
      long start = System.nanoTime();
      long maxSeen = 0;
      int batches = Math.max(2, Math.min(40, selections / 256));
      for (int i = 0; i < batches; i++) {
        for (Selection sel : s.next(256)) {
          double[] r = new double[8];
          for (int j = 0; j < 8; j++) {
            r[j] = rng.nextDouble() < 0.5 ? 1 : 0;
          }
          s.feedback(new RolloutFeedback(sel.question().id(), r, i));
          maxSeen = Math.max(maxSeen, s.metrics().teacherLagSamples());
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      s.awaitUpdates();
      var m = s.metrics();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("selectionsPerSecond", Math.round(batches * 256 / seconds));
      out.put("dueUpdates", batches * 256 / 64);
      out.put("teacherUpdates", m.teacherUpdates());
      out.put("teacherUpdatesMerged", m.teacherUpdatesMerged());
      out.put("teacherWaits", m.teacherWaits());
      out.put("maxTeacherLagSamples", maxSeen);
      LOG.info("batch loop {} (maxTeacherLag {}): {}", mode, maxLag == 0 ? "default" : maxLag, out);
      return out;
    }
  }

  /**
   * Times single selections on this thread while asynchronous teacher updates run in the
   * background. The lag is unbounded here, as before the bound existed: one feedback per selection
   * outruns any teacher, and a bounded sampler would make this loop wait for every update (the
   * batch loop below measures that).
   */
  private Map<String, Object> measure(QuestionPool pool, int k, Rng rng) {
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).candidates(k)
        .maxTeacherLag(Integer.MAX_VALUE).build()) {
      int warm = Math.min(20_000, selections);
      long[] lat = new long[selections];
      long total = 0;
      for (int i = -warm; i < selections; i++) {
        long start = System.nanoTime();
        List<Selection> sel = s.next(1);
        long d = System.nanoTime() - start;
        if (i >= 0) {
          lat[i] = d;
          total += d;
        }
        double[] r = new double[8];
        for (int j = 0; j < 8; j++) {
          r[j] = rng.nextDouble() < 0.5 ? 1 : 0;
        }
        s.feedback(new RolloutFeedback(sel.get(0).question().id(), r, 0));
      }
      s.awaitUpdates();
      Arrays.sort(lat);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("selectionsPerSecond", Math.round(selections / (total / 1e9)));
      m.put("p50Micros", Json.round(lat[selections / 2] / 1e3, 2));
      m.put("p99Micros", Json.round(lat[(int) (selections * 0.99)] / 1e3, 2));
      m.put("maxMicros", Json.round(lat[selections - 1] / 1e3, 2));
      m.put("teacherUpdatesDuringRun", s.metrics().teacherUpdates());
      LOG.info("K={}: {}", k, m);
      return m;
    }
  }
}
