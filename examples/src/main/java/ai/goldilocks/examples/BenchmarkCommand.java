package ai.goldilocks.examples;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.FeatureSet;
import ai.goldilocks.core.predictor.TeacherTarget;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
  /**
   * What an arm is, read by the trainer's set-up and the summary instead of branching on its name;
   * {@code startRank} orders parallel workers by decreasing run time (measured alone,
   * docs/benchmarks.md), so they finish together.
   */
  private record Arm(String name, boolean dynamicFilter, boolean upperBound, int startRank) {}

  private static final List<Arm> ARM_KINDS = List.of(new Arm("goldilocks-djl", false, false, 0), new Arm("goldilocks-cpu", false, false, 2),
      new Arm("uniform", false, false, 4), new Arm("dynamic-filter", true, false, 5), new Arm("beta-thompson", false, false, 3),
      new Arm("oracle", false, true, 1));
  static final List<String> ARMS = ARM_KINDS.stream().map(Arm::name).toList();
  private static final List<String> HEAVIEST_FIRST = ARM_KINDS.stream().sorted(java.util.Comparator.comparingInt(Arm::startRank))
      .map(Arm::name).toList();

  private static Arm kind(String name) {
    return ARM_KINDS.stream().filter(a -> a.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown arm '" + name + "'; known: " + ARMS));
  }
  /** Bumped whenever the warm start's recipe changes, so a stale cache entry is never reused. */
  private static final String WARM_START_RECIPE = "two-stage-v1";
  private static final String WARM_START_RECIPE_PADDED = "two-stage-v2-padded";
  static final int MAX_DIGITS = 6;
  static final int EASY_BANDS = 3;
  /** Positions of the policy: prompt, answer and end marker of the longest question fit. */
  static final int MAX_LENGTH = 32;

  @Option(names = "--seeds", split = ",", defaultValue = "1",
      description = "Seeds to run, comma-separated, e.g. 1,2,3; results are aggregated over them (default: ${DEFAULT-VALUE}).")
  List<Long> seeds;

  @Option(names = "--quick", description = "A short run (under 2 minutes on 2 cores) with the same outputs.")
  boolean quick;

  @Option(names = "--arms", split = ",", description = "Comma list of arms (default: all of goldilocks-djl, goldilocks-cpu, "
      + "uniform, dynamic-filter, beta-thompson, oracle).")
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
  private TransformerConfig modelConfig;

  private static final SamplingConfig ROLLOUT = new SamplingConfig(1.0, 1.0, MAX_DIGITS + 2);
  private static final SamplingConfig GREEDY = new SamplingConfig(1.0, 1e-9, MAX_DIGITS + 2);

  @Override
  public Integer call() throws IOException {
    List<String> chosen = arms == null ? ARMS : arms;
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
    Files.createDirectories(out);
    modelConfig = TransformerConfig.small(tok.vocabSize(), MAX_LENGTH);
    Map<String, Object> perSeed = new LinkedHashMap<>();
    Map<Long, Map<String, ArmRun.Result>> results = new LinkedHashMap<>();
    for (long seed : seeds) {
      Path dir = seeds.size() == 1 && !aggregateOnly ? out : out.resolve("seed-" + seed);
      Map<String, ArmRun.Result> r = new LinkedHashMap<>();
      perSeed.put(Long.toString(seed), aggregateOnly ? readSeed(dir, chosen, r) : runSeed(seed, chosen, dir, r));
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
      summary.put("aggregate", aggregate(perSeed, chosen));
      summary.put("perSeed", perSeed);
      BenchmarkPlots.acrossSeeds(out, results);
      Files.writeString(out.resolve("summary.json"), Json.GSON.toJson(summary));
    }
    output.print(summary, () -> {
      print(perSeed);
      System.out.println("results, logs and plots: " + out.toAbsolutePath());
    });
    return 0;
  }

  private void print(Map<String, Object> perSeed) {
    System.out.printf("%-6s %-15s %8s %8s %8s %8s %8s %9s %8s %10s%n", "seed", "arm", "meanP0", "meanP", "hardP", "easyP", "greedy",
        "zeroVar", "updates", "toUniform");
    for (var s : perSeed.entrySet()) {
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> armsOut = (Map<String, Map<String, Object>>) ((Map<String, Object>) s.getValue()).get("arms");
      for (var e : armsOut.entrySet()) {
        Map<String, Object> m = e.getValue();
        System.out.printf("%-6s %-15s %8s %8s %8s %8s %8s %9s %8s %10s%n", s.getKey(), e.getKey(), m.get("initialMeanP"),
            m.get("finalMeanP"), m.get("finalHardMeanP"), m.get("easyBandFinal"), m.get("finalGreedy"), m.get("zeroVarianceFraction"),
            m.get("updates"), m.get("updatesToReachUniformFinal"));
      }
    }
  }

  // ------------------------------------------------------------------ one seed

  private Map<String, Object> runSeed(long seed, List<String> chosen, Path dir, Map<String, ArmRun.Result> results) throws IOException {
    int grpoSteps = steps != null ? steps : quick ? 40 : 600;
    int stage1 = warmupSteps != null ? warmupSteps.get(0) : quick ? 300 : 4000;
    int stage2 = warmupSteps != null ? warmupSteps.get(1) : quick ? 100 : 6000;
    int heldOutSize = heldOut != null ? heldOut : quick ? 402 : 2004;
    int every = evalEvery != null ? evalEvery : quick ? 10 : 20;
    Files.createDirectories(dir);

    List<ArithmeticTask> validation = heldOutSet(heldOutSize, seed, !noZeroPad);
    List<ArithmeticTask> train = poolSet(quick ? 3000 : 12_000, seed, validation, !noZeroPad);
    Map<String, ArithmeticTask> byId = new java.util.HashMap<>();
    train.forEach(t -> byId.put(t.id(), t));
    QuestionPool pool = QuestionPool.of(train.stream().map(ArithmeticTask::toQuestion).toList());
    LOG.info("benchmark seed {}: {} training questions, {} held out (1-{} digits), warm start {}+{} steps, {} GRPO steps x {} x {}",
        seed, pool.size(), validation.size(), MAX_DIGITS, stage1, stage2, grpoSteps, shape.batch, shape.groupSize);

    // 1. the warm start, cached by its configuration
    Map<String, Object> warm = new LinkedHashMap<>();
    Path warmDir = warmStart(seed, stage1, stage2, warm);
    List<ArithmeticTask> frontierSample = train.subList(0, Math.min(500, train.size()));
    try (TransformerPolicy p = newPolicy(seed, lr)) {
      p.load(warmDir);
      Map<String, Object> e = evaluate(p, validation, true);
      Map<String, Object> shown = new LinkedHashMap<>(e);
      shown.remove("accuracy"); // the primary metric's raw value, for ArmRun; meanP is the same, rounded
      warm.put("heldOut", shown);
      Map<String, Object> frontier = frontier(p, frontierSample, 16);
      LOG.info("warm start: meanP {} by band {}; frontier: {} of {} pool questions mixed at G = 16, pass@16 - mean@16 = {}",
          e.get("meanP"), e.get("meanPByBand"), frontier.get("mixedFraction"), frontierSample.size(), frontier.get("passAtGMinusMeanAtG"));
      warm.put("frontier", frontier);
    }

    // 2. GRPO per arm, same weights, same seed, same rollout budget
    long budget = grpoSteps * shape.rolloutsPerStep();
    int threads = Math.min(chosen.size(), workers != null ? workers : Runtime.getRuntime().availableProcessors());
    long armsStart = System.nanoTime();
    results.putAll(ArmRun.inParallel(chosen, threads, HEAVIEST_FIRST,
        arm -> runArm(seed, arm, pool, byId, validation, warmDir, budget, every, dir)));
    double armsSeconds = (System.nanoTime() - armsStart) / 1e9;

    // 3. summary and plots
    Map<String, Object> summary = new LinkedHashMap<>();
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("seed", seed);
    cfg.put("quick", quick);
    cfg.put("task", "reversed-answer addition and subtraction, 1-" + MAX_DIGITS + " digit operands, carry and borrow chains"
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
    summary.put("arms", armSummary(results));
    BenchmarkPlots.oneSeed(dir, results);
    Files.writeString(dir.resolve("summary.json"), Json.GSON.toJson(summary));
    return summary;
  }

  /** A seed's summary and evaluation curves as a finished run wrote them. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> readSeed(Path dir, List<String> chosen, Map<String, ArmRun.Result> results) throws IOException {
    Map<String, Object> summary = Json.GSON.fromJson(Files.readString(dir.resolve("summary.json")), LinkedHashMap.class);
    Map<String, Object> armsOut = (Map<String, Object>) summary.get("arms");
    for (String arm : chosen) {
      Map<String, Object> a = (Map<String, Object>) armsOut.get(arm);
      if (a == null) {
        throw new IOException(dir.resolve("summary.json") + " has no arm '" + arm + "'");
      }
      ArmRun.Result r = new ArmRun.Result();
      for (String line : Files.readAllLines(dir.resolve(arm).resolve("validation.jsonl"))) {
        Map<String, Object> row = Json.GSON.fromJson(line, Map.class);
        r.accuracy.add(new double[] {((Number) row.get("updates")).doubleValue(), ((Number) row.get("value")).doubleValue(),
            ((Number) row.get("rollouts")).doubleValue()});
      }
      r.finalAccuracy = r.accuracy.get(r.accuracy.size() - 1)[1];
      r.updates = ((Number) a.get("updates")).longValue();
      results.put(arm, r);
    }
    return summary;
  }

  /** The held-out questions of a seed: {@code n} spread evenly over the digit bands. */
  static List<ArithmeticTask> heldOutSet(int n, long seed, boolean zeroPad) {
    return bands(n, seed * 7 + 2, "v", Set.of(), zeroPad);
  }

  /** The training pool of a seed: {@code n} questions spread over the bands, none with a prompt of {@code heldOut}. */
  static List<ArithmeticTask> poolSet(int n, long seed, List<ArithmeticTask> heldOut, boolean zeroPad) {
    Set<String> heldOutPrompts = new HashSet<>();
    heldOut.forEach(t -> heldOutPrompts.add(t.prompt()));
    return bands(n, seed * 7 + 1, "t", heldOutPrompts, zeroPad);
  }

  /** The fresh questions stage 2 of the warm start probes to decide when to stop. */
  static List<ArithmeticTask> probeSet(long seed, boolean zeroPad) {
    return bands(PROBE_SIZE, seed * 7 + 3, "probe", Set.of(), zeroPad);
  }

  /** The random stream of warm-start stage 1 ({@code stage} 1) or 2 of a seed. */
  static Rng warmRng(long seed, int stage) {
    return new Rng(seed * 13 + (stage == 1 ? 5 : 6));
  }

  /** {@code n} tasks spread evenly over the digit bands 1..6, skipping prompts in {@code exclude}. */
  static List<ArithmeticTask> bands(int n, long seed, String prefix, Set<String> exclude, boolean zeroPad) {
    Rng rng = new Rng(seed);
    List<ArithmeticTask> out = new ArrayList<>(n);
    Set<String> seen = new HashSet<>(exclude);
    int attempts = 0;
    while (out.size() < n && attempts++ < 50 * n) {
      int digits = 1 + out.size() % MAX_DIGITS;
      ArithmeticTask t = ArithmeticTasks.addOrSubtract(rng, digits, prefix + out.size(), zeroPad);
      if (seen.add(t.prompt())) {
        out.add(t);
      } else if (digits == 1) {
        // one-digit sums are few: allow repeats of them rather than loop
        out.add(new ArithmeticTask(prefix + out.size(), t.prompt(), t.answer(), t.operation(), t.maxDigits(), t.carries(),
            t.structuralDifficulty()));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ warm start

  /**
   * Two supervised stages with every length present: stage 1 (easy-heavy, 3% hard items) teaches the
   * format and the short sums; stage 2 raises the hard bands to 35% of the items and is stopped
   * early, while they are still being learned: every {@value #PROBE_EVERY} steps it measures the
   * exact p of a probe of fresh questions (its own seed, even across the bands) and ends at the first
   * probe whose hard bands reach a mean p of {@value #STAGE2_STOP_HARD_P}, keeping the weights of
   * that probe or of the one before, whichever lies nearer the target (a band can jump from 0.1 to
   * 0.6 within 40 steps), or at {@code stage2} steps (the learning-rate schedule spans
   * {@code stage2}). The same rule for every seed; it reads nothing of the held-out metric or of
   * any GRPO run. Each probe (hard-band p, p per band, the expected mixed fraction at
   * G = {@value #PROBE_GROUP}) goes into the JSON. Cached under a key that hashes the whole recipe.
   */
  private Path warmStart(long seed, int stage1, int stage2, Map<String, Object> info) throws IOException {
    String first = String.join("|", noZeroPad ? WARM_START_RECIPE : WARM_START_RECIPE_PADDED, Long.toString(seed), modelConfig.toString(),
        tok.alphabet(), "batch=64",
        "stage1=" + stage1 + ",hardShare=" + STAGE1_HARD + ",lr=1e-3>1e-4");
    String second = first + "|stage2=" + stage2 + ",hardShare=" + STAGE2_HARD + ",lr=" + STAGE2_LR + ">1e-4"
        + "|stop=hardP>=" + STAGE2_STOP_HARD_P + ",nearer-of-last-two,probe=" + PROBE_SIZE + ",every=" + PROBE_EVERY;
    Path stage1Dir = cached(first, info, "stage1", p -> {
      Rng rng = warmRng(seed, 1);
      return Map.of("skippedSteps", ArmRun.warmStart(p, stage1, STAGE1_LR, s -> warmBatch(rng, STAGE1_HARD)));
    }, seed, null);
    return cached(second, info, "stage2", p -> {
      Rng rng = warmRng(seed, 2);
      List<ArithmeticTask> probe = probeSet(seed, !noZeroPad);
      List<Map<String, Object>> trajectory = new ArrayList<>();
      Path previous = Files.createTempDirectory(cache, ".stage2-previous");
      int[] kept = {0};
      try {
        java.util.function.IntPredicate probeAndStop = done -> {
          if (done % PROBE_EVERY != 0 && done != stage2) {
            return false;
          }
          Map<String, Object> row = probeFrontier(p, probe, done);
          double hard = (Double) row.get("hardMeanP");
          LOG.info("stage 2 probe at {} steps: hard-band p {} (stop at {}), mixed@{} {}", done, hard, STAGE2_STOP_HARD_P, PROBE_GROUP,
              row.get("mixedFraction"));
          try {
            kept[0] = done;
            if (hard >= STAGE2_STOP_HARD_P) {
              // keep whichever of this probe and the one before lies nearer the target: a band can jump past it in a few steps
              if (!trajectory.isEmpty()) {
                Map<String, Object> before = trajectory.get(trajectory.size() - 1);
                if (STAGE2_STOP_HARD_P - (Double) before.get("hardMeanP") < hard - STAGE2_STOP_HARD_P) {
                  p.load(previous);
                  kept[0] = (Integer) before.get("steps");
                }
              }
              trajectory.add(row);
              return true;
            }
            trajectory.add(row);
            p.save(previous);
            return false;
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
        int skipped = ArmRun.warmStart(p, stage2, STAGE2_LR, s -> warmBatch(rng, STAGE2_HARD), probeAndStop);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("skippedSteps", skipped);
        d.put("stepsRun", trajectory.get(trajectory.size() - 1).get("steps"));
        d.put("weightsOf", kept[0]);
        d.put("reachedTarget", (Double) trajectory.get(trajectory.size() - 1).get("hardMeanP") >= STAGE2_STOP_HARD_P);
        d.put("probes", trajectory);
        return d;
      } finally {
        ArmRun.deleteTree(previous);
      }
    }, seed, stage1Dir);
  }

  static final double STAGE1_HARD = 0.03;
  static final double STAGE2_HARD = 0.35;
  static final double STAGE2_LR = 5e-4;
  static final double STAGE1_LR = 1e-3;
  static final int WARM_BATCH = 64;
  static final int PROBE_SIZE = 600;
  static final int PROBE_GROUP = 8;
  static final int PROBE_EVERY = 20;
  /** Stage 2 stops once the probe's hard bands (4-6 digits) reach this mean p (the prototype stopped at 0.17). */
  static final double STAGE2_STOP_HARD_P = 0.15;

  /** The chance that a group of {@code g} rollouts of a question with success rate {@code p} is mixed: 1 - p^g - (1-p)^g. */
  private static double mixedChance(double p, int g) {
    return 1 - Math.pow(p, g) - Math.pow(1 - p, g);
  }

  /** One frontier probe of stage 2: the exact p of each probe question, summarised. */
  private Map<String, Object> probeFrontier(TransformerPolicy p, List<ArithmeticTask> probe, int steps) {
    double[] ps = exactP(p, probe);
    double mixed = 0;
    double hard = 0;
    int hardN = 0;
    double[] band = new double[MAX_DIGITS + 1];
    int[] bandN = new int[MAX_DIGITS + 1];
    for (int i = 0; i < ps.length; i++) {
      mixed += mixedChance(ps[i], PROBE_GROUP);
      int d = probe.get(i).maxDigits();
      band[d] += ps[i];
      bandN[d]++;
      if (d > EASY_BANDS) {
        hard += ps[i];
        hardN++;
      }
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("steps", steps);
    row.put("mixedFraction", Json.round(mixed / ps.length, 4));
    row.put("hardMeanP", Json.round(hard / Math.max(1, hardN), 4));
    List<Double> byBand = new ArrayList<>();
    for (int d = 1; d <= MAX_DIGITS; d++) {
      byBand.add(Json.round(band[d] / Math.max(1, bandN[d]), 4));
    }
    row.put("meanPByBand", byBand);
    return row;
  }

  /** Supervised training from {@code start} (or fresh weights) by {@code train}: its details, with "skippedSteps". */
  @FunctionalInterface
  private interface Stage {
    Map<String, Object> train(TransformerPolicy p) throws IOException;
  }

  /**
   * One stage of the warm start, cached under the hash of its whole recipe (which includes the
   * stages before it). Records in {@code info} whether it came from the cache, its seconds, skipped
   * steps and the stage's own details.
   */
  private Path cached(String recipe, Map<String, Object> info, String name, Stage stage, long seed, Path start) throws IOException {
    String key = sha256(recipe).substring(0, 16);
    Path dir = cache.resolve("warmstart-" + key);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cacheKey", key);
    info.put(name, m);
    if (Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("recipe.txt"))
        && Files.readString(dir.resolve("recipe.txt")).equals(recipe)) {
      LOG.info("warm start {} from the cache: {}", name, dir);
      m.put("cached", true);
      m.put("seconds", Double.parseDouble(Files.readString(dir.resolve("seconds.txt")).trim()));
      m.put("skippedSteps", Integer.parseInt(Files.readString(dir.resolve("skipped.txt")).trim()));
      if (Files.isRegularFile(dir.resolve("details.json"))) {
        @SuppressWarnings("unchecked")
        Map<String, Object> details = Json.READER.fromJson(Files.readString(dir.resolve("details.json")), LinkedHashMap.class);
        m.putAll(details);
      }
    } else {
      long t0 = System.nanoTime();
      Path tmp = cache.resolve(".warmstart-" + key + ".tmp");
      Map<String, Object> details;
      Files.createDirectories(cache);
      try (TransformerPolicy p = newPolicy(seed, 1e-3)) {
        if (start != null) {
          p.load(start);
        }
        details = new LinkedHashMap<>(stage.train(p));
        Files.createDirectories(tmp);
        p.save(tmp);
      }
      int skipped = (Integer) details.remove("skippedSteps");
      double seconds = (System.nanoTime() - t0) / 1e9;
      Files.writeString(tmp.resolve("seconds.txt"), Double.toString(Json.round(seconds, 1)));
      Files.writeString(tmp.resolve("skipped.txt"), Integer.toString(skipped));
      Files.writeString(tmp.resolve("details.json"), Json.GSON.toJson(details));
      Files.writeString(tmp.resolve("recipe.txt"), recipe);
      ArmRun.replaceDirectory(tmp, dir);
      m.put("cached", false);
      m.put("seconds", Json.round(seconds, 1));
      m.put("skippedSteps", skipped);
      m.putAll(details);
    }
    info.put("cached", Boolean.TRUE.equals(info.getOrDefault("cached", true)) && (Boolean) m.get("cached"));
    info.put("skippedSteps", ((Number) info.getOrDefault("skippedSteps", 0)).intValue() + (Integer) m.get("skippedSteps"));
    return dir;
  }

  /** 64 supervised items: a hard band (4-6 digits) with probability {@code hardShare}, else an easy one. */
  private List<Sequence> warmBatch(Rng rng, double hardShare) {
    List<Sequence> b = new ArrayList<>(WARM_BATCH);
    for (ArithmeticTask t : warmTasks(rng, hardShare, !noZeroPad)) {
      b.add(sequence(t));
    }
    return b;
  }

  /** The questions of one warm-start batch, drawn from {@code rng}: what {@code benchmark-export} writes, step by step. */
  static List<ArithmeticTask> warmTasks(Rng rng, double hardShare, boolean zeroPad) {
    List<ArithmeticTask> b = new ArrayList<>(WARM_BATCH);
    for (int i = 0; i < WARM_BATCH; i++) {
      int digits = rng.nextDouble() < hardShare ? EASY_BANDS + 1 + rng.nextInt(MAX_DIGITS - EASY_BANDS) : 1 + rng.nextInt(EASY_BANDS);
      b.add(ArithmeticTasks.addOrSubtract(rng, digits, "warm", zeroPad));
    }
    return b;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private TransformerPolicy newPolicy(long seed, double lr) {
    return TransformerPolicy.builder(modelConfig, tok).seed(seed).learningRate(lr).build();
  }

  private Sequence sequence(ArithmeticTask t) {
    int[] answer = tok.encode(ReversedAnswerReward.target(t.answer()));
    int[] completion = java.util.Arrays.copyOf(answer, answer.length + 1);
    completion[answer.length] = tok.eosId();
    return new Sequence(tok.encode(t.prompt()), completion);
  }

  // ------------------------------------------------------------------ the exact metric

  /**
   * The exact success probability at temperature 1 of each task: the probability of sampling the
   * reversed answer and then the end marker, exp(sum of their log-probabilities), one
   * teacher-forced pass. Exact-match rewards with one canonical answer make this the true p.
   */
  double[] exactP(TransformerPolicy p, List<ArithmeticTask> tasks) {
    double[] out = new double[tasks.size()];
    for (int from = 0; from < tasks.size(); from += 512) {
      List<Sequence> chunk = new ArrayList<>();
      for (int i = from; i < Math.min(tasks.size(), from + 512); i++) {
        chunk.add(sequence(tasks.get(i)));
      }
      double[][] lp = p.logProbs(chunk, ROLLOUT.temperature());
      for (int i = 0; i < lp.length; i++) {
        double s = 0;
        for (double x : lp[i]) {
          s += x;
        }
        out[from + i] = Math.exp(s);
      }
    }
    return out;
  }

  /**
   * Held-out evaluation: the exact mean p overall and per digit band (the primary metric, under
   * "accuracy" for {@link ArmRun}); with {@code full}, also greedy accuracy on 100 questions per band
   * and sampled mean@8 on 50 per band.
   */
  private Map<String, Object> evaluate(TransformerPolicy p, List<ArithmeticTask> tasks, boolean full) {
    double[] ps = exactP(p, tasks);
    double[] sum = new double[MAX_DIGITS + 1];
    int[] count = new int[MAX_DIGITS + 1];
    double all = 0;
    for (int i = 0; i < ps.length; i++) {
      all += ps[i];
      sum[tasks.get(i).maxDigits()] += ps[i];
      count[tasks.get(i).maxDigits()]++;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    double meanP = all / ps.length;
    m.put("accuracy", meanP);
    m.put("meanP", Json.round(meanP, 5));
    Map<String, Object> byBand = new LinkedHashMap<>();
    double hard = 0;
    int hardN = 0;
    double easyMin = 1;
    for (int d = 1; d <= MAX_DIGITS; d++) {
      byBand.put(Integer.toString(d), count[d] == 0 ? null : Json.round(sum[d] / count[d], 5));
      if (d > EASY_BANDS) {
        hard += sum[d];
        hardN += count[d];
      } else if (count[d] > 0) {
        easyMin = Math.min(easyMin, sum[d] / count[d]);
      }
    }
    m.put("meanPByBand", byBand);
    m.put("hardMeanP", Json.round(hardN == 0 ? Double.NaN : hard / hardN, 5));
    m.put("easyBandMin", Json.round(easyMin, 5));
    if (full) {
      List<ArithmeticTask> sub = perBand(tasks, 100);
      m.put("greedyAccuracy", Json.round(sampledAccuracy(p, sub, GREEDY, 1), 4));
      m.put("meanAt8", Json.round(sampledAccuracy(p, perBand(tasks, 50), ROLLOUT, 8), 4));
    }
    return m;
  }

  private static List<ArithmeticTask> perBand(List<ArithmeticTask> tasks, int n) {
    int[] taken = new int[MAX_DIGITS + 1];
    List<ArithmeticTask> out = new ArrayList<>();
    for (ArithmeticTask t : tasks) {
      if (taken[t.maxDigits()]++ < n) {
        out.add(t);
      }
    }
    return out;
  }

  /** Fraction of {@code samples} completions per task that are right; prompts batched by length. */
  private double sampledAccuracy(TransformerPolicy p, List<ArithmeticTask> tasks, SamplingConfig sampling, int samples) {
    Map<Integer, List<ArithmeticTask>> byLength = new TreeMap<>();
    for (ArithmeticTask t : tasks) {
      byLength.computeIfAbsent(t.prompt().length(), k -> new ArrayList<>()).add(t);
    }
    long right = 0;
    long total = 0;
    for (List<ArithmeticTask> same : byLength.values()) {
      for (int from = 0; from < same.size(); from += 64) {
        List<ArithmeticTask> chunk = same.subList(from, Math.min(same.size(), from + 64));
        int[][] prompts = new int[chunk.size() * samples][];
        for (int i = 0; i < prompts.length; i++) {
          prompts[i] = tok.encode(chunk.get(i / samples).prompt());
        }
        List<Completion> cs = p.generateBatch(prompts, sampling, 17 + from);
        for (int i = 0; i < prompts.length; i++) {
          right += cs.get(i).text().equals(ReversedAnswerReward.target(chunk.get(i / samples).answer())) ? 1 : 0;
          total++;
        }
      }
    }
    return total == 0 ? Double.NaN : (double) right / total;
  }

  /**
   * The frontier before RL: over pool questions, the expected fraction whose G samples are mixed
   * (1 - p^G - (1-p)^G) and the gap pass@G - mean@G (1 - (1-p)^G - p), both exact expectations
   * from the exact p, so the check itself adds no sampling noise.
   */
  private Map<String, Object> frontier(TransformerPolicy p, List<ArithmeticTask> sample, int g) {
    double[] ps = exactP(p, sample);
    double mixed = 0;
    double gap = 0;
    for (double x : ps) {
      mixed += mixedChance(x, g);
      gap += 1 - Math.pow(1 - x, g) - x;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("questions", ps.length);
    m.put("groupSize", g);
    m.put("mixedFraction", Json.round(mixed / ps.length, 4));
    m.put("passAtGMinusMeanAtG", Json.round(gap / ps.length, 4));
    return m;
  }

  // ------------------------------------------------------------------ arms

  /**
   * The oracle's teacher: the true utility sqrt(p(1-p)) of each candidate from the live policy's
   * exact p (a teacher-forced pass over its K candidates). An upper bound, not a method: no real
   * teacher can know p.
   */
  private final class ExactPOracle implements UtilityPredictor {
    private final TransformerPolicy policy;
    private final Map<String, ArithmeticTask> byId;

    ExactPOracle(TransformerPolicy policy, Map<String, ArithmeticTask> byId) {
      this.policy = policy;
      this.byId = byId;
    }

    @Override
    public String name() {
      return "exact-p-oracle";
    }

    @Override
    public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
      List<ArithmeticTask> ts = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        ts.add(byId.get(pool.id(candidates[i])));
      }
      double[] ps = exactP(policy, ts);
      for (int i = 0; i < count; i++) {
        out[i] = Math.min(0.5, Math.sqrt(Math.max(0, ps[i] * (1 - ps[i]))));
      }
    }

    @Override
    public void train(QuestionPool pool, TrainingExamples examples, int epochs) {}

    @Override
    public void writeState(java.io.DataOutput out) {}

    @Override
    public void readState(java.io.DataInput in) {}
  }

  private Sampler sampler(long seed, String arm, QuestionPool pool, TransformerPolicy policy, Map<String, ArithmeticTask> byId) {
    return switch (arm) {
      case "goldilocks-djl" -> goldilocks(seed, pool, TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 32),
          tok).seed(seed).learningRate(1e-3).target(djlTarget()).build(), 0.1);
      // arithmetic questions: the arm opts in to the arithmetic features (digit and column statistics)
      case "goldilocks-cpu" -> goldilocks(seed, pool, FeaturePredictor.builder().seed(seed).features(FeatureSet.ARITHMETIC).build(), 0.1);
      case "oracle" -> goldilocks(seed, pool, new ExactPOracle(policy, byId), 0.0);
      case "beta-thompson" -> BetaThompsonSampler.builder(pool).seed(seed).build();
      default -> UniformSampler.builder(pool).seed(seed).build();
    };
  }

  private TeacherTarget djlTarget() {
    return switch (djlTeacherTarget) {
      case "utility" -> TeacherTarget.UTILITY;
      case "success-rate" -> TeacherTarget.SUCCESS_RATE;
      default -> throw new IllegalArgumentException("--djl-teacher-target must be utility or success-rate, got " + djlTeacherTarget);
    };
  }

  private GoldilocksSampler goldilocks(long seed, QuestionPool pool, UtilityPredictor teacher, double epsilon) {
    // synchronous teacher updates keep the benchmark exactly reproducible for a seed
    return GoldilocksSampler.builder(pool).predictor(teacher).candidates(16).epsilon(epsilon).window(1024).updateEvery(64).epochs(2)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).seed(seed).build();
  }

  private ArmRun.Result runArm(long seed, String arm, QuestionPool pool, Map<String, ArithmeticTask> byId, List<ArithmeticTask> validation,
      Path warmDir, long budget, int every, Path out) throws IOException {
    Path dir = Files.createDirectories(out.resolve(arm));
    Path metrics = dir.resolve("metrics.jsonl");
    Files.deleteIfExists(metrics);
    try (TransformerPolicy p = newPolicy(seed, lr)) {
      p.load(warmDir);
      Sampler s = sampler(seed, arm, pool, p, byId);
      try (s) {
        GrpoTrainer.Builder b = GrpoTrainer.builder(p, s, new ReversedAnswerReward()).batchSize(shape.batch).groupSize(shape.groupSize).seed(seed)
            .sampling(ROLLOUT).metricsFile(metrics);
        if (kind(arm).dynamicFilter()) {
          b.dynamicFilter(2.0, 4);
        }
        long rampSteps = Math.round(lrWarmup * budget / (double) shape.rolloutsPerStep());
        return ArmRun.run(arm, dir, p, s, b.build(), budget, every, lr, rampSteps,
            (policy, last) -> evaluate(policy, validation, last));
      } finally {
        ArmRun.closeTeacher(s);
      }
    }
  }

  // ------------------------------------------------------------------ summaries

  static Map<String, Object> armSummary(Map<String, ArmRun.Result> results) {
    Double uniformFinal = results.containsKey("uniform") ? results.get("uniform").finalAccuracy : null;
    Double uniformBest = null;
    if (results.containsKey("uniform")) {
      uniformBest = Double.NEGATIVE_INFINITY;
      for (double[] row : results.get("uniform").accuracy) {
        uniformBest = Math.max(uniformBest, row[1]);
      }
    }
    Map<String, Object> armsOut = new LinkedHashMap<>();
    for (Map.Entry<String, ArmRun.Result> e : results.entrySet()) {
      ArmRun.Result r = e.getValue();
      Map<String, Object> m = new LinkedHashMap<>();
      Map<String, Object> first = r.firstEvaluation;
      Map<String, Object> last = r.finalEvaluation;
      m.put("initialMeanP", first.get("meanP"));
      m.put("finalMeanP", last.get("meanP"));
      m.put("finalHardMeanP", last.get("hardMeanP"));
      m.put("finalMeanPByBand", last.get("meanPByBand"));
      m.put("easyBandFinal", last.get("easyBandMin"));
      m.put("initialGreedy", first.get("greedyAccuracy"));
      m.put("finalGreedy", last.get("greedyAccuracy"));
      m.put("initialMeanAt8", first.get("meanAt8"));
      m.put("finalMeanAt8", last.get("meanAt8"));
      m.put("zeroVarianceFraction", Json.round(r.zeroVarianceFraction, 4));
      m.put("updates", r.updates);
      m.put("rolloutsSpent", r.rollouts);
      m.put("updatesToReachUniformFinal", uniformFinal == null ? null : r.updatesToReach(uniformFinal));
      // uniform's best evaluation (the warm start included): not trivial when uniform ends below its start
      m.put("updatesToReachUniformBest", uniformBest == null ? null : r.updatesToReach(uniformBest));
      m.put("skippedSteps", r.skippedSteps);
      m.put("meanTrainingReward", Json.round(r.meanReward, 4));
      m.put("teacherMaeUnseen", Json.round(r.teacherMae, 4));
      m.put("upperBound", kind(e.getKey()).upperBound());
      m.put("seconds", Json.round(r.seconds, 1));
      armsOut.put(e.getKey(), m);
    }
    return armsOut;
  }

  /** Mean, min and max over seeds of the headline numbers, per arm. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> aggregate(Map<String, Object> perSeed, List<String> chosen) {
    Map<String, Object> out = new LinkedHashMap<>();
    String[] fields = {"initialMeanP", "finalMeanP", "finalHardMeanP", "easyBandFinal", "finalGreedy", "finalMeanAt8",
        "zeroVarianceFraction", "updates", "updatesToReachUniformFinal", "updatesToReachUniformBest"};
    for (String arm : chosen) {
      Map<String, Object> a = new LinkedHashMap<>();
      for (String f : fields) {
        List<Object> values = new ArrayList<>();
        double sum = 0;
        int n = 0;
        for (Object s : perSeed.values()) {
          Object v = ((Map<String, Map<String, Object>>) ((Map<String, Object>) s).get("arms")).get(arm).get(f);
          values.add(v);
          if (v instanceof Number num) {
            sum += num.doubleValue();
            n++;
          }
        }
        Map<String, Object> stat = new LinkedHashMap<>();
        stat.put("perSeed", values);
        stat.put("mean", n == values.size() && n > 0 ? Json.round(sum / n, 5) : null);
        a.put(f, stat);
      }
      out.put(arm, a);
    }
    return out;
  }
}
