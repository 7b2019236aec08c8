package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a teacher to count its updates and their total duration, for {@code /metrics}; every other
 * call, {@link #close} included (a DJL teacher's native memory), goes to the teacher unchanged.
 */
final class TimedPredictor implements UtilityPredictor {
  private final UtilityPredictor delegate;
  final AtomicLong updates = new AtomicLong();
  final AtomicLong nanos = new AtomicLong();

  TimedPredictor(UtilityPredictor delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    delegate.predict(pool, candidates, count, out);
  }

  @Override
  public void predictSuccessRate(QuestionPool pool, int[] candidates, int count, double[] out) {
    delegate.predictSuccessRate(pool, candidates, count, out);
  }

  @Override
  public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
    long t = System.nanoTime();
    delegate.train(pool, examples, epochs);
    nanos.addAndGet(System.nanoTime() - t);
    updates.incrementAndGet();
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    delegate.writeState(out);
  }

  /** The teacher's own snapshot (the feature teacher's costs nothing; the default would copy the state). */
  @Override
  public StateSnapshot stateSnapshot() throws IOException {
    return delegate.stateSnapshot();
  }

  @Override
  public void readState(DataInput in) throws IOException {
    delegate.readState(in);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
