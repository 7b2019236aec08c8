package ai.goldilocks.grpo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SimulationTest {
  private static final SimulationConfig SMALL = SimulationConfig.defaults().with(60, 4000, 16, 8, 0.5);

  @Test
  void runsAreDeterministicAndSpendTheSameBudget() {
    Simulation sim = new Simulation(SMALL);
    for (String s : sim.samplers()) {
      SimulationResult a = sim.run(s, 3);
      SimulationResult b = sim.run(s, 3);
      assertEquals(a.finalAccuracy(), b.finalAccuracy(), 0.0, s);
      assertEquals(a.oracleUtilityRatio(), b.oracleUtilityRatio(), 0.0, s);
      assertTrue(a.rolloutsSpent() >= SMALL.rolloutBudget(), s + " spent " + a.rolloutsSpent());
      assertTrue(a.rolloutsSpent() < SMALL.rolloutBudget() + 20L * 32 * 8, s + " overshot: " + a.rolloutsSpent());
    }
  }

  @Test
  void theOracleBoundsTheOthersAndTheTeacherBeatsUniform() {
    Simulation sim = new Simulation(SMALL);
    SimulationResult oracle = sim.run("oracle", 1);
    SimulationResult gold = sim.run("goldilocks", 1);
    SimulationResult uniform = sim.run("uniform", 1);
    assertEquals(1.0, oracle.oracleUtilityRatio(), 0.05);
    assertTrue(gold.oracleUtilityRatio() > uniform.oracleUtilityRatio() + 0.1,
        "goldilocks " + gold.oracleUtilityRatio() + " vs uniform " + uniform.oracleUtilityRatio());
    assertTrue(gold.zeroVarianceFraction() < uniform.zeroVarianceFraction());
    assertTrue(gold.teacherMaeUnseen() < 0.25, "MAE " + gold.teacherMaeUnseen());
    assertTrue(Double.isNaN(uniform.teacherMaeUnseen()));
  }

  @Test
  void unknownSamplerIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Simulation(SMALL).run("magic", 1));
    assertTrue(e.getMessage().contains("'magic'"));
  }

  @Test
  void studentLearnsOnlyFromVariance() {
    SimulatedStudent s = new SimulatedStudent(new double[] {0, 1}, 0.0, 1.0, 0.5);
    assertEquals(0.5, s.successProbability(0), 1e-12);
    s.train(new double[] {0, 0});
    assertEquals(0.0, s.skill(), 0.0);
    s.train(new double[] {0.5, 0.3});
    assertEquals(0.2, s.skill(), 1e-12); // 0.5 * mean(0.5, 0.3)
  }
}
