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
    ai.goldilocks.core.sampler.GoldilocksSampler.Config[] seen = new ai.goldilocks.core.sampler.GoldilocksSampler.Config[4];
    sim.register("probe", c -> {
      String[] settings = {"candidates", "epsilon", "window", "updateEvery"};
      double[] values = {4, 0.4, 256, 1024};
      for (int i = 0; i < 4; i++) {
        try (ai.goldilocks.core.sampler.GoldilocksSampler s = ParameterSweep.sampler(c, settings[i], values[i])) {
          seen[i] = s.config();
        }
      }
      return ai.goldilocks.core.sampler.UniformSampler.builder(c.pool()).build();
    });
    sim.run("probe", 1);
    assertEquals(4, seen[0].candidates(), seen[0].toString());
    assertEquals(0.4, seen[1].epsilon(), seen[1].toString());
    assertEquals(256, seen[2].window(), seen[2].toString());
    assertEquals(1024, seen[3].updateEvery(), seen[3].toString());
    // only the swept setting moves: the rest stay at the builder's defaults
    assertEquals(seen[1].candidates(), seen[2].candidates());
    assertEquals(seen[0].epsilon(), seen[2].epsilon());
  }
}
