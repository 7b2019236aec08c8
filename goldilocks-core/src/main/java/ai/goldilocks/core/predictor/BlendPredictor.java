package ai.goldilocks.core.predictor;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Blends a generalising predictor with a {@link TrackerPredictor}: for a question seen n times in
 * the window the prediction is (n tracker + c general) / (n + c); unseen questions get the general
 * prediction alone. {@code c} (the general model's weight in pseudo-observations) defaults to 2.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class BlendPredictor implements UtilityPredictor {
  private final UtilityPredictor general;
  private final TrackerPredictor tracker = new TrackerPredictor();
  private final double generalWeight;

  /** Blends {@code general} with a tracker, the general model counting as {@code generalWeight} observations. */
  public BlendPredictor(UtilityPredictor general, double generalWeight) {
    this.general = Objects.requireNonNull(general, "general");
    if (!(generalWeight > 0) || !Double.isFinite(generalWeight)) {
      throw new IllegalArgumentException("generalWeight must be positive and finite, got " + generalWeight);
    }
    this.generalWeight = generalWeight;
  }

  /** Blends {@code general} with a tracker, general weight 2. */
  public BlendPredictor(UtilityPredictor general) {
    this(general, 2.0);
  }

  @Override
  public String name() {
    return "blend(" + general.name() + ",tracker)";
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    general.predict(pool, candidates, count, out);
    double[] t = new double[count];
    tracker.predict(pool, candidates, count, t);
    for (int j = 0; j < count; j++) {
      int n = tracker.observations(candidates[j]);
      if (n > 0) {
        out[j] = (n * t[j] + generalWeight * out[j]) / (n + generalWeight);
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>All or nothing when the general model's train is (as every teacher of this project's):
   * the tracker's window is checked and built first, then the general model trains, then the
   * window replaces the tracker's; a refusal of either leaves both as they were.
   */
  @Override
  public void train(QuestionPool pool, int[] questions, double[] targets, int count, int epochs) {
    TrackerPredictor.Snapshot window = tracker.fit(pool, TrainingExamples.ofUtilities(questions, targets, count));
    general.train(pool, questions, targets, count, epochs);
    tracker.publish(window);
  }

  /** {@inheritDoc} All or nothing, as the other {@code train}. */
  @Override
  public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
    TrackerPredictor.Snapshot window = tracker.fit(pool, examples);
    general.train(pool, examples, epochs);
    tracker.publish(window);
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    writeBlob(out, general);
    writeBlob(out, tracker);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The parts' own snapshots (a reference for this project's feature teacher and the
   * tracker), encoded only when written.
   */
  @Override
  public StateSnapshot stateSnapshot() throws IOException {
    StateSnapshot g = general.stateSnapshot();
    StateSnapshot t = tracker.stateSnapshot();
    return out -> {
      writeBlob(out, g);
      writeBlob(out, t);
    };
  }

  @Override
  public void readState(DataInput in) throws IOException {
    byte[] g = readBlob(in);
    byte[] t = readBlob(in);
    // validate the tracker on a scratch copy so a failure leaves both parts unchanged
    new TrackerPredictor().readState(stream(t));
    general.readState(stream(g));
    tracker.readState(stream(t));
  }

  private static void writeBlob(DataOutput out, UtilityPredictor p) throws IOException {
    writeBlob(out, p::writeState);
  }

  private static void writeBlob(DataOutput out, StateSnapshot p) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    p.writeTo(data);
    data.flush();
    out.writeInt(bytes.size());
    out.write(bytes.toByteArray());
  }

  private static byte[] readBlob(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > (1 << 30)) {
      throw new IOException("corrupt blend state: block of " + n + " bytes");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static DataInputStream stream(byte[] b) {
    return new DataInputStream(new ByteArrayInputStream(b));
  }
}
