package ai.goldilocks.examples;

import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.grpo.sim.Simulation;
import ai.goldilocks.grpo.sim.SimulationConfig;
import ai.goldilocks.grpo.sim.SimulationResult;
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
      + "goldilocks-paper, ablation-utility-head, ablation-no-recency, ablation-no-memory, ablation-uniform-exploration.",
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

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  @Override
  public Integer call() {
    SimulationConfig config = SimulationConfig.defaults().with(steps, questions, candidates, groupSize, noise);
    Simulation sim = new Simulation(config);
    sim.register("goldilocks-nd4j", c -> Simulation.goldilocks(c, Nd4jMlpPredictor.builder().seed(c.seed()).build(), 0.1));
    registerAblations(sim);
    for (String s : samplers) {
      if (!sim.samplers().contains(s)) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "unknown sampler '" + s + "'; known: " + sim.samplers());
      }
    }
    LOG.info("simulate: {} samplers x {} seeds, budget {} rollouts, K={}, G={}, N={}, noise={}", samplers.size(), seeds,
        config.rolloutBudget(), candidates, groupSize, questions, noise);
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("steps", steps);
    cfg.put("batchSize", config.batchSize());
    cfg.put("groupSize", groupSize);
    cfg.put("candidates", candidates);
    cfg.put("questions", questions);
    cfg.put("difficultyNoise", noise);
    cfg.put("seeds", seeds);
    cfg.put("rolloutBudget", config.rolloutBudget());
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

  /**
   * The teacher's refinements taken away one at a time (issue 16's ablation), and all at once
   * ({@code goldilocks-paper}: the paper's recipe on today's features).
   */
  static void registerAblations(Simulation sim) {
    double flat = Double.POSITIVE_INFINITY;
    sim.register("goldilocks-paper", c -> ablation(c, FeaturePredictor.builder().seed(c.seed())
        .target(TeacherTarget.UTILITY).halfLife(flat).memory(false), GoldilocksSampler.Exploration.UNIFORM));
    sim.register("ablation-utility-head", c -> ablation(c, FeaturePredictor.builder().seed(c.seed())
        .target(TeacherTarget.UTILITY), GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-no-recency", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()).halfLife(flat),
        GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-no-memory", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()).memory(false),
        GoldilocksSampler.Exploration.PROPORTIONAL));
    sim.register("ablation-uniform-exploration", c -> ablation(c, FeaturePredictor.builder().seed(c.seed()),
        GoldilocksSampler.Exploration.UNIFORM));
  }

  private static GoldilocksSampler ablation(Simulation.Context c, FeaturePredictor.Builder teacher,
      GoldilocksSampler.Exploration exploration) {
    return GoldilocksSampler.builder(c.pool()).predictor(teacher.build()).candidates(c.config().candidates()).epsilon(0.1)
        .exploration(exploration).seed(c.seed()).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
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
