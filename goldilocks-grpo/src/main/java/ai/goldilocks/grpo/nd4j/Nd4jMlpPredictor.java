package ai.goldilocks.grpo.nd4j;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.core.predictor.TeacherBuilder;
import ai.goldilocks.core.predictor.TeacherTraining;
import ai.goldilocks.core.predictor.TextFeatures;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apiguardian.api.API;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The feature teacher of {@link ai.goldilocks.core.predictor.FeaturePredictor} on ND4J: the same
 * {@link TextFeatures}, a one-hidden-layer ReLU network with the 0.5-sigmoid head, MSE, Adam, but
 * with batched matrix products in ND4J (OpenBLAS). Needs {@code nd4j-native} on the classpath.
 *
 * <p>Weights are published as an immutable snapshot with one volatile write after each update, so
 * {@link #predict} never waits for training.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class Nd4jMlpPredictor implements UtilityPredictor {
  private static final int D = TextFeatures.DIM;
  private static final int STATE_VERSION = 1;

  /** Weights: w1 (H x D), b1 (1 x H), w2 (H x 1), b2 (1 x 1). */
  private record Params(INDArray w1, INDArray b1, INDArray w2, INDArray b2) {
    Params dup() {
      return new Params(w1.dup(), b1.dup(), w2.dup(), b2.dup());
    }

    INDArray[] all() {
      return new INDArray[] {w1, b1, w2, b2};
    }
  }

  private final int hidden;
  private final double learningRate;
  private final int batchSize;
  private final Rng rng;
  private volatile Params published;
  private Params m;
  private Params v;
  private long adamStep;

  private Nd4jMlpPredictor(Builder b) {
    this.hidden = b.hidden;
    this.learningRate = b.training().learningRate();
    this.batchSize = b.training().batchSize();
    this.rng = new Rng(b.training().seed());
    float[] w1 = new float[hidden * D];
    double s1 = Math.sqrt(2.0 / D);
    for (int i = 0; i < w1.length; i++) {
      w1[i] = (float) (rng.nextGaussian() * s1);
    }
    float[] w2 = new float[hidden];
    double s2 = Math.sqrt(1.0 / hidden) * 0.1;
    for (int i = 0; i < hidden; i++) {
      w2[i] = (float) (rng.nextGaussian() * s2);
    }
    this.published = new Params(Nd4j.create(w1, new long[] {hidden, D}, 'c'), Nd4j.zeros(DataType.FLOAT, 1, hidden),
        Nd4j.create(w2, new long[] {hidden, 1}, 'c'), Nd4j.zeros(DataType.FLOAT, 1, 1));
    this.m = zerosLike(published);
    this.v = zerosLike(published);
  }

  private static Params zerosLike(Params p) {
    return new Params(Nd4j.zerosLike(p.w1), Nd4j.zerosLike(p.b1), Nd4j.zerosLike(p.w2), Nd4j.zerosLike(p.b2));
  }

  /**
   * A builder: 32 hidden units and the shared {@link TeacherTraining#defaults()} (learning rate
   * 1e-2, minibatch 32, seed 0); this teacher weighs the window equally, so it ignores the
   * half-life.
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "nd4j-mlp";
  }

  private static INDArray features(byte[] table, int[] idx, int from, int count) {
    float[] x = new float[count * D];
    for (int j = 0; j < count; j++) {
      int base = idx[from + j] * D;
      for (int k = 0; k < D; k++) {
        x[j * D + k] = table[base + k] / 127f;
      }
    }
    return Nd4j.create(x, new long[] {count, D}, 'c');
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    if (count == 0) {
      return;
    }
    Params p = published;
    INDArray x = features(TextFeatures.table(pool), candidates, 0, count);
    INDArray a = x.mmul(p.w1.transpose()).addiRowVector(p.b1);
    INDArray z = Transforms.relu(a, false).mmul(p.w2).addi(p.b2.getDouble(0));
    INDArray f = Transforms.sigmoid(z, false).muli(0.5);
    for (int j = 0; j < count; j++) {
      out[j] = Math.min(0.5, Math.max(0.0, f.getDouble(j, 0)));
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>All or nothing: the update works on copies of the weights, Adam's moments and step and the
   * random stream, and keeps them only at a normal end with finite weights (otherwise
   * {@link IllegalStateException}); a train that throws leaves the predictor as it was.
   */
  @Override
  public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
    int[] questions = examples.questions();
    double[] targets = examples.utilities();
    int count = examples.size();
    if (count == 0) {
      return;
    }
    for (int i = 0; i < count; i++) {
      if (!(targets[i] >= 0 && targets[i] <= 0.5)) {
        throw new IllegalArgumentException("target[" + i + "] = " + targets[i] + " is outside [0, 0.5]");
      }
    }
    byte[] table = TextFeatures.table(pool);
    Params w = published.dup();
    Adam adam = new Adam(m.dup(), v.dup(), adamStep);
    Rng rng = new Rng(this.rng.state());
    int[] order = Rng.identity(count);
    int[] idx = new int[batchSize];
    float[] yb = new float[batchSize];
    for (int e = 0; e < epochs; e++) {
      rng.shuffle(order);
      for (int start = 0; start < count; start += batchSize) {
        int n = Math.min(batchSize, count - start);
        for (int j = 0; j < n; j++) {
          idx[j] = questions[order[start + j]];
          yb[j] = (float) targets[order[start + j]];
        }
        INDArray x = features(table, idx, 0, n);
        INDArray y = Nd4j.create(java.util.Arrays.copyOf(yb, n), new long[] {n, 1}, 'c');
        INDArray a = x.mmul(w.w1.transpose()).addiRowVector(w.b1);
        INDArray h = Transforms.relu(a, true);
        INDArray z = h.mmul(w.w2).addi(w.b2.getDouble(0));
        INDArray f = Transforms.sigmoid(z, true).muli(0.5);
        // dL/dz = 2 (f - y) f (1 - 2 f) / n
        INDArray dz = f.sub(y).muli(2.0 / n).muli(f).muli(f.mul(-2).addi(1));
        INDArray gw2 = h.transpose().mmul(dz);
        INDArray gb2 = dz.sum(0).reshape(1, 1);
        INDArray dh = dz.mmul(w.w2.transpose());
        INDArray da = dh.muli(a.gt(0).castTo(DataType.FLOAT));
        INDArray gw1 = da.transpose().mmul(x);
        INDArray gb1 = da.sum(0).reshape(1, hidden);
        adam(w, new INDArray[] {gw1, gb1, gw2, gb2}, adam);
      }
    }
    for (INDArray a : w.all()) {
      for (float f : a.dup('c').data().asFloat()) {
        if (!Float.isFinite(f)) {
          throw new IllegalStateException("the nd4j-mlp update diverged (a weight became " + f + "); the predictor keeps "
              + "its state from before this train");
        }
      }
    }
    m = adam.m;
    v = adam.v;
    adamStep = adam.step;
    this.rng.setState(rng.state());
    published = w;
  }

  /** Adam's moments and step count for one train (copies, kept only if the train ends normally). */
  private static final class Adam {
    final Params m;
    final Params v;
    long step;

    Adam(Params m, Params v, long step) {
      this.m = m;
      this.v = v;
      this.step = step;
    }
  }

  private void adam(Params w, INDArray[] grads, Adam adam) {
    long adamStep = ++adam.step;
    double b1 = 0.9;
    double b2 = 0.999;
    double c1 = 1 - Math.pow(b1, adamStep);
    double c2 = 1 - Math.pow(b2, adamStep);
    INDArray[] ws = w.all();
    INDArray[] ms = adam.m.all();
    INDArray[] vs = adam.v.all();
    for (int i = 0; i < ws.length; i++) {
      ms[i].muli(b1).addi(grads[i].mul(1 - b1));
      vs[i].muli(b2).addi(grads[i].mul(grads[i]).muli(1 - b2));
      INDArray step = ms[i].div(c1).divi(Transforms.sqrt(vs[i].div(c2), false).addi(1e-8)).muli(learningRate);
      ws[i].subi(step);
    }
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    write(out, rng.state(), adamStep, published, m, v);
  }

  /**
   * {@inheritDoc}
   *
   * <p>References to the published weights and moments, which a train replaces and never changes:
   * nothing is copied.
   */
  @Override
  public StateSnapshot stateSnapshot() {
    long rngState = rng.state();
    long step = adamStep;
    Params w = published;
    Params m1 = m;
    Params v1 = v;
    return out -> write(out, rngState, step, w, m1, v1);
  }

  private void write(DataOutput out, long rngState, long step, Params w, Params m1, Params v1) throws IOException {
    out.writeInt(STATE_VERSION);
    out.writeInt(hidden);
    out.writeLong(rngState);
    out.writeLong(step);
    for (Params p : new Params[] {w, m1, v1}) {
      for (INDArray a : p.all()) {
        for (float f : a.dup('c').data().asFloat()) {
          out.writeFloat(f);
        }
      }
    }
  }

  @Override
  public void readState(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != STATE_VERSION) {
      throw new IOException("unsupported nd4j-mlp state version " + version);
    }
    int h = in.readInt();
    if (h != hidden) {
      throw new IOException("nd4j-mlp state has " + h + " hidden units, this predictor has " + hidden);
    }
    long rngState = in.readLong();
    long step = in.readLong();
    Params[] read = new Params[3];
    for (int k = 0; k < 3; k++) {
      read[k] = new Params(readArray(in, hidden, D), readArray(in, 1, hidden), readArray(in, hidden, 1), readArray(in, 1, 1));
    }
    rng.setState(rngState);
    adamStep = step;
    m = read[1];
    v = read[2];
    published = read[0];
  }

  private static INDArray readArray(DataInput in, int rows, int cols) throws IOException {
    float[] f = new float[rows * cols];
    for (int i = 0; i < f.length; i++) {
      f[i] = in.readFloat();
      if (!Float.isFinite(f[i])) {
        throw new IOException("corrupt nd4j-mlp state: non-finite value " + f[i]);
      }
    }
    return Nd4j.create(f, new long[] {rows, cols}, 'c');
  }

  /** Configures an {@link Nd4jMlpPredictor}: the shared {@link TeacherBuilder} knobs and the hidden units. */
  public static final class Builder extends TeacherBuilder<Builder> {
    private int hidden = 32;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /** Hidden units (default 32). */
    public Builder hidden(int units) {
      checkArgument(units >= 1, "hidden must be >= 1, got %s", units);
      this.hidden = units;
      return this;
    }

    /** Builds the predictor (starts ND4J if it is not running). */
    public Nd4jMlpPredictor build() {
      return new Nd4jMlpPredictor(this);
    }
  }
}
