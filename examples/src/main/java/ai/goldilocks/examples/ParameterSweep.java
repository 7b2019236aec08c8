package ai.goldilocks.examples;

import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.objective.RewardStats;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.grpo.sim.Simulation;
import ai.goldilocks.grpo.sim.SimulationConfig;
import ai.goldilocks.grpo.sim.SimulationResult;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampler's settings swept one at a time on the simulator's default scenario (docs/parameters.md):
 * K, epsilon, the window and the update interval, each varied around the defaults with the
 * default teacher and synchronous updates, the rest as in {@code simulate}. Prints JSON.
 *
 * <pre>java -cp examples/target/goldilocks-examples.jar ai.goldilocks.examples.ParameterSweep [seeds [steps [questions]]]</pre>
 */
public final class ParameterSweep {
  /** The settings swept and their values; the defaults are K 16, epsilon 0.1, window 4096, updateEvery 64. */
  static final Map<String, double[]> SETTINGS = new LinkedHashMap<>();

  static {
    SETTINGS.put("candidates", new double[] {4, 8, 16, 32, 64});
    SETTINGS.put("epsilon", new double[] {0, 0.05, 0.1, 0.2, 0.4});
    SETTINGS.put("window", new double[] {256, 1024, 4096, 16384});
    SETTINGS.put("updateEvery", new double[] {16, 64, 256, 1024});
  }

  private ParameterSweep() {}

  /** The Goldilocks sampler of the default arm with one setting changed. */
  static GoldilocksSampler sampler(Simulation.Context c, String setting, double value) {
    GoldilocksSampler.Builder b = GoldilocksSampler.builder(c.pool()).predictor(FeaturePredictor.builder().seed(c.seed()).build())
        .seed(c.seed()).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS);
    switch (setting) {
      case "candidates" -> b.candidates((int) value);
      case "epsilon" -> b.epsilon(value);
      case "window" -> b.window((int) value);
      case "updateEvery" -> b.updateEvery((int) value).window(Math.max(4096, (int) value));
      default -> throw new IllegalArgumentException("unknown setting " + setting);
    }
    return b.build();
  }

  /** Runs every setting's values and uniform for seeds 1..seeds; one JSON-ready map per row. */
  static List<Map<String, Object>> run(SimulationConfig config, int seeds) {
    Simulation sim = new Simulation(config);
    List<String> arms = new ArrayList<>();
    sim.register("uniform", c -> UniformSampler.builder(c.pool()).seed(c.seed()).build());
    arms.add("uniform");
    SETTINGS.forEach((setting, values) -> {
      for (double v : values) {
        String name = setting + "=" + (v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v));
        sim.register(name, (Simulation.Context c) -> (Sampler) sampler(c, setting, v));
        arms.add(name);
      }
    });
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String arm : arms) {
      double[] ratio = new double[seeds];
      double zero = 0;
      double[] acc = new double[seeds];
      double seconds = 0;
      long updates = 0;
      for (int s = 1; s <= seeds; s++) {
        SimulationResult r = sim.run(arm, s);
        ratio[s - 1] = r.oracleUtilityRatio();
        acc[s - 1] = r.finalAccuracy();
        zero += r.zeroVarianceFraction() / seeds;
        seconds += r.seconds();
        updates += r.teacherUpdates();
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("arm", arm);
      row.put("oracleUtilityRatio", mean(ratio));
      row.put("oracleUtilityRatioStd", std(ratio));
      row.put("zeroVarianceFraction", zero);
      row.put("finalAccuracy", mean(acc));
      row.put("finalAccuracyStd", std(acc));
      row.put("teacherUpdatesPerRun", (double) updates / seeds);
      row.put("secondsPerRun", seconds / seeds);
      rows.add(row);
    }
    return rows;
  }

  private static double mean(double[] x) {
    return RewardStats.mean(x);
  }

  /** The sample standard deviation across seeds (n - 1; a group's rewards use the population one). */
  private static double std(double[] x) {
    if (x.length < 2) {
      return 0;
    }
    double m = mean(x);
    double s = 0;
    for (double v : x) {
      s += (v - m) * (v - m);
    }
    return Math.sqrt(s / (x.length - 1));
  }

  /** Arguments: seeds (default 3), steps (300), questions (20,000). */
  public static void main(String[] args) {
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    SimulationConfig d = SimulationConfig.defaults();
    SimulationConfig config = d.with(args.length > 1 ? Integer.parseInt(args[1]) : d.steps(),
        args.length > 2 ? Integer.parseInt(args[2]) : d.questions(), d.candidates(), d.groupSize(), d.difficultyNoise());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("config", config.toString());
    out.put("seeds", seeds);
    out.put("rows", run(config, seeds));
    System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(out));
  }
}
