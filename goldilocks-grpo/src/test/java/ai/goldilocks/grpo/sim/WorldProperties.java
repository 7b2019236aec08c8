package ai.goldilocks.grpo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class WorldProperties {
  @Provide
  Arbitrary<String> worlds() {
    return Arbitraries.of(Worlds.family().stream().map(Worlds.Spec::name).toList());
  }

  /** Probabilities stay in (0, 1); equal rewards teach nothing (without forgetting); spread only helps without a step change. */
  @Property(tries = 30)
  void theStudentLearnsOnlyFromSpreadAndNeverLeavesTheUnitInterval(@ForAll("worlds") String name, @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 199) int question) {
    Worlds.Spec spec = Worlds.named(name).withQuestions(200);
    World w = Worlds.build(spec, seed, 1_000);
    Student s = w.student();
    double p0 = s.successProbability(question);
    assertTrue(p0 > 0 && p0 < 1);
    s.train(new int[] {question, (question + 1) % 200}, new double[] {0, 0});
    if (spec.forgetting() == 0) {
      assertEquals(p0, s.successProbability(question), 0.0, "equal rewards teach nothing");
    }
    double before = s.expectedAccuracy(w.validation());
    for (int step = 0; step < 5; step++) {
      s.train(new int[] {question}, new double[] {0.5});
    }
    double p1 = s.successProbability(question);
    assertTrue(p1 > 0 && p1 < 1);
    if (spec.stepAt() == 0) {
      assertTrue(p1 > p0, name + ": practising a question with spread raises its p: " + p0 + " -> " + p1);
      assertTrue(s.expectedAccuracy(w.validation()) >= before - 1e-12 || spec.forgetting() > 0, name);
    }
  }
}
