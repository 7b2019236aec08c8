package ai.goldilocks.core.predictor;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Rng;
import ai.goldilocks.core.UtilityPredictor;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A pure-Java teacher over {@link TextFeatures}: a one-hidden-layer perceptron with the paper's
 * head, f(q) = 0.5 sigmoid(w . relu(W x + b) + c), trained by mean squared error with Adam.
 * It generalises to questions it has never seen, through their text.
 *
 * <p>Training works on a private copy of the weights and publishes the result with one volatile
 * write, so {@link #predict} (any thread) never waits and never sees half-updated weights.
 */
public final class FeaturePredictor implements UtilityPredictor {
  private static final int D = TextFeatures.DIM;
  private static final int STATE_VERSION = 1;

  private final int hidden;
  private final double learningRate;
  private final int batchSize;
  private final Rng rng;
  private volatile double[] published; // W1 (hidden*D), b1 (hidden), w2 (hidden), b2
  // training-thread state
  private final double[] m;
  private final double[] v;
  private long adamStep;

  private FeaturePredictor(Builder b) {
    this.hidden = b.hidden;
    this.learningRate = b.learningRate;
    this.batchSize = b.batchSize;
    this.rng = new Rng(b.seed);
    int n = paramCount(hidden);
    double[] w = new double[n];
    double scale = Math.sqrt(2.0 / D);
    for (int i = 0; i < hidden * D; i++) {
      w[i] = rng.nextGaussian() * scale;
    }
    double scale2 = Math.sqrt(1.0 / hidden);
    for (int i = 0; i < hidden; i++) {
      w[hidden * D + hidden + i] = rng.nextGaussian() * scale2 * 0.1;
    }
    this.published = w;
    this.m = new double[n];
    this.v = new double[n];
  }

  private static int paramCount(int hidden) {
    return hidden * D + hidden + hidden + 1;
  }

  /** A builder with the defaults: 32 hidden units, learning rate 3e-3, minibatch 32, seed 0. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "features-mlp";
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    byte[] table = TextFeatures.table(pool);
    double[] w = published;
    double[] x = new double[D];
    double[] h = new double[hidden];
    for (int j = 0; j < count; j++) {
      load(table, candidates[j], x);
      out[j] = forward(w, x, h);
    }
  }

  private static void load(byte[] table, int index, double[] x) {
    int base = index * D;
    for (int k = 0; k < D; k++) {
      x[k] = table[base + k] * (1.0 / 127);
    }
  }

  /** Returns 0.5 sigmoid(z); fills h with the hidden activations. */
  private double forward(double[] w, double[] x, double[] h) {
    int b1 = hidden * D;
    int w2 = b1 + hidden;
    double z = w[w2 + hidden];
    for (int i = 0; i < hidden; i++) {
      double a = w[b1 + i];
      int row = i * D;
      for (int k = 0; k < D; k++) {
        a += w[row + k] * x[k];
      }
      a = a > 0 ? a : 0;
      h[i] = a;
      z += w[w2 + i] * a;
    }
    return 0.5 / (1 + Math.exp(-z));
  }

  @Override
  public void train(QuestionPool pool, int[] questions, double[] targets, int count, int epochs) {
    if (count == 0) {
      return;
    }
    for (int i = 0; i < count; i++) {
      if (!(targets[i] >= 0 && targets[i] <= 0.5)) {
        throw new IllegalArgumentException("target[" + i + "] = " + targets[i] + " is outside [0, 0.5]");
      }
    }
    byte[] table = TextFeatures.table(pool);
    double[] w = published.clone();
    double[] g = new double[w.length];
    double[] x = new double[D];
    double[] h = new double[hidden];
    int[] order = Rng.identity(count);
    int b1 = hidden * D;
    int w2 = b1 + hidden;
    for (int e = 0; e < epochs; e++) {
      rng.shuffle(order);
      for (int start = 0; start < count; start += batchSize) {
        int end = Math.min(count, start + batchSize);
        java.util.Arrays.fill(g, 0);
        for (int s = start; s < end; s++) {
          int ex = order[s];
          load(table, questions[ex], x);
          double f = forward(w, x, h);
          // d/dz of (f - y)^2 / n with f = 0.5 sigmoid(z): 2 (f - y) f (1 - 2f) / n
          double dz = 2 * (f - targets[ex]) * f * (1 - 2 * f) / (end - start);
          g[w2 + hidden] += dz;
          for (int i = 0; i < hidden; i++) {
            if (h[i] <= 0) {
              continue;
            }
            g[w2 + i] += dz * h[i];
            double da = dz * w[w2 + i];
            g[b1 + i] += da;
            int row = i * D;
            for (int k = 0; k < D; k++) {
              g[row + k] += da * x[k];
            }
          }
        }
        adam(w, g);
      }
    }
    published = w;
  }

  private void adam(double[] w, double[] g) {
    adamStep++;
    double b1 = 0.9;
    double b2 = 0.999;
    double c1 = 1 - Math.pow(b1, adamStep);
    double c2 = 1 - Math.pow(b2, adamStep);
    for (int i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= learningRate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
    }
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    out.writeInt(STATE_VERSION);
    out.writeInt(hidden);
    out.writeLong(rng.state());
    out.writeLong(adamStep);
    double[] w = published;
    for (int i = 0; i < w.length; i++) {
      out.writeDouble(w[i]);
      out.writeDouble(m[i]);
      out.writeDouble(v[i]);
    }
  }

  @Override
  public void readState(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != STATE_VERSION) {
      throw new IOException("unsupported features-mlp state version " + version);
    }
    int h = in.readInt();
    if (h != hidden) {
      throw new IOException("features-mlp state has " + h + " hidden units, this predictor has " + hidden);
    }
    long rngState = in.readLong();
    long step = in.readLong();
    int n = paramCount(hidden);
    double[] w = new double[n];
    double[] mm = new double[n];
    double[] vv = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = in.readDouble();
      mm[i] = in.readDouble();
      vv[i] = in.readDouble();
      if (!Double.isFinite(w[i]) || !Double.isFinite(mm[i]) || !(vv[i] >= 0) || !Double.isFinite(vv[i])) {
        throw new IOException("corrupt features-mlp state: parameter " + i + " = (" + w[i] + ", " + mm[i] + ", " + vv[i] + ")");
      }
    }
    rng.setState(rngState);
    adamStep = step;
    System.arraycopy(mm, 0, m, 0, n);
    System.arraycopy(vv, 0, v, 0, n);
    published = w;
  }

  /** Configures a {@link FeaturePredictor}. */
  public static final class Builder {
    private int hidden = 32;
    private double learningRate = 3e-3;
    private int batchSize = 32;
    private long seed = 0;

    private Builder() {}

    /** Hidden units (default 32). */
    public Builder hidden(int units) {
      if (units < 1) {
        throw new IllegalArgumentException("hidden must be >= 1, got " + units);
      }
      this.hidden = units;
      return this;
    }

    /** Adam learning rate (default 3e-3). */
    public Builder learningRate(double lr) {
      if (!(lr > 0) || !Double.isFinite(lr)) {
        throw new IllegalArgumentException("learningRate must be positive and finite, got " + lr);
      }
      this.learningRate = lr;
      return this;
    }

    /** Minibatch size (default 32). */
    public Builder batchSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got " + size);
      }
      this.batchSize = size;
      return this;
    }

    /** Seed for initial weights and shuffling (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Builds the predictor. */
    public FeaturePredictor build() {
      return new FeaturePredictor(this);
    }
  }
}
