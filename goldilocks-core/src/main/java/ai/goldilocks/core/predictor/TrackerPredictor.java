package ai.goldilocks.core.predictor;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * A per-question tracker: a question's predicted utility is the mean of its targets in the latest
 * training window; a question absent from the window gets the window's overall mean. It cannot
 * tell unseen questions apart: a baseline, and a component of {@link BlendPredictor}.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class TrackerPredictor implements UtilityPredictor {
  private static final int STATE_VERSION = 1;

  /** One window's means, immutable once published. */
  record Snapshot(Map<Integer, double[]> perQuestion, double globalMean) {}

  private volatile Snapshot snapshot = new Snapshot(Map.of(), 0.25);

  /** A tracker with prior 0.25 for every question. */
  public TrackerPredictor() {}

  @Override
  public String name() {
    return "tracker";
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    Snapshot s = snapshot;
    for (int j = 0; j < count; j++) {
      double[] e = s.perQuestion.get(candidates[j]);
      out[j] = e == null ? s.globalMean : e[0] / e[1];
    }
  }

  /** Number of window samples of question {@code index} (0 if unseen). */
  public int observations(int index) {
    double[] e = snapshot.perQuestion.get(index);
    return e == null ? 0 : (int) e[1];
  }

  /**
   * {@inheritDoc}
   *
   * <p>All or nothing: the new window is checked and built aside and replaces the old one in one
   * step. A question index outside {@code pool} is refused ({@link IllegalArgumentException}).
   */
  @Override
  public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
    Snapshot s = fit(pool, examples);
    if (s != null) {
      snapshot = s;
    }
  }

  /**
   * The window {@code examples} make, built aside (null for no examples: the old one stays); what
   * {@link #train} publishes. {@link BlendPredictor} fits its tracker before training its general
   * model, so that a refusal here changes neither.
   */
  Snapshot fit(QuestionPool pool, TrainingExamples examples) {
    int[] questions = examples.questions();
    double[] targets = examples.utilities();
    int count = examples.size();
    if (count == 0) {
      return null;
    }
    Map<Integer, double[]> map = new HashMap<>();
    double sum = 0;
    for (int i = 0; i < count; i++) {
      if (questions[i] >= pool.size()) {
        throw new IllegalArgumentException("example " + i + ": question index " + questions[i] + " outside the pool of "
            + pool.size());
      }
      if (!(targets[i] >= 0 && targets[i] <= 0.5)) {
        throw new IllegalArgumentException("target[" + i + "] = " + targets[i] + " is outside [0, 0.5]");
      }
      double[] e = map.computeIfAbsent(questions[i], k -> new double[2]);
      e[0] += targets[i];
      e[1] += 1;
      sum += targets[i];
    }
    return new Snapshot(map, sum / count);
  }

  /** Makes a window built by {@link #fit} the tracker's (null: no change). */
  void publish(Snapshot s) {
    if (s != null) {
      snapshot = s;
    }
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    write(out, snapshot);
  }

  /** The published window itself: nothing is copied, and a train never changes it. */
  @Override
  public StateSnapshot stateSnapshot() {
    Snapshot s = snapshot;
    return out -> write(out, s);
  }

  private static void write(DataOutput out, Snapshot s) throws IOException {
    out.writeInt(STATE_VERSION);
    out.writeDouble(s.globalMean);
    int[] keys = s.perQuestion.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    out.writeInt(keys.length);
    for (int k : keys) {
      double[] e = s.perQuestion.get(k);
      out.writeInt(k);
      out.writeDouble(e[0]);
      out.writeDouble(e[1]);
    }
  }

  @Override
  public void readState(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != STATE_VERSION) {
      throw new IOException("unsupported tracker state version " + version);
    }
    double mean = in.readDouble();
    if (!(mean >= 0 && mean <= 0.5)) {
      throw new IOException("corrupt tracker state: mean " + mean);
    }
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("corrupt tracker state: " + n + " entries");
    }
    Map<Integer, double[]> map = new HashMap<>();
    for (int i = 0; i < n; i++) {
      int k = in.readInt();
      double s = in.readDouble();
      double c = in.readDouble();
      if (k < 0 || !(c >= 1) || !(s >= 0 && s <= 0.5 * c)) {
        throw new IOException("corrupt tracker state: entry (" + k + ", " + s + ", " + c + ")");
      }
      map.put(k, new double[] {s, c});
    }
    snapshot = new Snapshot(map, mean);
  }
}
