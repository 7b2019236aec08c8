package ai.goldilocks.examples;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.FeatureSet;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerTeacher;
import ai.goldilocks.grpo.sim.Simulation;
import ai.goldilocks.grpo.sim.SimulationConfig;
import ai.goldilocks.grpo.sim.SimulationResult;
import ai.goldilocks.grpo.sim.Worlds;
import ai.goldilocks.grpo.nd4j.Nd4jMlpPredictor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code simulate}: samplers on the simulated student at an equal rollout budget. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Compare samplers on a simulated student at an equal rollout budget.")
final class SimulateCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SimulateCommand.class);

  @Option(names = "--samplers", split = ",", description = "Comma list (default: ${DEFAULT-VALUE}). Known: goldilocks, "
      + "goldilocks-blend, goldilocks-nd4j, uniform, dynamic-filter, beta-thompson, oracle, text-oracle; teacher ablations: "
      + "goldilocks-async (asynchronous updates, lag unbounded), goldilocks-async-bounded (asynchronous, default lag bound), "
      + "goldilocks-arithmetic (opt-in arithmetic features), ablation-no-sparse-text, goldilocks-djl-w1024 and "
      + "goldilocks-w1024 (the DJL transformer teacher and the default teacher under the benchmark's sampler settings), "
      + "goldilocks-paper, ablation-utility-head, ablation-no-recency, ablation-no-recent-offset, ablation-no-digit-pairs, ablation-no-memory, "
      + "ablation-uniform-exploration; cheaper synchronous updates: sync-epochs1, sync-epochs2, sync-eE-laterN (E epochs of 2, 3, "
      + "4, the later ones on the newest N of 256, 512, 1024 samples: FeaturePredictor.Builder.laterEpochsOn).",
      defaultValue = "goldilocks,uniform,dynamic-filter,beta-thompson,oracle")
  List<String> samplers;

  @Option(names = "--seeds", description = "Number of seeds, 1..n (default: ${DEFAULT-VALUE}).", defaultValue = "5")
  int seeds;

  @Option(names = "--steps", description = "Steps of the uniform baseline; sets the rollout budget (default: ${DEFAULT-VALUE}).",
      defaultValue = "300")
  int steps;

  @Option(names = "--candidates", description = "Candidates per pick, K (default: ${DEFAULT-VALUE}).", defaultValue = "16")
  int candidates;

  @Option(names = "--group-size", description = "Rollouts per question, G (default: ${DEFAULT-VALUE}).", defaultValue = "8")
  int groupSize;

  @Option(names = "--questions", description = "Training questions, N (default: ${DEFAULT-VALUE}).", defaultValue = "20000")
  int questions;

  @Option(names = "--difficulty-noise", description = "Hidden-difficulty noise the text does not show (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.5")
  double noise;

  @Option(names = "--family", description = "Run the family of worlds (Worlds.family()) instead of the arithmetic scenario; "
      + "reports per world and on average: ratio to the oracle, share of the oracle's gain over uniform in final accuracy, "
      + "zero-variance share, MAE on unseen questions. Needs uniform and oracle among --samplers for the gain share.")
  boolean family;

  @Option(names = "--worlds", split = ",", description = "With --family: only these worlds (default: all).")
  List<String> worlds;

  @Option(names = "--max-questions", description = "With --family: cap each world's pool at this size (default: none).")
  int maxQuestions = Integer.MAX_VALUE;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  @Override
  public Integer call() {
    SimulationConfig config = SimulationConfig.defaults().with(steps, questions, candidates, groupSize, noise);
    Simulation sim = new Simulation(config);
    sim.register("goldilocks-nd4j", c -> Simulation.goldilocks(c, Nd4jMlpPredictor.builder().seed(c.seed()).build(), 0.1));
    registerDjlComparison(sim);
    registerAblations(sim);
    for (String s : samplers) {
      if (!sim.samplers().contains(s)) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "unknown sampler '" + s + "'; known: " + sim.samplers());
      }
    }
    if (family) {
      return runFamily(sim, config);
    }
    LOG.info("simulate: {} samplers x {} seeds, budget {} rollouts, K={}, G={}, N={}, noise={}", samplers.size(), seeds,
        config.rolloutBudget(), candidates, groupSize, questions, noise);
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> cfg = config(config);
    cfg.put("questions", questions);
    cfg.put("difficultyNoise", noise);
    out.put("config", cfg);
    Map<String, Object> results = new LinkedHashMap<>();
    int total = samplers.size() * seeds;
    int done = 0;
    for (String s : samplers) {
      List<SimulationResult> runs = new ArrayList<>();
      for (int seed = 1; seed <= seeds; seed++) {
        runs.add(sim.run(s, seed));
        done++;
        System.err.printf("\r[%-30s] %d/%d runs", "=".repeat(30 * done / total), done, total);
      }
      results.put(s, summarise(runs));
    }
    System.err.println();
    out.put("samplers", results);
    output.print(out, () -> {
      System.out.printf("%-18s %8s %8s %8s %8s %10s %8s%n", "sampler", "ratio", "zeroVar", "acc0", "accEnd", "rollouts", "mae");
      for (var e : results.entrySet()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) e.getValue();
        System.out.printf("%-18s %8.3f %8.3f %8.3f %8.3f %10.0f %8.3f%n", e.getKey(), m.get("oracleUtilityRatio"),
            m.get("zeroVarianceFraction"), m.get("initialAccuracy"), m.get("finalAccuracy"), m.get("rolloutsSpent"),
            m.get("teacherMaeUnseen"));
      }
    });
    return 0;
  }

  private Map<String, Object> config(SimulationConfig config) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("steps", steps);
    cfg.put("batchSize", config.batchSize());
    cfg.put("groupSize", groupSize);
    cfg.put("candidates", candidates);
    cfg.put("seeds", seeds);
    cfg.put("rolloutBudget", config.rolloutBudget());
    return cfg;
  }

  private Integer runFamily(Simulation sim, SimulationConfig config) {
    List<Worlds.Spec> specs = new ArrayList<>();
    for (Worlds.Spec w : Worlds.family()) {
      if (worlds == null || worlds.contains(w.name())) {
        specs.add(w.questions() > maxQuestions ? w.withQuestions(maxQuestions) : w);
      }
    }
    if (worlds != null) {
      for (String name : worlds) {
        try {
          Worlds.named(name);
        } catch (IllegalArgumentException e) {
          throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
      }
    }
    LOG.info("simulate --family: {} worlds x {} samplers x {} seeds, budget {} rollouts, K={}, G={}", specs.size(),
        samplers.size(), seeds, config.rolloutBudget(), candidates, groupSize);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("config", config(config));
    // world -> sampler -> summary
    Map<String, Map<String, Map<String, Object>>> perWorld = new LinkedHashMap<>();
    int total = specs.size() * samplers.size() * seeds;
    int done = 0;
    for (Worlds.Spec w : specs) {
      Map<String, Map<String, Object>> row = new LinkedHashMap<>();
      for (String s : samplers) {
        List<SimulationResult> runs = new ArrayList<>();
        for (int seed = 1; seed <= seeds; seed++) {
          runs.add(sim.run(s, w, seed));
          done++;
          System.err.printf("\r[%-30s] %d/%d runs", "=".repeat(30 * done / total), done, total);
        }
        row.put(s, summarise(runs));
      }
      Map<String, Object> uni = row.get("uniform");
      Map<String, Object> ora = row.get("oracle");
      if (uni != null && ora != null) {
        double u = (Double) uni.get("finalAccuracy");
        double o = (Double) ora.get("finalAccuracy");
        for (Map<String, Object> m : row.values()) {
          m.put("gainShare", Json.round(((Double) m.get("finalAccuracy") - u) / (o - u), 4));
        }
      }
      perWorld.put(w.name(), row);
    }
    System.err.println();
    Map<String, Object> worldsOut = new LinkedHashMap<>();
    for (Worlds.Spec w : specs) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("description", w.description());
      m.put("questions", w.questions());
      m.put("heldOut", w.heldOut());
      m.put("samplers", perWorld.get(w.name()));
      worldsOut.put(w.name(), m);
    }
    out.put("worlds", worldsOut);
    Map<String, Object> avg = new LinkedHashMap<>();
    for (String s : samplers) {
      Map<String, Object> a = new LinkedHashMap<>();
      for (String scope : new String[] {"all", "tuning", "heldOut"}) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Worlds.Spec w : specs) {
          if (scope.equals("all") || (scope.equals("heldOut") == w.heldOut())) {
            rows.add(perWorld.get(w.name()).get(s));
          }
        }
        if (rows.isEmpty()) {
          continue;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (String key : new String[] {"oracleUtilityRatio", "gainShare", "zeroVarianceFraction", "teacherMaeUnseen",
            "finalAccuracy"}) {
          double sum = 0;
          double min = Double.POSITIVE_INFINITY;
          int c = 0;
          for (Map<String, Object> r : rows) {
            Object v = r.get(key);
            if (v instanceof Double d && !d.isNaN()) {
              sum += d;
              min = Math.min(min, d);
              c++;
            }
          }
          if (c > 0) {
            m.put(key, Json.round(sum / c, 4));
            if (key.equals("gainShare")) {
              m.put("gainShareMin", Json.round(min, 4));
            }
          }
        }
        m.put("worlds", rows.size());
        a.put(scope, m);
      }
      avg.put(s, a);
    }
    out.put("average", avg);
    output.print(out, () -> {
      System.out.printf("%-15s %-22s %7s %7s %7s %7s %7s%n", "world", "sampler", "ratio", "gain", "zeroVar", "accEnd", "mae");
      for (var e : perWorld.entrySet()) {
        for (var r : e.getValue().entrySet()) {
          Map<String, Object> m = r.getValue();
          System.out.printf("%-15s %-22s %7.3f %7.3f %7.3f %7.3f %7.3f%n", e.getKey(), r.getKey(), m.get("oracleUtilityRatio"),
              m.getOrDefault("gainShare", Double.NaN), m.get("zeroVarianceFraction"), m.get("finalAccuracy"),
              m.get("teacherMaeUnseen"));
        }
      }
      avg.forEach((k, v) -> System.out.println("average " + k + ": " + v));
    });
    return 0;
  }

  /**
   * The teacher's refinements taken away one at a time (issue 16's ablation), and all at once
   * ({@code goldilocks-paper}: the paper's recipe on today's features).
   */
  static void registerAblations(Simulation sim) {
    double flat = Double.POSITIVE_INFINITY;
    // the default teacher with asynchronous updates on a host loop far faster than a teacher update
    sim.register("goldilocks-async", c -> GoldilocksSampler.builder(c.pool()).predictor(FeaturePredictor.builder().seed(c.seed())
        .build()).candidates(c.config().candidates()).seed(c.seed()).maxTeacherLag(Integer.MAX_VALUE).build());
    sim.register("goldilocks-async-bounded", c -> GoldilocksSampler.builder(c.pool()).predictor(FeaturePredictor.builder()
        .seed(c.seed()).build()).candidates(c.config().candidates()).seed(c.seed()).build());
    sim.register("goldilocks-arithmetic", c -> ablation(c, FeaturePredictor.builder().seed(c.seed())
        .features(FeatureSet.ARITHMETIC), GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-no-sparse-text", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()).sparseText(false),
        GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("goldilocks-paper", c -> ablation(c, FeaturePredictor.builder().seed(c.seed())
        .target(TeacherTarget.UTILITY).halfLife(flat).memory(false), GoldilocksSampler.Exploration.UNIFORM));
    sim.register("ablation-utility-head", c -> ablation(c, FeaturePredictor.builder().seed(c.seed())
        .target(TeacherTarget.UTILITY), GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-no-recency", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()).halfLife(flat),
        GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-no-recent-offset", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()).recentHalfLife(0),
        GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-no-digit-pairs", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()).digitPairs(false),
        GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-no-memory", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()).memory(false),
        GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-uniform-exploration", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()),
        GoldilocksSampler.Exploration.UNIFORM));
    // cheaper synchronous updates (issue 28): later epochs over the newest samples only, or fewer epochs
    for (int newest : new int[] {256, 512, 1024}) {
      for (int epochs : new int[] {2, 3, 4}) {
        sim.register("sync-e" + epochs + "-later" + newest, c -> cheaper(c, FeaturePredictor.builder().seed(c.seed())
            .laterEpochsOn(newest), epochs));
      }
    }
    sim.register("sync-epochs2", c -> cheaper(c, FeaturePredictor.builder().seed(c.seed()), 2));
    sim.register("sync-epochs1", c -> cheaper(c, FeaturePredictor.builder().seed(c.seed()), 1));
  }

  /**
   * The DJL transformer teacher (the paper's kind: it reads the question's characters) and the
   * default feature teacher, both under the benchmark's cheaper sampler settings (window 1024,
   * update every 64 samples, 2 epochs, synchronous): a DJL update costs about 500 times a feature
   * update, so the comparison runs with a reduced protocol that is the same for both teachers.
   * The encoder is sized as in {@code benchmark} (d 64, 2 layers, 4 heads, FFN 128), reads up to
   * 128 characters and learns the success rate.
   */
  static void registerDjlComparison(Simulation sim) {
    sim.register("goldilocks-w1024", c -> reduced(c, FeaturePredictor.builder().seed(c.seed()).build()));
    sim.register("goldilocks-djl-w1024", c -> {
      CharTokenizer tok = new CharTokenizer(alphabet(c.pool()));
      return reduced(c, TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 128), tok).seed(c.seed())
          .learningRate(1e-3).target(TeacherTarget.SUCCESS_RATE).build());
    });
  }

  /** The distinct characters of the pool's texts, in order of first appearance. */
  static String alphabet(QuestionPool pool) {
    java.util.BitSet seen = new java.util.BitSet(65536);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < pool.size(); i++) {
      String t = pool.text(i);
      for (int j = 0; j < t.length(); j++) {
        char ch = t.charAt(j);
        if (!seen.get(ch)) {
          seen.set(ch);
          b.append(ch);
        }
      }
    }
    return b.toString();
  }

  private static GoldilocksSampler reduced(Simulation.Context c, UtilityPredictor teacher) {
    return GoldilocksSampler.builder(c.pool()).predictor(teacher).candidates(c.config().candidates()).epsilon(0.1).window(1024)
        .updateEvery(64).epochs(2).seed(c.seed()).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
  }

  private static GoldilocksSampler ablation(Simulation.Context c, FeaturePredictor.Builder teacher,
      GoldilocksSampler.Exploration exploration) {
    return GoldilocksSampler.builder(c.pool()).predictor(teacher.build()).candidates(c.config().candidates()).epsilon(0.1)
        .exploration(exploration).seed(c.seed()).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
  }

  /** The default teacher, synchronous, with {@code epochs} per update (the tries at a cheaper update). */
  private static GoldilocksSampler cheaper(Simulation.Context c, FeaturePredictor.Builder teacher, int epochs) {
    return GoldilocksSampler.builder(c.pool()).predictor(teacher.build()).candidates(c.config().candidates()).epsilon(0.1)
        .epochs(epochs).seed(c.seed()).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
  }

  private static Map<String, Object> summarise(List<SimulationResult> runs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("oracleUtilityRatio", Json.round(mean(runs, SimulationResult::oracleUtilityRatio), 4));
    m.put("oracleUtilityRatioStd", Json.round(std(runs, SimulationResult::oracleUtilityRatio), 4));
    m.put("zeroVarianceFraction", Json.round(mean(runs, SimulationResult::zeroVarianceFraction), 4));
    m.put("zeroVarianceFractionStd", Json.round(std(runs, SimulationResult::zeroVarianceFraction), 4));
    m.put("initialAccuracy", Json.round(mean(runs, SimulationResult::initialAccuracy), 4));
    m.put("finalAccuracy", Json.round(mean(runs, SimulationResult::finalAccuracy), 4));
    m.put("finalAccuracyStd", Json.round(std(runs, SimulationResult::finalAccuracy), 4));
    m.put("rolloutsSpent", mean(runs, r -> r.rolloutsSpent()));
    m.put("updates", mean(runs, r -> r.updates()));
    m.put("teacherMaeUnseen", Json.round(mean(runs, SimulationResult::teacherMaeUnseen), 4));
    m.put("teacherUpdates", mean(runs, r -> r.teacherUpdates()));
    m.put("secondsPerRun", Json.round(mean(runs, SimulationResult::seconds), 2));
    return m;
  }

  private static double mean(List<SimulationResult> runs, java.util.function.ToDoubleFunction<SimulationResult> f) {
    return runs.stream().mapToDouble(f).average().orElse(Double.NaN);
  }

  private static double std(List<SimulationResult> runs, java.util.function.ToDoubleFunction<SimulationResult> f) {
    double m = mean(runs, f);
    if (runs.size() < 2) {
      return 0;
    }
    double s = runs.stream().mapToDouble(f).map(x -> (x - m) * (x - m)).sum();
    return Math.sqrt(s / (runs.size() - 1));
  }
}
