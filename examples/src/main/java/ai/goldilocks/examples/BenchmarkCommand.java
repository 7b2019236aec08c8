package ai.goldilocks.examples;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code benchmark}: the paper's claim at small scale. A character-level transformer is warm-started
 * on reversed-answer addition and subtraction with 1 to 6 digit operands, stopped early so that a
 * frontier of sometimes-solved questions remains, then trained with GRPO at an equal rollout budget
 * under each sampler, from the same warm-started weights and seed. The primary metric is exact: the
 * mean over held-out questions of the probability that a temperature-1 sample is the right answer
 * (one teacher-forced pass per question).
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
    description = "Synthetic-reasoning benchmark: GRPO with each sampler from the same warm start, at an equal rollout budget.")
final class BenchmarkCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(BenchmarkCommand.class);
  static final List<String> ARMS = BenchmarkArms.NAMES;

  @Option(names = "--seeds", split = ",", defaultValue = "1",
      description = "Seeds to run, comma-separated, e.g. 1,2,3; results are aggregated over them (default: ${DEFAULT-VALUE}).")
  List<Long> seeds;

  @Option(names = "--quick", description = "A short run (under 2 minutes on 2 cores) with the same outputs.")
  boolean quick;

  @Option(names = "--arms", split = ",", description = "Comma list of arms (default: all of goldilocks-djl, goldilocks-cpu, "
      + "uniform, dynamic-filter, beta-thompson, oracle; goldilocks-cpu-text, the CPU teacher without the arithmetic features it "
      + "opts in to, only when named). The Goldilocks arms (goldilocks-djl, goldilocks-cpu, oracle) use K 16, "
      + "epsilon 0.1 (oracle 0), updates every 64 samples, 2 epochs, synchronous, and a teacher window of 1,024 samples rather "
      + "than the library's 4,096: the run has 600 x 16 = 9,600 samples, so 1,024 is its last 64 steps and 4,096 its last 256 "
      + "(more than two fifths of a moving student), and the DJL teacher's synchronous training grows with the window.")
  List<String> arms;

  @Option(names = "--djl-teacher-target", defaultValue = "success-rate",
      description = "What the goldilocks-djl arm's teacher learns: utility (the paper's head) or success-rate (default: ${DEFAULT-VALUE}).")
  String djlTeacherTarget;

  @Option(names = "--steps", description = "GRPO steps of the budget: steps x batch x group rollouts (default 600, quick 40).")
  Integer steps;

  @Option(names = "--warmup-steps", split = ",",
      description = "Supervised warm-start steps of the two stages, e.g. 4000,6000; stage 2 stops earlier once the hard bands reach mean p 0.15 on a probe (default 4000,6000; quick 300,100).")
  List<Integer> warmupSteps;

  @Option(names = "--lr", defaultValue = "5e-5", description = "GRPO learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--lr-warmup", defaultValue = "0.05",
      description = "Fraction of the GRPO steps over which the learning rate ramps up linearly from 0 (default: ${DEFAULT-VALUE}).")
  double lrWarmup;

  @picocli.CommandLine.Mixin
  GroupShape shape = new GroupShape();

  @Option(names = "--held-out", description = "Held-out questions for the exact metric, even across the 6 digit bands"
      + " (default 2004, quick 402).")
  Integer heldOut;

  @Option(names = "--eval-every", description = "GRPO steps between evaluations (default 20, quick 10).")
  Integer evalEvery;

  @Option(names = "--out", defaultValue = "results/benchmark", description = "Results folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--cache", defaultValue = "results/benchmark-cache",
      description = "Warm starts, keyed by their whole configuration, reused across runs and arms (default: ${DEFAULT-VALUE}).")
  Path cache;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  @Option(names = "--no-zero-pad", description = "The earlier task, operands written as they are, with its own warm start. By"
      + " default the shorter operand has leading zeros (4821+0057=), so every question of a digit band has one layout.")
  boolean noZeroPad;

  @Option(names = "--workers", description = "Arms trained at the same time, each on its own thread with its own copy of the"
      + " warm start (default: the machine's cores, at most the number of arms). Every arm gives the same numbers for any value.")
  Integer workers;

  @Option(names = "--aggregate-only", description = "Train nothing: aggregate the seeds' results already in --out/seed-N"
      + " (from runs of one seed each, e.g. in parallel) into the summary and plots across seeds.")
  boolean aggregateOnly;

  private final CharTokenizer tok = CharTokenizer.arithmetic();
  private final TransformerConfig modelConfig = TransformerConfig.small(tok.vocabSize(), BenchmarkRecipe.MAX_LENGTH);
  private final BenchmarkEvaluation evaluation = new BenchmarkEvaluation(tok);

  @Override
  public Integer call() throws IOException {
    List<String> chosen = arms == null ? BenchmarkArms.DEFAULT_NAMES : arms;
    for (String a : chosen) {
      if (!ARMS.contains(a)) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "unknown arm '" + a + "'; known: " + ARMS);
      }
    }
    if (warmupSteps != null && warmupSteps.size() != 2) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--warmup-steps takes two numbers, e.g. 1500,750");
    }
    shape.check();
    if (workers != null && workers < 1) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--workers must be >= 1, got " + workers);
    }
    TeacherTarget djlTarget;
    try {
      djlTarget = BenchmarkArms.djlTarget(djlTeacherTarget);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
    }
    Files.createDirectories(out);
    Map<String, Object> perSeed = new LinkedHashMap<>();
    Map<Long, Map<String, ArmRun.Result>> results = new LinkedHashMap<>();
    for (long seed : seeds) {
      Path dir = seeds.size() == 1 && !aggregateOnly ? out : out.resolve("seed-" + seed);
      Map<String, ArmRun.Result> r = new LinkedHashMap<>();
      perSeed.put(Long.toString(seed), aggregateOnly ? BenchmarkSummary.readSeed(dir, chosen, r) : runSeed(seed, chosen, dir, r, djlTarget));
      results.put(seed, r);
    }
    Map<String, Object> summary;
    if (seeds.size() == 1 && !aggregateOnly) {
      @SuppressWarnings("unchecked")
      Map<String, Object> only = (Map<String, Object>) perSeed.values().iterator().next();
      summary = only;
    } else {
      summary = new LinkedHashMap<>();
      summary.put("seeds", seeds);
      summary.put("aggregate", BenchmarkSummary.aggregate(perSeed, chosen));
      summary.put("perSeed", perSeed);
      BenchmarkPlots.acrossSeeds(out, results);
      Files.writeString(out.resolve("summary.json"), Json.GSON.toJson(summary));
    }
    output.print(summary, () -> {
      BenchmarkSummary.print(perSeed);
      System.out.println("results, logs and plots: " + out.toAbsolutePath());
    });
    return 0;
  }

  // ------------------------------------------------------------------ one seed

  private Map<String, Object> runSeed(long seed, List<String> chosen, Path dir, Map<String, ArmRun.Result> results,
      TeacherTarget djlTarget) throws IOException {
    int grpoSteps = steps != null ? steps : quick ? 40 : 600;
    int stage1 = warmupSteps != null ? warmupSteps.get(0) : quick ? 300 : 4000;
    int stage2 = warmupSteps != null ? warmupSteps.get(1) : quick ? 100 : 6000;
    int heldOutSize = heldOut != null ? heldOut : quick ? 402 : 2004;
    int every = evalEvery != null ? evalEvery : quick ? 10 : 20;
    Files.createDirectories(dir);

    List<ArithmeticTask> validation = BenchmarkRecipe.heldOutSet(heldOutSize, seed, !noZeroPad);
    List<ArithmeticTask> train = BenchmarkRecipe.poolSet(quick ? 3000 : 12_000, seed, validation, !noZeroPad);
    Map<String, ArithmeticTask> byId = new java.util.HashMap<>();
    train.forEach(t -> byId.put(t.id(), t));
    QuestionPool pool = QuestionPool.of(train.stream().map(ArithmeticTask::toQuestion).toList());
    LOG.info("benchmark seed {}: {} training questions, {} held out (1-{} digits), warm start {}+{} steps, {} GRPO steps x {} x {}",
        seed, pool.size(), validation.size(), BenchmarkRecipe.MAX_DIGITS, stage1, stage2, grpoSteps, shape.batch, shape.groupSize);

    // 1. the warm start, cached by its configuration
    Map<String, Object> warm = new LinkedHashMap<>();
    Path warmDir = new BenchmarkWarmStart(tok, modelConfig, !noZeroPad, new WarmStartCache(cache, this::newPolicy), evaluation)
        .train(seed, stage1, stage2, warm);
    List<ArithmeticTask> frontierSample = train.subList(0, Math.min(500, train.size()));
    try (TransformerPolicy p = newPolicy(seed, lr)) {
      p.load(warmDir);
      Map<String, Object> e = evaluation.evaluate(p, validation, true);
      Map<String, Object> shown = new LinkedHashMap<>(e);
      shown.remove("accuracy"); // the primary metric's raw value, for ArmRun; meanP is the same, rounded
      warm.put("heldOut", shown);
      Map<String, Object> frontier = evaluation.frontier(p, frontierSample, 16);
      LOG.info("warm start: meanP {} by band {}; frontier: {} of {} pool questions mixed at G = 16, pass@16 - mean@16 = {}",
          e.get("meanP"), e.get("meanPByBand"), frontier.get("mixedFraction"), frontierSample.size(), frontier.get("passAtGMinusMeanAtG"));
      warm.put("frontier", frontier);
    }

    // 2. GRPO per arm, same weights, same seed, same rollout budget
    long budget = grpoSteps * shape.rolloutsPerStep();
    int threads = Math.min(chosen.size(), workers != null ? workers : Runtime.getRuntime().availableProcessors());
    long armsStart = System.nanoTime();
    BenchmarkArms armRuns = new BenchmarkArms(tok, this::newPolicy, evaluation, shape, lr, lrWarmup, djlTarget);
    results.putAll(ArmRun.inParallel(chosen, threads, BenchmarkArms.HEAVIEST_FIRST,
        arm -> armRuns.run(seed, arm, pool, byId, validation, warmDir, budget, every, dir)));
    double armsSeconds = (System.nanoTime() - armsStart) / 1e9;

    // 3. summary and plots
    Map<String, Object> summary = new LinkedHashMap<>();
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("seed", seed);
    cfg.put("quick", quick);
    cfg.put("task", "reversed-answer addition and subtraction, 1-" + BenchmarkRecipe.MAX_DIGITS + " digit operands, carry and borrow chains"
        + (noZeroPad ? "" : ", operands zero-padded to one width"));
    cfg.put("zeroPad", !noZeroPad);
    cfg.put("model", modelConfig);
    cfg.put("parameters", modelConfig.parameterCount());
    cfg.put("poolQuestions", pool.size());
    cfg.put("heldOutQuestions", validation.size());
    cfg.put("warmStartSteps", List.of(stage1, stage2));
    cfg.put("grpoSteps", grpoSteps);
    cfg.put("grpoLearningRate", lr);
    cfg.put("grpoLearningRateWarmup", lrWarmup);
    cfg.put("batch", shape.batch);
    cfg.put("groupSize", shape.groupSize);
    cfg.put("rolloutBudget", budget);
    cfg.put("evalEvery", every);
    cfg.put("workers", threads);
    summary.put("config", cfg);
    summary.put("armsSeconds", Json.round(armsSeconds, 1));
    summary.put("warmStart", warm);
    summary.put("frontier", warm.get("frontier"));
    summary.put("arms", BenchmarkSummary.arms(results));
    BenchmarkPlots.oneSeed(dir, results);
    Files.writeString(dir.resolve("summary.json"), Json.GSON.toJson(summary));
    return summary;
  }

  private TransformerPolicy newPolicy(long seed, double lr) {
    return TransformerPolicy.builder(modelConfig, tok).seed(seed).learningRate(lr).build();
  }
}
