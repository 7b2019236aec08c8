package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.grpo.sim.SimulationConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sweep behind docs/parameters.md changes the setting it names and reports every arm. */
class ParameterSweepTest {
  @Test
  void everySettingValueIsAnArmWithItsOwnSampler() {
    SimulationConfig tiny = SimulationConfig.defaults().with(3, 600, 16, 8, 0.5);
    List<Map<String, Object>> rows = ParameterSweep.run(tiny, 1);
    int arms = 1 + ParameterSweep.SETTINGS.values().stream().mapToInt(v -> v.length).sum();
    assertEquals(arms, rows.size());
    assertEquals("uniform", rows.get(0).get("arm"));
    assertTrue(rows.stream().anyMatch(r -> r.get("arm").equals("epsilon=0.05")), rows.toString());
    for (Map<String, Object> r : rows) {
      double ratio = (Double) r.get("oracleUtilityRatio");
      assertTrue(ratio > 0 && Double.isFinite(ratio), r.toString());
    }
  }

  @Test
  void theSamplerOfAnArmCarriesItsSetting() {
    SimulationConfig tiny = SimulationConfig.defaults().with(3, 600, 16, 8, 0.5);
    ai.goldilocks.grpo.sim.Simulation sim = new ai.goldilocks.grpo.sim.Simulation(tiny);
    String[] seen = new String[4];
    sim.register("probe", c -> {
      seen[0] = ParameterSweep.sampler(c, "candidates", 4).toString();
      seen[1] = ParameterSweep.sampler(c, "epsilon", 0.4).toString();
      seen[2] = ParameterSweep.sampler(c, "window", 256).toString();
      seen[3] = ParameterSweep.sampler(c, "updateEvery", 1024).toString();
      return ai.goldilocks.core.sampler.UniformSampler.builder(c.pool()).build();
    });
    sim.run("probe", 1);
    assertTrue(seen[0].contains("K=4,"), seen[0]);
    assertTrue(seen[1].contains("epsilon=0.4,"), seen[1]);
    assertTrue(seen[2].contains("window=256,"), seen[2]);
    assertTrue(seen[3].contains("updateEvery=1024,"), seen[3]);
  }
}
