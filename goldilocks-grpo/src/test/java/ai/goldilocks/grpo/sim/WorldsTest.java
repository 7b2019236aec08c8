package ai.goldilocks.grpo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorldsTest {
  private static Worlds.Spec tiny(String name) {
    return Worlds.named(name).withQuestions(2_000);
  }

  @Test
  void theFamilyHasAtLeastEightWorldsSomeHeldOutAndPoolsFromTenThousandToAMillion() {
    var family = Worlds.family();
    assertTrue(family.size() >= 8);
    Set<String> names = new HashSet<>();
    family.forEach(w -> assertTrue(names.add(w.name()), "duplicate world " + w.name()));
    assertTrue(family.stream().anyMatch(Worlds.Spec::heldOut));
    assertTrue(family.stream().anyMatch(w -> !w.heldOut()));
    assertEquals(10_000, family.stream().mapToInt(Worlds.Spec::questions).min().getAsInt());
    assertEquals(1_000_000, family.stream().mapToInt(Worlds.Spec::questions).max().getAsInt());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Worlds.named("atlantis"));
    assertTrue(e.getMessage().contains("'atlantis'") && e.getMessage().contains("topic-words"), e.getMessage());
  }

  @Test
  void buildingIsDeterministicInTheSeedAndEveryWorldStartsWithHeadroom() {
    for (Worlds.Spec spec : Worlds.family()) {
      Worlds.Spec s = spec.withQuestions(2_000);
      World a = Worlds.build(s, 3, 100);
      World b = Worlds.build(s, 3, 100);
      World c = Worlds.build(s, 4, 100);
      assertEquals(2_000, a.pool().size());
      for (int i = 0; i < 50; i++) {
        assertEquals(a.pool().text(i), b.pool().text(i), s.name());
        assertEquals(a.student().successProbability(i), b.student().successProbability(i), 0.0, s.name());
      }
      assertNotEquals(a.pool().text(0) + a.pool().text(1), c.pool().text(0) + c.pool().text(1), s.name());
      double acc = a.student().expectedAccuracy(a.validation());
      assertTrue(acc > 0.1 && acc < 0.6, s.name() + " starts at accuracy " + acc);
    }
  }

  @Test
  void paraphrasesOfOneQuestionShareOneDifficultyAndDifferInWording() {
    World w = Worlds.build(tiny("paraphrases"), 1, 100);
    int p = w.spec().paraphrases();
    for (int i = 0; i < p; i++) {
      assertEquals(w.student().successProbability(0), w.student().successProbability(i), 1e-12);
    }
    assertNotEquals(w.pool().text(0), w.pool().text(1));
    assertNotEquals(w.student().successProbability(0), w.student().successProbability(p), 1e-12);
  }

  @Test
  void theStudentLearnsOnlyFromSpreadAndMostOnTheTopicItPractised() {
    Worlds.Spec spec = tiny("topic-words");
    World w = Worlds.build(spec, 2, 100);
    Student s = w.student();
    // two questions of different topics
    int a = 0;
    int b = -1;
    for (int i = 1; i < w.pool().size() && b < 0; i++) {
      if (((Worlds.WorldStudent) s).topic(i) != ((Worlds.WorldStudent) s).topic(a)) {
        b = i;
      }
    }
    double pa = s.successProbability(a);
    double pb = s.successProbability(b);
    s.train(new int[] {a, a}, new double[] {0, 0});
    assertEquals(pa, s.successProbability(a), 0.0, "equal rewards teach nothing");
    for (int step = 0; step < 20; step++) {
      s.train(new int[] {a, a, a, a}, new double[] {0.5, 0.5, 0.5, 0.5});
    }
    double gainA = logit(s.successProbability(a)) - logit(pa);
    double gainB = logit(s.successProbability(b)) - logit(pb);
    assertTrue(gainB > 0, "the general skill grows with every group");
    assertTrue(gainA > 2 * gainB, "practised topic " + gainA + " vs other " + gainB);
  }

  @Test
  void aStepChangeMovesTopicSkillsAtItsStepOnly() {
    World w = Worlds.build(tiny("step-change"), 1, 10); // the shift comes after step 5 of 10
    Student s = w.student();
    double before = s.successProbability(0);
    for (int step = 0; step < 4; step++) {
      s.train(new int[] {1}, new double[] {0});
    }
    assertEquals(before, s.successProbability(0), 0.0);
    s.train(new int[] {1}, new double[] {0});
    assertTrue(Math.abs(logit(s.successProbability(0)) - logit(before)) > 1.4, "the fifth step shifts topic skills");
  }

  @Test
  void forgettingPullsAnUnpractisedTopicBack() {
    World w = Worlds.build(tiny("forgetting"), 1, 100);
    Student s = w.student();
    double start = s.successProbability(0);
    for (int step = 0; step < 10; step++) {
      s.train(new int[] {0}, new double[] {0.5});
    }
    double learned = logit(s.successProbability(0)) - logit(start);
    for (int step = 0; step < 200; step++) {
      s.train(new int[] {0}, new double[] {0});
    }
    double kept = logit(s.successProbability(0)) - logit(start);
    assertTrue(learned > 0 && kept < 0.5 * learned, "learned " + learned + ", kept " + kept);
  }

  @Test
  void onATinyWorldTheOracleIsTheReferenceAndTheTeacherBeatsUniform() {
    Simulation sim = new Simulation(SimulationConfig.defaults().with(40, 2_000, 16, 8, 0.5));
    Worlds.Spec spec = tiny("magnitudes");
    SimulationResult oracle = sim.run("oracle", spec, 1);
    SimulationResult gold = sim.run("goldilocks", spec, 1);
    SimulationResult uniform = sim.run("uniform", spec, 1);
    assertEquals(1.0, oracle.oracleUtilityRatio(), 0.05);
    assertTrue(gold.oracleUtilityRatio() > uniform.oracleUtilityRatio(), gold + " vs " + uniform);
    assertEquals(gold.finalAccuracy(), sim.run("goldilocks", spec, 1).finalAccuracy(), 0.0, "deterministic");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sim.run("text-oracle", spec, 1));
    assertTrue(e.getMessage().contains("world family"), e.getMessage());
  }

  private static double logit(double p) {
    return Math.log(p / (1 - p));
  }
}
