package ai.goldilocks.examples;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Rng;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.BetaThompsonSampler;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.djl.TransformerTeacher;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import ai.goldilocks.grpo.tasks.ReversedAnswerReward;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code benchmark}: the paper's claim at small scale. A character-level transformer is warm-started
 * on easy arithmetic, then trained with GRPO at an equal rollout budget under each sampler, from the
 * same warm-started weights and seed.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
    description = "Synthetic-reasoning benchmark: GRPO with each sampler from the same warm start, at an equal rollout budget.")
final class BenchmarkCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(BenchmarkCommand.class);
  static final List<String> ARMS = List.of("goldilocks-djl", "goldilocks-cpu", "uniform", "dynamic-filter", "beta-thompson");

  @Option(names = "--seed", defaultValue = "1", description = "Seed of tasks, weights and sampling (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--quick", description = "A short run (about 2-3 minutes on 2 cores) with the same outputs.")
  boolean quick;

  @Option(names = "--arms", split = ",", description = "Comma list of arms (default: all of " + "goldilocks-djl, goldilocks-cpu, "
      + "uniform, dynamic-filter, beta-thompson).")
  List<String> arms;

  @Option(names = "--steps", description = "GRPO steps of the budget: steps x batch x group rollouts (default 600, quick 60).")
  Integer steps;

  @Option(names = "--warmup-steps", description = "Supervised warm-start steps (default 1500, quick 600).")
  Integer warmupSteps;

  @Option(names = "--lr", defaultValue = "1e-4", description = "GRPO learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--lr-warmup", defaultValue = "0.1",
      description = "Fraction of the GRPO steps over which the learning rate ramps up linearly from 0 (default: ${DEFAULT-VALUE}).")
  double lrWarmup;

  @Option(names = "--batch", defaultValue = "16", description = "Questions per GRPO step, B (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--group-size", defaultValue = "8", description = "Rollouts per question, G (default: ${DEFAULT-VALUE}).")
  int group;

  @Option(names = "--out", defaultValue = "results/benchmark", description = "Results folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--json", description = "Print the summary as one JSON object on stdout.")
  boolean json;

  private final CharTokenizer tok = CharTokenizer.arithmetic();
  private TransformerConfig modelConfig;

  private static final int MAX_DIGITS = 4;
  private static final SamplingConfig ROLLOUT = new SamplingConfig(1.0, 1.0, 8);
  private static final SamplingConfig GREEDY = new SamplingConfig(1.0, 1e-9, 8);

  @Override
  public Integer call() throws IOException {
    int grpoSteps = steps != null ? steps : quick ? 60 : 600;
    int warm = warmupSteps != null ? warmupSteps : quick ? 600 : 1500;
    int evalEvery = quick ? 20 : 25;
    int validationSize = quick ? 200 : 400;
    List<String> chosen = arms == null ? ARMS : arms;
    for (String a : chosen) {
      if (!ARMS.contains(a)) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "unknown arm '" + a + "'; known: " + ARMS);
      }
    }
    Files.createDirectories(out);
    modelConfig = TransformerConfig.small(tok.vocabSize(), 32);
    List<ArithmeticTask> train = ArithmeticTasks.generate(20_000, MAX_DIGITS, seed * 7 + 1, "t");
    List<ArithmeticTask> validation = ArithmeticTasks.generate(validationSize, MAX_DIGITS, seed * 7 + 2, "v");
    QuestionPool pool = QuestionPool.of(train.stream().map(ArithmeticTask::toQuestion).collect(Collectors.toList()));
    LOG.info("benchmark seed {}: {} training questions (1-{} digits), {} validation, warm start {} steps, {} GRPO steps x {} x {}",
        seed, pool.size(), MAX_DIGITS, validation.size(), warm, grpoSteps, batch, group);

    // 1. supervised warm start on easy items (operands of at most 3 digits)
    Path warmDir = out.resolve("warmstart");
    Map<String, Object> warmEval;
    long t0 = System.nanoTime();
    try (TransformerPolicy p = newPolicy(1e-3)) {
      List<ArithmeticTask> easy = train.stream().filter(t -> t.maxDigits() <= 3).collect(Collectors.toList());
      Rng rng = new Rng(seed * 13 + 5);
      int skipped = ArmRun.warmStart(p, warm, s -> {
        List<Sequence> b = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          b.add(sequence(easy.get(rng.nextInt(easy.size()))));
        }
        return b;
      });
      p.save(warmDir);
      warmEval = evaluate(p, validation);
      warmEval.put("skippedSteps", skipped);
      warmEval.put("seconds", Json.round((System.nanoTime() - t0) / 1e9, 1));
      LOG.info("warm start done: validation accuracy {} by digits {}", warmEval.get("accuracy"), warmEval.get("accuracyByDigits"));
    }

    // 2. GRPO per arm, same weights, same seed, same rollout budget
    long budget = (long) grpoSteps * batch * group;
    Map<String, ArmRun.Result> results = new LinkedHashMap<>();
    for (String arm : chosen) {
      results.put(arm, runArm(arm, pool, validation, warmDir, budget, evalEvery));
    }

    // 3. summary, plots
    Map<String, Object> summary = new LinkedHashMap<>();
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("seed", seed);
    cfg.put("quick", quick);
    cfg.put("model", modelConfig);
    cfg.put("parameters", modelConfig.parameterCount());
    cfg.put("warmupSteps", warm);
    cfg.put("grpoSteps", grpoSteps);
    cfg.put("grpoLearningRate", lr);
    cfg.put("grpoLearningRateWarmup", lrWarmup);
    cfg.put("batch", batch);
    cfg.put("groupSize", group);
    cfg.put("rolloutBudget", budget);
    cfg.put("validationQuestions", validation.size());
    summary.put("config", cfg);
    summary.put("warmStart", warmEval);
    Map<String, Object> armsOut = ArmRun.writeReport(out, summary, results);
    if (json) {
      System.out.println(Json.GSON.toJson(summary));
    } else {
      System.out.printf("%-16s %9s %9s %9s %8s %12s%n", "arm", "valAcc", "zeroVar", "rollouts", "updates", "toUniformEnd");
      for (var e : armsOut.entrySet()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) e.getValue();
        System.out.printf("%-16s %9.4f %9.4f %9s %8s %12s%n", e.getKey(), m.get("finalValAccuracy"), m.get("zeroVarianceFraction"),
            m.get("rolloutsSpent"), m.get("updates"), m.get("updatesToReachUniformFinal"));
      }
      System.out.println("results, logs and plots: " + out.toAbsolutePath());
    }
    return 0;
  }

  static double schedule(int step, int total, double peak, double floor, int warmup) {
    if (step < warmup) {
      return peak * (step + 1) / warmup;
    }
    double progress = (double) (step - warmup) / Math.max(1, total - warmup);
    return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
  }

  private TransformerPolicy newPolicy(double lr) {
    return TransformerPolicy.builder(modelConfig, tok).seed(seed).learningRate(lr).build();
  }

  private Sequence sequence(ArithmeticTask t) {
    int[] answer = tok.encode(ReversedAnswerReward.target(t.answer()));
    int[] completion = java.util.Arrays.copyOf(answer, answer.length + 1);
    completion[answer.length] = tok.eosId();
    return new Sequence(tok.encode(t.prompt()), completion);
  }

  /** Greedy accuracy overall and by operand digits; prompts batched by length. */
  private Map<String, Object> evaluate(TransformerPolicy p, List<ArithmeticTask> tasks) {
    Map<Integer, List<ArithmeticTask>> byLength = new TreeMap<>();
    for (ArithmeticTask t : tasks) {
      byLength.computeIfAbsent(t.prompt().length(), k -> new ArrayList<>()).add(t);
    }
    int correct = 0;
    int[] right = new int[MAX_DIGITS + 1];
    int[] count = new int[MAX_DIGITS + 1];
    for (List<ArithmeticTask> group : byLength.values()) {
      for (int from = 0; from < group.size(); from += 64) {
        List<ArithmeticTask> chunk = group.subList(from, Math.min(group.size(), from + 64));
        int[][] prompts = new int[chunk.size()][];
        for (int i = 0; i < chunk.size(); i++) {
          prompts[i] = tok.encode(chunk.get(i).prompt());
        }
        List<Completion> cs = p.generateBatch(prompts, GREEDY, 0);
        for (int i = 0; i < chunk.size(); i++) {
          ArithmeticTask t = chunk.get(i);
          boolean ok = cs.get(i).text().equals(ReversedAnswerReward.target(t.answer()));
          correct += ok ? 1 : 0;
          right[t.maxDigits()] += ok ? 1 : 0;
          count[t.maxDigits()]++;
        }
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("accuracy", Json.round((double) correct / tasks.size(), 4));
    Map<String, Object> d = new LinkedHashMap<>();
    for (int k = 1; k <= MAX_DIGITS; k++) {
      d.put(Integer.toString(k), count[k] == 0 ? null : Json.round((double) right[k] / count[k], 4));
    }
    m.put("accuracyByDigits", d);
    return m;
  }

  private Sampler sampler(String arm, QuestionPool pool) {
    return switch (arm) {
      case "goldilocks-djl" -> goldilocks(pool, TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 32), tok)
          .seed(seed).learningRate(1e-3).build());
      case "goldilocks-cpu" -> goldilocks(pool, FeaturePredictor.builder().seed(seed).build());
      case "beta-thompson" -> BetaThompsonSampler.builder(pool).seed(seed).build();
      default -> UniformSampler.builder(pool).seed(seed).build();
    };
  }

  private GoldilocksSampler goldilocks(QuestionPool pool, ai.goldilocks.core.UtilityPredictor teacher) {
    // synchronous teacher updates keep the benchmark exactly reproducible for a seed
    return GoldilocksSampler.builder(pool).predictor(teacher).candidates(16).epsilon(0.1).window(1024).updateEvery(64).epochs(2)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).seed(seed).build();
  }

  private ArmRun.Result runArm(String arm, QuestionPool pool, List<ArithmeticTask> validation, Path warmDir, long budget,
      int evalEvery) throws IOException {
    Path dir = Files.createDirectories(out.resolve(arm));
    Path metrics = dir.resolve("metrics.jsonl");
    Files.deleteIfExists(metrics);
    Sampler s = sampler(arm, pool);
    try (TransformerPolicy p = newPolicy(lr); s) {
      p.load(warmDir);
      GrpoTrainer.Builder b = GrpoTrainer.builder(p, s, new ReversedAnswerReward()).batchSize(batch).groupSize(group).seed(seed)
          .sampling(ROLLOUT).metricsFile(metrics);
      if (arm.equals("dynamic-filter")) {
        b.dynamicFilter(2.0, 4);
      }
      long rampSteps = Math.round(lrWarmup * budget / ((double) batch * group));
      return ArmRun.run(arm, dir, p, s, b.build(), budget, evalEvery, lr, rampSteps, policy -> evaluate(policy, validation));
    } finally {
      ArmRun.closeTeacher(s);
    }
  }
}
