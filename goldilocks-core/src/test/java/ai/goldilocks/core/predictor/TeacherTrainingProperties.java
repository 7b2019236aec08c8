package ai.goldilocks.core.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class TeacherTrainingProperties {
  @Property(tries = 100)
  void eachSetterChangesOnlyItsKnob(@ForAll @DoubleRange(min = 1e-6, max = 1) @net.jqwik.api.constraints.Scale(8) double lr, @ForAll @IntRange(min = 1, max = 512) int batch,
      @ForAll @DoubleRange(min = 1, max = 1e6) double halfLife, @ForAll long seed) {
    TeacherTraining d = TeacherTraining.defaults();
    assertEquals(new TeacherTraining(lr, d.batchSize(), d.halfLife(), d.seed()),
        FeaturePredictor.builder().learningRate(lr).training());
    assertEquals(new TeacherTraining(d.learningRate(), batch, d.halfLife(), d.seed()),
        FeaturePredictor.builder().batchSize(batch).training());
    assertEquals(new TeacherTraining(d.learningRate(), d.batchSize(), halfLife, d.seed()),
        FeaturePredictor.builder().halfLife(halfLife).training());
    assertEquals(new TeacherTraining(d.learningRate(), d.batchSize(), d.halfLife(), seed),
        FeaturePredictor.builder().seed(seed).training());
    TeacherTraining all = d.withLearningRate(lr).withBatchSize(batch).withHalfLife(halfLife).withSeed(seed);
    assertEquals(all, FeaturePredictor.builder().training(all).training());
    assertEquals(new TeacherTraining(lr, batch, halfLife, seed), all);
  }

  @Property(tries = 50)
  void badValuesAreRefusedByNameAndLeaveTheBuilderAsItWas(@ForAll @DoubleRange(min = -10, max = 0) double bad,
      @ForAll @IntRange(min = -100, max = 0) int badInt) {
    FeaturePredictor.Builder b = FeaturePredictor.builder().learningRate(0.05).seed(3);
    TeacherTraining before = b.training();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.learningRate(bad));
    assertTrue(e.getMessage().contains("learningRate"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.batchSize(badInt));
    assertTrue(e.getMessage().contains("batchSize"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.halfLife(bad));
    assertTrue(e.getMessage().contains("halfLife"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TeacherTraining.defaults().withBatchSize(badInt));
    assertTrue(e.getMessage().contains("batchSize"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.learningRate(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> b.learningRate(Double.POSITIVE_INFINITY));
    assertEquals(before, b.training());
  }

  @Example
  void theDefaultsAreTheFeatureTeachers() {
    TeacherTraining d = TeacherTraining.defaults();
    assertEquals(new TeacherTraining(1e-2, 32, 1024, 0), d);
    assertEquals(d, FeaturePredictor.builder().training());
    assertTrue(FeaturePredictor.builder().build().toString().contains("lr=0.01, batch=32, halfLife=1024.0"));
  }
}
