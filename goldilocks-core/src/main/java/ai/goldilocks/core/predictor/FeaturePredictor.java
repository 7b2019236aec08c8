package ai.goldilocks.core.predictor;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A pure-Java teacher over {@link TextFeatures}: a one-hidden-layer perceptron that generalises to
 * questions it has never seen, through their text. Two heads are available:
 *
 * <ul>
 *   <li>{@link TeacherTarget#SUCCESS_RATE} (the default): the network predicts the logit of the student's
 *       success rate p, trained by the binomial likelihood of the G outcomes of each group (the
 *       successes and failures, not only their spread); the utility is derived as
 *       sqrt(p (1 - p)). Unlike the utility, p tells a too-easy question from a too-hard one.
 *       For graded rewards (anything but the two ends of the reward range) a second output learns
 *       the ratio of the observed spread to sqrt(p (1 - p)), and the utility is their product.
 *   <li>{@link TeacherTarget#UTILITY}: the paper's head, f(q) = 0.5 sigmoid(w . h + c), regressed on the
 *       observed utility by mean squared error.
 * </ul>
 *
 * <p>Two further refinements, both on by default: <b>recency</b> (an example's weight halves every
 * {@code halfLife} samples, so the teacher follows a student whose skill moves) and
 * <b>per-question memory</b> (with the success-rate head: each question seen in the window gets a
 * random effect u added to its text logit, the posterior mode under a N(0, priorStd^2) prior given
 * its observed outcomes, so a question that recurs is predicted from what it did, not only from
 * what its text suggests; a question never seen gets u = 0).
 *
 * <p>The text it reads: the dense {@link TextFeatures} of a {@link FeatureSet} (default
 * {@link FeatureSet#GENERAL}, for any text; {@link FeatureSet#ARITHMETIC} is opt-in) and, by
 * default, <b>sparse text</b>: a linear part over each question's least frequent words and their
 * crosses with its level, so that a topic word or a rare word gets a weight of its own, and memory
 * shared by questions that state the same numbers (a cluster effect, then a per-question deviation
 * from it), so that a rewording never seen inherits what its cluster did.
 *
 * <p>Training works on a private copy of the weights and publishes the result with one volatile
 * write, so {@link #predict} (any thread) never waits and never sees half-updated weights.
 */
public final class FeaturePredictor implements UtilityPredictor {
  private static final int D = TextFeatures.DIM;
  private static final int STATE_VERSION = 3;
  private static final int BUCKETS = SparseText.BUCKETS;
  private static final int SLOTS = SparseText.SLOTS;
  private static final double SPARSE_DECAY = 0.99;
  private static final double SPARSE_L2 = 1e-4;
  private static final int NEWTON_STEPS = 3;
  private static final double MIN_PRIOR_STD = 0.1;
  private static final double MAX_PRIOR_STD = 4;

  /** Weights and memory published together; never mutated after publication. */
  private record Published(double[] w, float[] sparse, QuestionEffects effects, QuestionEffects clusterEffects,
      boolean graded) {
    /** A question's memory: its own if it was seen, else its cluster's (0 if neither). */
    double effect(SparseText sparse, int q) {
      return sparse == null ? effects.get(q) : effects.get(q, clusterEffects.get(sparse.cluster[q]));
    }
  }

  private final int hidden;
  private final double learningRate;
  private final int batchSize;
  private final TeacherTarget target;
  private final double halfLife;
  private final boolean memory;
  private final double priorPrecision;
  private final FeatureSet features;
  private final boolean sparseText;
  private final Rng rng;
  private volatile Published published;
  // training-thread state
  private final double[] m;
  private final double[] v;
  private long adamStep;
  private final float[] sparseMs; // running mean square of the sparse gradients (empty without sparse text)

  private FeaturePredictor(Builder b) {
    this.hidden = b.hidden;
    this.learningRate = b.learningRate;
    this.batchSize = b.batchSize;
    this.target = b.target;
    this.halfLife = b.halfLife;
    this.memory = b.memory && b.target == TeacherTarget.SUCCESS_RATE;
    this.priorPrecision = Double.isNaN(b.priorStd) ? Double.NaN : 1.0 / (b.priorStd * b.priorStd);
    this.features = b.features;
    this.sparseText = b.sparseText;
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
    this.published = new Published(w, new float[sparseText ? BUCKETS : 0], QuestionEffects.EMPTY, QuestionEffects.EMPTY, false);
    this.m = new double[n];
    this.v = new double[n];
    this.sparseMs = new float[sparseText ? BUCKETS : 0];
  }

  /** W1 (hidden x D), b1 (hidden), w2 (hidden), b2, then the spread head w3 (hidden), b3. */
  private static int paramCount(int hidden) {
    return hidden * D + hidden + hidden + 1 + hidden + 1;
  }

  /**
   * A builder with the defaults: success-rate head, 32 hidden units, learning rate 1e-2, minibatch
   * 32, half-life 1024 samples, per-question memory with an estimated prior, general features with
   * sparse text, seed 0.
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return target == TeacherTarget.UTILITY ? "features-mlp(utility)" : "features-mlp";
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    evaluate(pool, candidates, count, out, false);
  }

  /** The success-rate head's p; NaN for a teacher of the utility alone ({@link TeacherTarget#UTILITY}). */
  @Override
  public void predictSuccessRate(QuestionPool pool, int[] candidates, int count, double[] out) {
    if (target == TeacherTarget.UTILITY) {
      java.util.Arrays.fill(out, 0, count, Double.NaN);
      return;
    }
    evaluate(pool, candidates, count, out, true);
  }

  /** Utilities, or (success-rate head only) success rates, of the candidates. */
  private void evaluate(QuestionPool pool, int[] candidates, int count, double[] out, boolean successRate) {
    byte[] table = TextFeatures.table(pool, features);
    SparseText sparse = sparseText ? SparseText.of(pool) : null;
    Published pub = published;
    double[] x = new double[D];
    double[] h = new double[hidden];
    for (int j = 0; j < count; j++) {
      int q = candidates[j];
      load(table, q, x);
      double z = forward(pub.w, x, h) + (sparse == null ? 0 : sparseSum(pub.sparse, sparse.ids, q * SLOTS));
      if (target == TeacherTarget.UTILITY) {
        out[j] = 0.5 * sigmoid(z);
      } else {
        double p = sigmoid(z + pub.effect(sparse, q));
        if (successRate) {
          out[j] = p;
          continue;
        }
        double u = Math.sqrt(p * (1 - p));
        if (pub.graded) {
          u *= sigmoid(spread(pub.w, h));
        }
        out[j] = Math.min(0.5, u);
      }
    }
  }

  /** The sparse words' and crosses' contribution to a logit: the weights of ids[base .. base + SLOTS). */
  private static double sparseSum(float[] weights, char[] ids, int base) {
    double z = 0;
    for (int s = 0; s < SLOTS; s++) {
      z += weights[ids[base + s]]; // bucket 0 (empty) keeps weight 0
    }
    return z;
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  private static void load(byte[] table, int index, double[] x) {
    int base = index * D;
    for (int k = 0; k < D; k++) {
      x[k] = table[base + k] * (1.0 / 127);
    }
  }

  /** Returns the main output's pre-activation z; fills h with the hidden activations. */
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
    return z;
  }

  /** The spread head's pre-activation, from hidden activations h. */
  private double spread(double[] w, double[] h) {
    int w3 = hidden * D + hidden + hidden + 1;
    double z = w[w3 + hidden];
    for (int i = 0; i < hidden; i++) {
      z += w[w3 + i] * h[i];
    }
    return z;
  }

  @Override
  public void train(QuestionPool pool, TrainingExamples ex, int epochs) {
    Objects.requireNonNull(ex, "examples");
    int count = ex.size();
    if (target == TeacherTarget.SUCCESS_RATE && !ex.hasOutcomes()) {
      throw new IllegalArgumentException("the success-rate head learns from success rates and group sizes, and these "
          + "examples carry utilities only; pass TrainingExamples with outcomes (as samplers do) or build the predictor "
          + "with target(TeacherTarget.UTILITY)");
    }
    if (count == 0) {
      return;
    }
    for (int i = 0; i < count; i++) {
      if (ex.question(i) >= pool.size()) {
        throw new IllegalArgumentException("example " + i + ": question index " + ex.question(i) + " outside the pool of "
            + pool.size());
      }
    }
    Published pub = published;
    boolean graded = pub.graded;
    if (target == TeacherTarget.SUCCESS_RATE && !graded) {
      for (int i = 0; i < count && !graded; i++) {
        double p = ex.successRate(i);
        graded = Math.abs(ex.utility(i) - Math.sqrt(p * (1 - p))) > 1e-9;
      }
    }
    double[] weight = weights(ex);
    byte[] table = TextFeatures.table(pool, features);
    SparseText sparse = sparseText ? SparseText.of(pool) : null;
    float[] sw = pub.sparse.clone();
    float[] sgrad = new float[sw.length];
    int[] touched = new int[sparse == null ? 0 : batchSize * SLOTS];
    // the window's rows gathered once (the pool's tables are large; every epoch reads them again)
    byte[] rows = new byte[count * D];
    char[] ids = sparse == null ? null : new char[count * SLOTS];
    for (int i = 0; i < count; i++) {
      int q = ex.question(i);
      System.arraycopy(table, q * D, rows, i * D, D);
      if (ids != null) {
        System.arraycopy(sparse.ids, q * SLOTS, ids, i * SLOTS, SLOTS);
      }
    }
    double[] w = pub.w.clone();
    double[] grad = new double[w.length];
    double[] x = new double[D];
    double[] h = new double[hidden];
    int[] order = Rng.identity(count);
    int b1 = hidden * D;
    int w2 = b1 + hidden;
    int w3 = w2 + hidden + 1;
    for (int e = 0; e < epochs; e++) {
      rng.shuffle(order);
      for (int start = 0; start < count; start += batchSize) {
        int end = Math.min(count, start + batchSize);
        Arrays.fill(grad, 0);
        int nTouched = 0;
        for (int s = start; s < end; s++) {
          int i = order[s];
          load(rows, i, x);
          double z = forward(w, x, h) + (ids == null ? 0 : sparseSum(sw, ids, i * SLOTS));
          double dz;
          double ds = 0;
          if (target == TeacherTarget.UTILITY) {
            // d/dz of (f - y)^2 with f = 0.5 sigmoid(z): 2 (f - y) f (1 - 2f)
            double f = 0.5 * sigmoid(z);
            dz = 2 * (f - ex.utility(i)) * f * (1 - 2 * f);
          } else {
            // d/dz of the binomial negative log-likelihood per rollout: p - p_hat
            dz = sigmoid(z) - ex.successRate(i);
            double ph = ex.successRate(i);
            if (graded && ph > 0 && ph < 1) {
              double ratio = Math.min(1, ex.utility(i) / Math.sqrt(ph * (1 - ph)));
              double r = sigmoid(spread(w, h));
              ds = 2 * (r - ratio) * r * (1 - r);
            }
          }
          double scale = weight[i] / (end - start);
          dz *= scale;
          ds *= scale;
          grad[w2 + hidden] += dz;
          grad[w3 + hidden] += ds;
          if (ids != null) {
            int base = i * SLOTS;
            for (int sl = 0; sl < SLOTS; sl++) {
              int id = ids[base + sl];
              if (id != 0) {
                if (sgrad[id] == 0) {
                  touched[nTouched++] = id;
                }
                sgrad[id] += (float) dz;
                if (sgrad[id] == 0) {
                  sgrad[id] = Float.MIN_VALUE; // still listed as touched
                }
              }
            }
          }
          for (int k = 0; k < hidden; k++) {
            if (h[k] <= 0) {
              continue;
            }
            grad[w2 + k] += dz * h[k];
            grad[w3 + k] += ds * h[k];
            double da = dz * w[w2 + k] + ds * w[w3 + k];
            grad[b1 + k] += da;
            int row = k * D;
            for (int c = 0; c < D; c++) {
              grad[row + c] += da * x[c];
            }
          }
        }
        adam(w, grad);
        sparseStep(sw, sgrad, touched, nTouched);
      }
    }
    QuestionEffects[] effects = memory ? effects(ex, weight, rows, ids, sparse, w, sw)
        : new QuestionEffects[] {QuestionEffects.EMPTY, QuestionEffects.EMPTY};
    published = new Published(w, sw, effects[0], effects[1], graded);
  }

  /**
   * Per-example weights: G / mean G (a group of 16 says more than one of 4) times 2^(-age /
   * halfLife), age counted in samples from the newest; normalised to mean 1.
   */
  private double[] weights(TrainingExamples ex) {
    int count = ex.size();
    double[] wt = new double[count];
    double sum = 0;
    for (int i = 0; i < count; i++) {
      double age = count - 1 - i;
      wt[i] = (ex.hasOutcomes() ? ex.groupSize(i) : 1) * (Double.isInfinite(halfLife) ? 1.0 : Math.pow(0.5, age / halfLife));
      sum += wt[i];
    }
    double norm = count / sum;
    for (int i = 0; i < count; i++) {
      wt[i] *= norm;
    }
    return wt;
  }

  /**
   * Posterior modes of the random effects on the logit: with sparse text first one per cluster
   * (questions stating the same numbers), then per question a deviation from its cluster's; without,
   * one per question. Each maximises sum_i wt_i [k_i log p_i + (n_i - k_i) log (1 - p_i)] - u^2
   * priorPrecision / 2 over its examples, p_i = sigmoid(offset_i + u), by a few Newton steps from 0.
   * wt is normalised to weigh the newest group about 1. Returns {question effects (totals),
   * cluster effects}.
   */
  private QuestionEffects[] effects(TrainingExamples ex, double[] weight, byte[] rows, char[] ids, SparseText sparse, double[] w,
      float[] sw) {
    int count = ex.size();
    double[] x = new double[D];
    double[] h = new double[hidden];
    double[] z = new double[count];
    for (int i = 0; i < count; i++) {
      load(rows, i, x);
      z[i] = forward(w, x, h) + (ids == null ? 0 : sparseSum(sw, ids, i * SLOTS));
    }
    double newest = weight[count - 1] / ex.groupSize(count - 1);
    double priorPrecision = this.priorPrecision;
    if (Double.isNaN(priorPrecision)) {
      // empirical Bayes, method of moments: E[(p_hat - p)^2] = p(1-p)/n + (p(1-p))^2 tau^2
      double num = 0;
      double den = 0;
      for (int i = 0; i < count; i++) {
        double p = sigmoid(z[i]);
        double var = p * (1 - p);
        double r = ex.successRate(i) - p;
        num += weight[i] * (r * r - var / ex.groupSize(i));
        den += weight[i] * var * var;
      }
      double tau2 = den > 0 ? num / den : 0;
      tau2 = Math.max(MIN_PRIOR_STD * MIN_PRIOR_STD, Math.min(MAX_PRIOR_STD * MAX_PRIOR_STD, tau2));
      priorPrecision = 1 / tau2;
    }
    QuestionEffects clusters = QuestionEffects.EMPTY;
    double[] offset = z;
    if (sparse != null) {
      int[] cluster = new int[count];
      for (int i = 0; i < count; i++) {
        cluster[i] = sparse.cluster[ex.question(i)];
      }
      clusters = fit(ex, cluster, z, weight, newest, priorPrecision, null, null);
      offset = new double[count];
      for (int i = 0; i < count; i++) {
        offset[i] = z[i] + clusters.get(cluster[i]);
      }
    }
    int[] question = new int[count];
    for (int i = 0; i < count; i++) {
      question[i] = ex.question(i);
    }
    return new QuestionEffects[] {fit(ex, question, offset, weight, newest, priorPrecision, sparse, sparse == null ? null : clusters),
        clusters};
  }

  /**
   * One effect per distinct key over the examples with that key (see {@link #effects}); with
   * {@code base}, keys are questions and each stored value is the effect plus the base effect of
   * the question's cluster.
   */
  private QuestionEffects fit(TrainingExamples ex, int[] key, double[] offset, double[] weight, double newest,
      double priorPrecision, SparseText sparse, QuestionEffects base) {
    int count = key.length;
    long[] keyed = new long[count];
    for (int i = 0; i < count; i++) {
      keyed[i] = ((long) key[i] << 32) | i;
    }
    Arrays.sort(keyed);
    QuestionEffects.Builder out = new QuestionEffects.Builder(count);
    int s = 0;
    while (s < count) {
      int k = (int) (keyed[s] >>> 32);
      int e = s;
      while (e < count && (int) (keyed[e] >>> 32) == k) {
        e++;
      }
      double u = 0;
      for (int step = 0; step < NEWTON_STEPS; step++) {
        double grad = -u * priorPrecision;
        double hess = priorPrecision;
        for (int j = s; j < e; j++) {
          int i = (int) keyed[j];
          double n = ex.groupSize(i);
          double wt = weight[i] / n / newest;
          double p = sigmoid(offset[i] + u);
          grad += wt * n * (ex.successRate(i) - p);
          hess += wt * n * p * (1 - p);
        }
        u += grad / hess;
      }
      out.put(k, (float) (base == null ? u : u + base.get(sparse.cluster[k])));
      s = e;
    }
    return out.build();
  }

  /**
   * One step on the sparse weights a minibatch touched: RMSProp (a running mean square per weight,
   * decay 0.99, kept only for touched weights) with a little L2; clears their gradients.
   */
  private void sparseStep(float[] sw, float[] g, int[] touched, int n) {
    for (int k = 0; k < n; k++) {
      int id = touched[k];
      double gi = g[id];
      double ms = SPARSE_DECAY * sparseMs[id] + (1 - SPARSE_DECAY) * gi * gi;
      sparseMs[id] = (float) ms;
      sw[id] = (float) (sw[id] - learningRate * (gi / (Math.sqrt(ms) + 1e-8) + SPARSE_L2 * sw[id]));
      g[id] = 0;
    }
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
    Published pub = published;
    out.writeInt(STATE_VERSION);
    out.writeInt(hidden);
    out.writeUTF(target.name());
    out.writeUTF(features.name());
    out.writeBoolean(sparseText);
    out.writeBoolean(pub.graded);
    out.writeLong(rng.state());
    out.writeLong(adamStep);
    double[] w = pub.w;
    for (int i = 0; i < w.length; i++) {
      out.writeDouble(w[i]);
      out.writeDouble(m[i]);
      out.writeDouble(v[i]);
    }
    for (int i = 0; i < pub.sparse.length; i++) {
      out.writeFloat(pub.sparse[i]);
      out.writeFloat(sparseMs[i]);
    }
    pub.effects.write(out);
    pub.clusterEffects.write(out);
  }

  @Override
  public void readState(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != STATE_VERSION) {
      throw new IOException("unsupported features-mlp state version " + version + " (this predictor reads " + STATE_VERSION + ")");
    }
    int h = in.readInt();
    if (h != hidden) {
      throw new IOException("features-mlp state has " + h + " hidden units, this predictor has " + hidden);
    }
    String t = in.readUTF();
    if (!t.equals(target.name())) {
      throw new IOException("features-mlp state was trained for target " + t + ", this predictor has " + target);
    }
    String f = in.readUTF();
    boolean sp = in.readBoolean();
    if (!f.equals(features.name()) || sp != sparseText) {
      throw new IOException("features-mlp state was trained on features " + f + (sp ? " with" : " without") + " sparse text, this "
          + "predictor reads " + features + (sparseText ? " with" : " without") + " sparse text");
    }
    boolean graded = in.readBoolean();
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
    float[] sw = new float[sparseMs.length];
    float[] ms = new float[sparseMs.length];
    for (int i = 0; i < sw.length; i++) {
      sw[i] = in.readFloat();
      ms[i] = in.readFloat();
      if (!Float.isFinite(sw[i]) || !(ms[i] >= 0) || !Float.isFinite(ms[i]) || (i == 0 && sw[i] != 0)) {
        throw new IOException("corrupt features-mlp state: sparse weight " + i + " = (" + sw[i] + ", " + ms[i] + ")");
      }
    }
    QuestionEffects effects = QuestionEffects.read(in);
    QuestionEffects clusterEffects = QuestionEffects.read(in);
    rng.setState(rngState);
    System.arraycopy(ms, 0, sparseMs, 0, ms.length);
    adamStep = step;
    System.arraycopy(mm, 0, m, 0, n);
    System.arraycopy(vv, 0, v, 0, n);
    published = new Published(w, sw, effects, clusterEffects, graded);
  }

  @Override
  public String toString() {
    return "FeaturePredictor[target=" + target + ", hidden=" + hidden + ", lr=" + learningRate + ", batch=" + batchSize
        + ", halfLife=" + halfLife + ", memory=" + memory + ", features=" + features + ", sparseText=" + sparseText + "]";
  }

  /** Configures a {@link FeaturePredictor}. */
  public static final class Builder {
    private int hidden = 32;
    private double learningRate = 1e-2;
    private int batchSize = 32;
    private long seed = 0;
    private TeacherTarget target = TeacherTarget.SUCCESS_RATE;
    private double halfLife = 1024;
    private boolean memory = true;
    private double priorStd = Double.NaN;
    private FeatureSet features = FeatureSet.GENERAL;
    private boolean sparseText = true;

    private Builder() {}

    /**
     * The dense text features (default {@link FeatureSet#GENERAL}, for any text);
     * {@link FeatureSet#ARITHMETIC} opts in to digit and column statistics for arithmetic.
     */
    public Builder features(FeatureSet set) {
      this.features = Objects.requireNonNull(set, "set");
      return this;
    }

    /**
     * Sparse text (default on): a linear part over the question's least frequent words and their
     * crosses with its level (hashed to 65,536 weights, 24 bytes per question), and per-question
     * memory shared by questions that state the same numbers (likely one question reworded).
     * Off: the dense features alone and memory per question, as before this option.
     */
    public Builder sparseText(boolean on) {
      this.sparseText = on;
      return this;
    }

    /** Hidden units (default 32). */
    public Builder hidden(int units) {
      checkArgument(units >= 1, "hidden must be >= 1, got %s", units);
      this.hidden = units;
      return this;
    }

    /** Adam learning rate (default 1e-2). */
    public Builder learningRate(double lr) {
      checkArgument(lr > 0 && Double.isFinite(lr), "learningRate must be positive and finite, got %s", lr);
      this.learningRate = lr;
      return this;
    }

    /** Minibatch size (default 32). */
    public Builder batchSize(int size) {
      checkArgument(size >= 1, "batchSize must be >= 1, got %s", size);
      this.batchSize = size;
      return this;
    }

    /** Seed for initial weights and shuffling (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** What the output is trained on (default {@link TeacherTarget#SUCCESS_RATE}). */
    public Builder target(TeacherTarget target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /**
     * Samples after which an example's weight has halved (default 1024);
     * {@code Double.POSITIVE_INFINITY} weighs the whole window equally.
     */
    public Builder halfLife(double samples) {
      checkArgument(samples > 0, "halfLife must be positive (or infinite), got %s", samples);
      this.halfLife = samples;
      return this;
    }

    /** Per-question memory with the success-rate head (default on; ignored by the utility head). */
    public Builder memory(boolean on) {
      this.memory = on;
      return this;
    }

    /**
     * Prior standard deviation of a question's effect on the logit of p. By default (or with
     * {@code Double.NaN}) it is estimated at every update from the window (empirical Bayes: the
     * spread of the observed success rates beyond binomial noise), clamped to [0.1, 4].
     */
    public Builder priorStd(double std) {
      if (!Double.isNaN(std) && (!(std > 0) || !Double.isFinite(std))) {
        throw new IllegalArgumentException("priorStd must be positive and finite (or NaN: estimated), got " + std);
      }
      this.priorStd = std;
      return this;
    }

    /** Builds the predictor. */
    public FeaturePredictor build() {
      return new FeaturePredictor(this);
    }
  }
}
