package ai.goldilocks.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrainingExamplesTest {

  @Test
  void badExamplesAreRefusedNamingTheFirstOne() {
    int[] q = {0, 1, 2};
    double[] u = {0.1, 0.2, 0.3};
    double[] p = {0.1, 0.5, 0.9};
    int[] g = {8, 8, 8};
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingExamples(q, new double[] {0.1, 0.7, 0.3}, p, g, 3, 3))
        .getMessage().contains("example 1: utility 0.7"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingExamples(q, u, new double[] {0.1, 0.5, Double.NaN}, g, 3, 3))
        .getMessage().contains("example 2: success rate NaN"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingExamples(q, u, p, new int[] {8, 1, 8}, 3, 3))
        .getMessage().contains("example 1: group size 1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingExamples(q, u, p, g, 4, 1))
        .getMessage().contains("count 4"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingExamples(q, u, p, g, 3, 4))
        .getMessage().contains("fresh"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingExamples.ofUtilities(new int[] {-1}, new double[] {0.1}, 1))
        .getMessage().contains("negative question index"));
  }

  @Test
  void examplesAreCopiedAndUtilityOnlyExamplesSaySo() {
    int[] q = {4, 5};
    double[] u = {0.1, 0.2};
    TrainingExamples full = new TrainingExamples(q, u, new double[] {0.2, 0.3}, new int[] {4, 16}, 2, 1);
    q[0] = 99;
    u[0] = 0.4;
    assertEquals(4, full.question(0));
    assertEquals(0.1, full.utility(0));
    assertEquals(16, full.groupSize(1));
    assertEquals(1, full.fresh());
    assertTrue(full.hasOutcomes());
    TrainingExamples only = TrainingExamples.ofUtilities(new int[] {1, 2, 3}, new double[] {0, 0.5, 0.25}, 2);
    assertEquals(2, only.size());
    assertFalse(only.hasOutcomes());
    assertTrue(Double.isNaN(only.successRate(0)));
  }
}
