package ai.goldilocks.examples;

import ai.goldilocks.core.Sampler;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One arm of a comparison (benchmark, omr): GRPO from a warm start with one sampler until a rollout
 * budget is spent, with a learning-rate ramp, evaluation every few steps, a progress bar and a
 * {@code validation.jsonl} log.
 */
final class ArmRun {
  private static final Logger LOG = LoggerFactory.getLogger(ArmRun.class);

  private ArmRun() {}

  /**
   * Evaluates the policy; the map holds at least "accuracy" (a Double, the primary metric).
   * {@code full} is true for the first and the last evaluation, which may measure more.
   */
  @FunctionalInterface
  interface Evaluation {
    Map<String, Object> evaluate(TransformerPolicy policy, boolean full);
  }

  /** What an arm achieved. */
  static final class Result {
    final List<double[]> accuracy = new ArrayList<>(); // (updates, primary metric, rollouts)
    final List<StepMetrics> steps = new ArrayList<>();
    double finalAccuracy;
    Map<String, Object> firstEvaluation;
    Map<String, Object> finalEvaluation;
    int skippedSteps;
    int resumedSteps;
    double zeroVarianceFraction;
    long rollouts;
    long updates;
    double meanReward;
    double teacherMae;
    double seconds;

    /** The first evaluated update count at which accuracy reached {@code target}, or null. */
    Long updatesToReach(double target) {
      for (double[] a : accuracy) {
        if (a[1] >= target) {
          return (long) a[0];
        }
      }
      return null;
    }
  }

  /** One arm's whole run, from its own copy of the starting weights. */
  @FunctionalInterface
  interface ArmTask {
    Result run(String arm) throws IOException;
  }

  /**
   * Runs {@code task} for each arm on {@code threads} threads (1: one after the other on the
   * calling thread), starting them in the order of {@code startOrder} (arms it does not name come
   * last); the results come back in the order of {@code arms}. Arms share nothing mutable (each
   * builds its own policy, sampler and trainer, and the engine computes each on its own thread), so
   * an arm's numbers are the same whatever runs beside it. The first failure, in the order of
   * {@code arms}, is rethrown and the arms not yet started are cancelled.
   */
  static Map<String, Result> inParallel(List<String> arms, int threads, List<String> startOrder, ArmTask task) throws IOException {
    Map<String, Result> out = new java.util.LinkedHashMap<>();
    if (threads <= 1) {
      for (String arm : arms) {
        out.put(arm, task.run(arm));
      }
      return out;
    }
    List<String> start = new ArrayList<>(arms);
    start.sort(java.util.Comparator.comparingInt(a -> startOrder.contains(a) ? startOrder.indexOf(a) : startOrder.size()));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "arm-worker");
      t.setDaemon(true);
      return t;
    });
    try {
      Map<String, java.util.concurrent.Future<Result>> futures = new java.util.HashMap<>();
      for (String arm : start) {
        futures.put(arm, pool.submit(() -> task.run(arm)));
      }
      for (String arm : arms) {
        try {
          out.put(arm, futures.get(arm).get());
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof IOException io) {
            throw io;
          } else if (cause instanceof RuntimeException re) {
            throw re;
          } else if (cause instanceof Error err) {
            throw err;
          }
          throw new IllegalStateException("arm " + arm + " failed", cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while waiting for arm " + arm);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  /**
   * Trains until {@code budget} rollouts are spent. The learning rate ramps linearly from 0 to
   * {@code lr} over {@code rampSteps} updates: a fresh AdamW moves every weight by about lr on its
   * first steps, which would jolt the warm start.
   */
  static Result run(String arm, Path dir, TransformerPolicy policy, Sampler sampler, GrpoTrainer trainer, long budget, int evalEvery,
      double lr, long rampSteps, Evaluation evaluation) throws IOException {
    return run(arm, dir, policy, sampler, trainer, budget, evalEvery, lr, rampSteps, evaluation, false);
  }

  /**
   * As {@link #run(String, Path, TransformerPolicy, Sampler, GrpoTrainer, long, int, double, long, Evaluation)};
   * with {@code resumed} the trainer has been restored from a checkpoint: the evaluations and step
   * metrics logged in {@code dir} up to its policy version are kept and the run continues from there.
   * Each evaluation is appended to {@code validation.jsonl} as soon as it is made.
   */
  static Result run(String arm, Path dir, TransformerPolicy policy, Sampler sampler, GrpoTrainer trainer, long budget, int evalEvery,
      double lr, long rampSteps, Evaluation evaluation, boolean resumed) throws IOException {
    long t0 = System.nanoTime();
    Result r = new Result();
    Path log = dir.resolve("validation.jsonl");
    double rewardSum = 0;
    if (resumed) {
      List<String> keep = new ArrayList<>();
      for (String line : Files.exists(log) ? Files.readAllLines(log) : List.<String>of()) {
        Map<?, ?> row = Json.GSON.fromJson(line, Map.class);
        if (row != null && ((Number) row.get("updates")).longValue() <= policy.version()) {
          keep.add(line);
          r.accuracy.add(new double[] {((Number) row.get("updates")).doubleValue(), ((Number) row.get("value")).doubleValue(),
              ((Number) row.get("rollouts")).doubleValue()});
          if (r.firstEvaluation == null) {
            r.firstEvaluation = new java.util.LinkedHashMap<>();
            r.firstEvaluation.put("accuracy", row.get("value"));
          }
        }
      }
      Files.write(log, keep);
      Path metrics = dir.resolve("metrics.jsonl");
      for (String line : Files.exists(metrics) ? Files.readAllLines(metrics) : List.<String>of()) {
        Map<?, ?> row = Json.GSON.fromJson(line, Map.class);
        if (row != null && row.get("rewardMean") instanceof Number n) {
          rewardSum += n.doubleValue();
          r.resumedSteps++;
        }
      }
      LOG.info("{}: resumed at update {} with {} evaluations and {} steps logged", arm, policy.version(), r.accuracy.size(),
          r.resumedSteps);
    } else {
      Files.deleteIfExists(log);
    }
    if (r.firstEvaluation == null) {
      r.firstEvaluation = evaluation.evaluate(policy, true);
      record(r, log, policy.version(), trainer.rolloutsSpent(), r.firstEvaluation);
    }
    try (ProgressBar bar = new ProgressBar(arm, budget, trainer.rolloutsSpent())) {
      long tokens = 0;
      long tokenStart = System.nanoTime();
      while (trainer.rolloutsSpent() < budget) {
        policy.setLearningRate(lr * Math.min(1.0, (policy.version() + 1) / (double) Math.max(1, rampSteps)));
        StepMetrics m;
        try {
          m = trainer.step();
        } catch (IllegalStateException e) {
          // the policy refused the update (a non-finite loss or gradient): nothing was applied
          r.skippedSteps++;
          LOG.warn("{}: GRPO step skipped: {}", arm, e.getMessage());
          continue;
        }
        r.steps.add(m);
        tokens += m.completionTokens();
        if (Double.isFinite(m.rewardMean())) {
          rewardSum += m.rewardMean();
        }
        if (trainer.stepCount() % evalEvery == 0) {
          record(r, log, policy.version(), trainer.rolloutsSpent(), evaluation.evaluate(policy, false));
        }
        double tokensPerSecond = tokens / Math.max(1e-9, (System.nanoTime() - tokenStart) / 1e9);
        bar.update(Math.min(budget, trainer.rolloutsSpent()), String.format("reward %.2f zeroVar %.2f %.0f tok/s", m.rewardMean(),
            m.zeroVarianceFraction(), tokensPerSecond));
      }
    }
    r.finalEvaluation = evaluation.evaluate(policy, true);
    r.finalAccuracy = accuracy(r.finalEvaluation);
    if (r.accuracy.get(r.accuracy.size() - 1)[0] != policy.version()) {
      record(r, log, policy.version(), trainer.rolloutsSpent(), r.finalEvaluation);
    }
    r.zeroVarianceFraction = sampler.metrics().zeroVarianceFraction();
    r.teacherMae = sampler.metrics().teacherMaeUnseen();
    r.rollouts = trainer.rolloutsSpent();
    r.updates = policy.version();
    r.meanReward = rewardSum / Math.max(1, r.steps.size() + r.resumedSteps);
    r.seconds = (System.nanoTime() - t0) / 1e9;
    LOG.info("{}: validation accuracy {} -> {} ({}), zero-variance {}, {} rollouts, {} updates, {} s", arm,
        String.format("%.4f", r.accuracy.get(0)[1]), String.format("%.4f", r.finalAccuracy), r.finalEvaluation,
        String.format("%.3f", r.zeroVarianceFraction), r.rollouts, r.updates, String.format("%.0f", r.seconds));
    return r;
  }

  /** Adds an evaluation to the curve and appends it to {@code validation.jsonl}. */
  private static void record(Result r, Path log, long updates, long rollouts, Map<String, Object> evaluation) throws IOException {
    double value = accuracy(evaluation);
    r.accuracy.add(new double[] {updates, value, rollouts});
    StringBuilder line = new StringBuilder(String.format("{\"updates\":%d,\"rollouts\":%d,\"value\":%.5f", updates, rollouts, value));
    evaluation.forEach((k, v) -> {
      if (!k.equals("accuracy") && v instanceof Number n && Double.isFinite(n.doubleValue())) {
        line.append(",\"").append(k).append("\":").append(String.format("%.5f", n.doubleValue()));
      }
    });
    Files.writeString(log, line.append("}\n").toString(), java.nio.charset.StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
  }

  private static double accuracy(Map<String, Object> evaluation) {
    return ((Number) evaluation.get("accuracy")).doubleValue();
  }

  /**
   * The per-arm part of a JSON summary: accuracies, zero-variance fraction, budget used, and the
   * updates each arm needed to reach uniform's final accuracy (when a uniform arm ran).
   */
  static Map<String, Object> summary(Map<String, Result> results) {
    Double uniformFinal = results.containsKey("uniform") ? results.get("uniform").finalAccuracy : null;
    Map<String, Object> arms = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, Result> e : results.entrySet()) {
      Result r = e.getValue();
      Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("initialValAccuracy", Json.round(r.accuracy.get(0)[1], 4));
      m.put("finalValAccuracy", Json.round(r.finalAccuracy, 4));
      r.finalEvaluation.forEach((k, v) -> {
        if (!k.equals("accuracy")) {
          m.put("finalVal" + Character.toUpperCase(k.charAt(0)) + k.substring(1), v);
        }
      });
      m.put("zeroVarianceFraction", Json.round(r.zeroVarianceFraction, 4));
      m.put("rolloutsSpent", r.rollouts);
      m.put("updates", r.updates);
      m.put("updatesToReachUniformFinal", uniformFinal == null ? null : r.updatesToReach(uniformFinal));
      m.put("meanTrainingReward", Json.round(r.meanReward, 4));
      m.put("teacherMaeUnseen", Json.round(r.teacherMae, 4));
      m.put("seconds", Json.round(r.seconds, 1));
      arms.put(e.getKey(), m);
    }
    return arms;
  }

  /**
   * Supervised warm start: {@code steps} steps on the batches {@code batch} returns, learning rate
   * warmed up over 50 steps from 0 to {@code peak}, then cosine-decayed to 1e-4. A step the policy
   * refuses (a non-finite gradient: no update applied) is logged and skipped. Returns how many were
   * skipped.
   */
  static int warmStart(TransformerPolicy policy, int steps, double peak,
      java.util.function.IntFunction<List<ai.goldilocks.grpo.Sequence>> batch) {
    return warmStart(policy, steps, peak, batch, done -> false);
  }

  /**
   * As {@link #warmStart(TransformerPolicy, int, double, java.util.function.IntFunction)}, asking
   * {@code stop} after each step (with the number of steps done) whether to end early; the learning
   * rate schedule spans {@code steps} either way.
   */
  static int warmStart(TransformerPolicy policy, int steps, double peak,
      java.util.function.IntFunction<List<ai.goldilocks.grpo.Sequence>> batch, java.util.function.IntPredicate stop) {
    int skipped = 0;
    try (ProgressBar bar = new ProgressBar("warm start", steps)) {
      for (int s = 0; s < steps; s++) {
        policy.setLearningRate(schedule(s, steps, peak, 1e-4, Math.min(50, steps / 4 + 1)));
        List<ai.goldilocks.grpo.Sequence> b = batch.apply(s);
        try {
          double nll = policy.supervisedStep(b);
          bar.update(s + 1, String.format("nll %.3f", nll));
        } catch (IllegalArgumentException e) {
          skipped++;
          LOG.warn("warm-start step {} skipped: {}", s + 1, e.getMessage());
        }
        if (stop.test(s + 1)) {
          break;
        }
      }
    }
    return skipped;
  }

  /** Linear warm-up to {@code peak} over {@code warmup} steps, then cosine decay to {@code floor}. */
  static double schedule(int step, int total, double peak, double floor, int warmup) {
    if (step < warmup) {
      return peak * (step + 1) / warmup;
    }
    double progress = (double) (step - warmup) / Math.max(1, total - warmup);
    return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
  }

  /** Moves a fully written temporary directory to {@code target}, replacing what was there. */
  static void replaceDirectory(Path tmp, Path target) throws IOException {
    if (Files.exists(target)) {
      deleteTree(target);
    }
    Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Deletes {@code dir} and everything under it. */
  static void deleteTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  /**
   * Adds the per-arm summary to {@code summary}, writes the plots and {@code summary.json} into
   * {@code out}, and returns the per-arm part.
   */
  static Map<String, Object> writeReport(java.nio.file.Path out, Map<String, Object> summary, Map<String, Result> results)
      throws IOException {
    Map<String, Object> arms = summary(results);
    summary.put("arms", arms);
    Plots.writeRunPlots(out, results);
    Files.writeString(out.resolve("summary.json"), Json.GSON.toJson(summary));
    return arms;
  }
}
