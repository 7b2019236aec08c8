package ai.goldilocks.core.spi;

import ai.goldilocks.core.QuestionPool;
import java.io.DataInput;
import java.io.DataOutput;
import org.apiguardian.api.API;

/**
 * A teacher whose predictions do not learn from feedback (an oracle that knows the truth, a fixed
 * table, a baseline): it implements {@link #name} and {@link #predict} only. Training does
 * nothing, and its state is empty, so a sampler state holds nothing of it.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public interface FixedUtilityPredictor extends UtilityPredictor {

  /** Ignores the examples: this teacher does not learn. */
  @Override
  default void train(QuestionPool pool, TrainingExamples examples, int epochs) {}

  /** Writes nothing: there is no state. */
  @Override
  default void writeState(DataOutput out) {}

  /** An empty snapshot: there is no state. */
  @Override
  default StateSnapshot stateSnapshot() {
    return out -> {};
  }

  /** Reads nothing: there is no state. */
  @Override
  default void readState(DataInput in) {}
}
