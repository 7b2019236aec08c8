package ai.goldilocks.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Hands out the questions a GRPO host trains on, and learns from the rewards it gets back.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Thread safety:</b> {@link #next} and {@link #feedback} may be called from many threads.
 *   <li><b>Batches:</b> {@link #next} never returns the same question twice in one batch.
 *   <li><b>Feedback rules:</b> feedback for an id that is not in the pool throws
 *       {@link IllegalArgumentException} and changes nothing; feedback for a question with no
 *       outstanding hand-out returns {@link FeedbackStatus#IGNORED_DUPLICATE}, or
 *       {@link FeedbackStatus#IGNORED_NOT_HANDED_OUT} when the sampler never handed it out; feedback whose
 *       policy version lags the newest one seen by more than the configured lag returns
 *       {@link FeedbackStatus#IGNORED_STALE}. Ignored feedback is counted, never learned from.
 *   <li><b>Determinism:</b> the same seed and the same sequence of calls give the same choices
 *       (learning samplers: in synchronous update mode).
 *   <li><b>State:</b> {@link #saveState} writes everything (predictor weights, buffers, posterior,
 *       RNG, counters, outstanding hand-outs) in a versioned, checksummed format; a sampler built
 *       with the same configuration and pool that {@link #restoreState restores} it makes exactly
 *       the same choices as one that never stopped; a state saved with other settings (another
 *       K, window, seed, ...) is refused, naming each differing field. With asynchronous teacher
 *       updates a save does not wait for training: it holds the teacher as of its last finished
 *       update, the samples since and the update due, which a restore schedules again. Readers
 *       also read previous format versions. Corrupt input throws {@link IOException} naming the problem and
 *       leaves the sampler unchanged.
 * </ul>
 */
@API(status = API.Status.STABLE, since = "0.1.0")
public interface Sampler extends AutoCloseable {

  /** The pool this sampler draws from. */
  QuestionPool pool();

  /**
   * The next {@code batchSize} questions to roll out, distinct within the batch.
   *
   * @throws IllegalArgumentException if {@code batchSize} is not in [1, pool size]
   * @throws IllegalStateException after {@link #close}
   */
  List<Selection> next(int batchSize);

  /**
   * Reports the rewards of one rolled-out question.
   *
   * @throws IllegalArgumentException if the question id is not in the pool, or the rewards lie
   *     outside the sampler's declared reward range; the sampler is then unchanged
   * @throws IllegalStateException after {@link #close}, counting nothing
   */
  FeedbackStatus feedback(RolloutFeedback feedback);

  /** A snapshot of the counters. */
  SamplerMetrics metrics();

  /**
   * Marks questions as handed out without drawing them, exactly as if {@link #next} had returned
   * them, so that their feedback is then expected: what a host needs that restores an older state
   * and replays a journal of the hand-outs made since (the teacher service does). All-or-nothing:
   * an id not in the pool throws {@link IllegalArgumentException} and nothing is marked.
   *
   * <p>The default throws {@link UnsupportedOperationException} naming the sampler's class; the
   * samplers of {@code ai.goldilocks.core.sampler} implement it.
   *
   * @throws UnsupportedOperationException if this sampler cannot replay hand-outs
   */
  default void markHandedOut(List<String> ids) {
    throw new UnsupportedOperationException(getClass().getName() + " cannot mark questions as handed out (it does not "
        + "implement Sampler.markHandedOut), so it cannot replay a journal of hand-outs");
  }

  /** Writes the complete state. */
  void saveState(OutputStream out) throws IOException;

  /** Restores a state written by {@link #saveState} of a sampler of the same kind and pool. */
  void restoreState(InputStream in) throws IOException;

  /**
   * Releases background threads and the teacher, if any; afterwards {@link #next} and
   * {@link #feedback} throw {@link IllegalStateException}. The default does nothing.
   */
  @Override
  default void close() {}
}
