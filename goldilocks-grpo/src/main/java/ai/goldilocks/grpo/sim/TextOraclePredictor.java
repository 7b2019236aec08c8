package ai.goldilocks.grpo.sim;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.FixedUtilityPredictor;
import java.util.Objects;
import java.util.function.IntToDoubleFunction;

/**
 * The best any teacher that reads only the text could do: it knows each question's structural
 * difficulty (what the text shows: digits, carries, operation) and the student's current skill
 * exactly, but not the hidden noise, and predicts the expected utility E[sqrt(p (1 - p))] over
 * that noise. A ceiling for text-based teachers in simulation, not a teacher a host can have.
 */
final class TextOraclePredictor implements FixedUtilityPredictor {
  private static final int POINTS = 41;
  private static final double[] Z = new double[POINTS];
  private static final double[] W = new double[POINTS];

  static {
    double total = 0;
    for (int i = 0; i < POINTS; i++) {
      Z[i] = (i - POINTS / 2) / 5.0; // -4 .. 4 standard deviations
      W[i] = Math.exp(-Z[i] * Z[i] / 2);
      total += W[i];
    }
    for (int i = 0; i < POINTS; i++) {
      W[i] /= total;
    }
  }

  private final SimulatedStudent student;
  private final IntToDoubleFunction structuralDifficulty;
  private final double noise;
  private final double slope;

  TextOraclePredictor(SimulatedStudent student, IntToDoubleFunction structuralDifficulty, double noise, double slope) {
    this.student = Objects.requireNonNull(student, "student");
    this.structuralDifficulty = Objects.requireNonNull(structuralDifficulty, "structuralDifficulty");
    this.noise = noise;
    this.slope = slope;
  }

  @Override
  public String name() {
    return "text-oracle";
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    double skill = student.skill();
    for (int j = 0; j < count; j++) {
      double d = structuralDifficulty.applyAsDouble(candidates[j]);
      double u = 0;
      for (int i = 0; i < POINTS; i++) {
        double p = 1 / (1 + Math.exp(-slope * (skill - d - noise * Z[i])));
        u += W[i] * Math.sqrt(p * (1 - p));
      }
      out[j] = Math.min(0.5, u);
    }
  }

}
