package ai.goldilocks.grpo.sim;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.FixedUtilityPredictor;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A "teacher" that knows the simulated student's true utility of every question: used with
 * epsilon 0 it makes the Goldilocks sampler the oracle, the upper bound of best-of-K selection.
 * Only possible in simulation. Stateless: training does nothing.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class OraclePredictor implements FixedUtilityPredictor {
  private final Student student;

  /** An oracle over {@code student}. */
  public OraclePredictor(Student student) {
    this.student = Objects.requireNonNull(student, "student");
  }

  @Override
  public String name() {
    return "oracle";
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    for (int j = 0; j < count; j++) {
      out[j] = student.utility(candidates[j]);
    }
  }

}
