package ai.goldilocks.core.sampler;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A tiny deterministic learning teacher with a small state (one utility per question), so that
 * sampler-state fixtures stay small and do not depend on the feature teacher's own format.
 */
final class FixtureTeacher implements UtilityPredictor {
  private final double[] table;

  FixtureTeacher(int poolSize) {
    table = new double[poolSize];
    for (int i = 0; i < poolSize; i++) {
      table[i] = 0.1 + (i * 37 % 100) / 400.0;
    }
  }

  @Override
  public String name() {
    return "fixture-table";
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    for (int j = 0; j < count; j++) {
      out[j] = table[candidates[j]];
    }
  }

  @Override
  public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
    for (int e = 0; e < epochs; e++) {
      for (int i = 0; i < examples.size(); i++) {
        int q = examples.question(i);
        table[q] = 0.5 * table[q] + 0.5 * examples.utility(i);
      }
    }
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    out.writeInt(table.length);
    for (double v : table) {
      out.writeDouble(v);
    }
  }

  @Override
  public void readState(DataInput in) throws IOException {
    int n = in.readInt();
    if (n != table.length) {
      throw new IOException("fixture teacher state for " + n + " questions, this one has " + table.length);
    }
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = in.readDouble();
    }
    System.arraycopy(t, 0, table, 0, n);
  }
}
