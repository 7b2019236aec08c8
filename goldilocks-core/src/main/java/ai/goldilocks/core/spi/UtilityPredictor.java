package ai.goldilocks.core.spi;

import ai.goldilocks.core.QuestionPool;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apiguardian.api.API;

/**
 * The teacher: predicts, for any question of a {@link QuestionPool} (seen or not), how useful it is
 * to the student now, as the utility sqrt(p (1 - p)) in [0, 0.5] where p is the student's success
 * rate; and learns from labelled feedback.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #predict} returns values in [0, 0.5] and is thread-safe; it may run concurrently
 *       with {@link #train} (implementations train on a private copy and publish new weights
 *       atomically), so selection never waits for training.
 *   <li>{@link #train} is never called concurrently with itself, {@link #writeState},
 *       {@link #stateSnapshot} or {@link #readState}: the owning sampler serialises these calls.
 *       {@link #writeState} and {@link #stateSnapshot} may run concurrently with {@link #predict}
 *       (both only read).
 *   <li>Before an asynchronous update trains, the sampler takes a {@link #stateSnapshot}, so that
 *       saving its state while the update trains writes the teacher as of the last finished update
 *       and never waits for training.
 *   <li>Determinism: the same seed, the same calls in the same order give the same predictions.
 *   <li>{@link #readState} restores exactly what {@link #writeState} wrote; on malformed input it
 *       throws and leaves the predictor unchanged.
 *   <li>The sampler that uses a teacher owns it and {@link #close closes} it; a teacher holding
 *       native memory or threads frees them there. {@code close} is idempotent.
 * </ul>
 *
 * <p>A teacher that does not learn (an oracle, a fixed table) implements
 * {@link FixedUtilityPredictor} and writes only {@link #name} and {@link #predict}.
 */
@API(status = API.Status.STABLE, since = "0.1.0")
public interface UtilityPredictor extends AutoCloseable {

  /** A short name for logs and metrics. */
  String name();

  /**
   * Scores candidates: {@code out[j]} = predicted utility of {@code pool.get(candidates[j])} for
   * {@code j < count}.
   */
  void predict(QuestionPool pool, int[] candidates, int count, double[] out);

  /**
   * Trains on labelled rollout groups, oldest first, for the given number of passes. Samplers pass
   * the utility, success rate and group size of each group; a predictor that needs the outcomes
   * throws {@link IllegalArgumentException} for examples without them
   * ({@link TrainingExamples#hasOutcomes()} false).
   */
  void train(QuestionPool pool, TrainingExamples examples, int epochs);

  /**
   * Trains on utilities alone: question indices into {@code pool} and targets in [0, 0.5], oldest
   * first; the same as {@code train(pool, TrainingExamples.ofUtilities(questions, targets, count),
   * epochs)}.
   */
  default void train(QuestionPool pool, int[] questions, double[] targets, int count, int epochs) {
    train(pool, TrainingExamples.ofUtilities(questions, targets, count), epochs);
  }

  /**
   * Predicted success rates: {@code out[j]} = the student's predicted success rate p in [0, 1] on
   * {@code pool.get(candidates[j])}, for {@code j < count}; NaN where the teacher does not model
   * it. The default fills NaN (a teacher of the utility alone cannot tell p from 1 - p).
   */
  default void predictSuccessRate(QuestionPool pool, int[] candidates, int count, double[] out) {
    java.util.Arrays.fill(out, 0, count, Double.NaN);
  }

  /** Writes the complete state (weights, optimizer moments, RNG). */
  void writeState(DataOutput out) throws IOException;

  /**
   * The state as {@link #writeState} would write it now, frozen: the snapshot writes exactly those
   * bytes later, also while {@link #train} runs on another thread. The default writes the state into
   * a byte array now (a copy as large as the state, taken before each asynchronous update); a
   * teacher that publishes immutable state returns a reference to it instead (as
   * {@code FeaturePredictor} does).
   */
  default StateSnapshot stateSnapshot() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    writeState(data);
    data.flush();
    byte[] state = bytes.toByteArray();
    return out -> out.write(state);
  }

  /** A teacher's state frozen at one moment ({@link #stateSnapshot}), written later. */
  @FunctionalInterface
  interface StateSnapshot {
    /** Writes the frozen state, in {@link #writeState}'s form. */
    void writeTo(DataOutput out) throws IOException;
  }

  /** Restores a state written by {@link #writeState}; all-or-nothing. */
  void readState(DataInput in) throws IOException;

  /** Frees what the teacher holds (native memory, threads); idempotent. The default does nothing. */
  @Override
  default void close() {}
}
