package ai.goldilocks.core.predictor;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apiguardian.api.API;

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
 * <p>Three further refinements, all on by default: <b>recency</b> (an example's weight halves every
 * {@code halfLife} samples, so the teacher follows a student whose skill moves), the <b>recent
 * offset</b> (one logit offset for all questions fitted to the newest outcomes, so the predictions
 * are of the student as it is now rather than as it was on average over the window) and
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
 * from it), so that a rewording never seen inherits what its cluster did; and <b>digit pairs</b>
 * ({@link Builder#digitPairs}), the digits that stand in the same place in the question's two
 * longest numbers, with a weight each, so that the teacher can learn where an addition carries
 * without being told what carrying is.
 *
 * <p>Training works on a private copy of the weights and publishes the result with one volatile
 * write, so {@link #predict} (any thread) never waits and never sees half-updated weights.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class FeaturePredictor implements UtilityPredictor {
  private static final int D = TextFeatures.DIM;
  private static final int STATE_VERSION = 5;
  private static final int SLOTS = SparseText.SLOTS;
  private static final int PAIRS = SparseText.PAIRS;
  /** Prior precision of the recent offset: N(0, 1) on the logit. */
  private static final double RECENT_PRIOR = 1;

  /**
   * Everything a {@link #train} changes, published together: the weights and memory that
   * {@link #predict} reads, and the optimizers' moments and the random stream that the next train
   * continues from. Never mutated after publication (a train works on copies), so a train that
   * fails part-way leaves the predictor exactly as it was, and {@link #writeState} may read it
   * while a train runs.
   */
  private record Published(double[] w, float[] sparse, float[] pairs, QuestionEffects effects,
      QuestionEffects clusterEffects, boolean graded, double now, Adam adam, SparseLinear sparseOpt, SparseLinear pairOpt,
      long rngState) {
  }

  private final Mlp net;
  private final int hidden;
  private final TeacherTraining training;
  private final TeacherTarget target;
  private final boolean memory;
  private final double recentHalfLife;
  private final double priorPrecision;
  private final FeatureSet features;
  private final boolean sparseText;
  private final boolean digitPairs;
  private final int laterEpochsOn;
  private volatile Published published;
  private final ThreadLocal<Scratch> scratch;
  private final AtomicReference<TrainBuffers> spareBuffers = new AtomicReference<>();
  private volatile double[] decay = new double[0];
  /** Tests only: runs after each epoch of {@link #train} with its index (a failure there must change nothing). */
  java.util.function.IntConsumer afterEpoch = e -> {};

  private FeaturePredictor(Builder b) {
    this.hidden = b.hidden;
    this.net = new Mlp(hidden);
    this.training = b.training();
    this.target = b.target;
    this.memory = b.memory && b.target == TeacherTarget.SUCCESS_RATE;
    this.recentHalfLife = b.target == TeacherTarget.SUCCESS_RATE ? b.recentHalfLife : 0;
    this.priorPrecision = Double.isNaN(b.priorStd) ? Double.NaN : 1.0 / (b.priorStd * b.priorStd);
    this.features = b.features;
    this.sparseText = b.sparseText;
    this.digitPairs = b.sparseText && b.digitPairs;
    this.laterEpochsOn = b.laterEpochsOn;
    Rng rng = new Rng(training.seed());
    double[] w = net.init(rng);
    this.published = new Published(w, new float[sparseText ? SparseLinear.BUCKETS : 0],
        digitPairs ? new float[SparseText.PAIR_VALUES] : null, QuestionEffects.EMPTY, QuestionEffects.EMPTY, false, 0,
        new Adam(net.size, training.learningRate()), sparseText ? new SparseLinear(training.learningRate()) : null,
        digitPairs ? new SparseLinear(SparseText.PAIR_VALUES, training.learningRate(), true) : null, rng.state());
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(hidden));
  }

  /**
   * A builder with the defaults: success-rate head, 32 hidden units, the shared
   * {@link TeacherTraining#defaults()} (learning rate 1e-2, minibatch 32, half-life 1024 samples,
   * seed 0), per-question memory with an estimated prior, general features with sparse text.
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

  /**
   * Utilities, or (success-rate head only) success rates, of the candidates: in blocks of
   * {@link Scratch#BLOCK}, first gathering the block's feature rows, sparse ids and clusters (loads
   * from tables far larger than the caches, independent of each other, so the memory system fetches
   * them together instead of one candidate at a time), then the arithmetic, candidate by candidate
   * as before.
   */
  private void evaluate(QuestionPool pool, int[] candidates, int count, double[] out, boolean successRate) {
    Scratch s = scratch.get();
    s.use(pool, features, sparseText);
    byte[] table = s.table;
    SparseText sparse = s.sparse;
    s.release(); // the locals hold them for this call
    Published pub = published;
    double[] x = s.x;
    double[] h = s.h;
    for (int from = 0; from < count; from += Scratch.BLOCK) {
      int n = Math.min(Scratch.BLOCK, count - from);
      for (int j = 0; j < n; j++) {
        int q = candidates[from + j];
        System.arraycopy(table, q * D, s.rows, j * D, D);
        if (sparse != null) {
          System.arraycopy(sparse.ids, q * SLOTS, s.ids, j * SLOTS, SLOTS);
          s.cluster[j] = sparse.cluster[q];
          if (pub.pairs != null) {
            System.arraycopy(sparse.pairs, q * PAIRS, s.pairs, j * PAIRS, PAIRS);
          }
        }
      }
      for (int j = 0; j < n; j++) {
        int q = candidates[from + j];
        Mlp.load(s.rows, j, x);
        double z = net.forward(pub.w, x, h);
        if (sparse != null) {
          z += SparseLinear.sum(pub.sparse, s.ids, j * SLOTS, SLOTS);
          if (pub.pairs != null) {
            z += SparseLinear.sum(pub.pairs, s.pairs, j * PAIRS, PAIRS);
          }
        }
        if (target == TeacherTarget.UTILITY) {
          out[from + j] = 0.5 * MemoryFit.sigmoid(z);
        } else {
          double effect = sparse == null ? pub.effects.get(q) : pub.effects.get(q, pub.clusterEffects.get(s.cluster[j]));
          double p = MemoryFit.sigmoid(z + pub.now + effect);
          if (successRate) {
            out[from + j] = p;
            continue;
          }
          double u = Math.sqrt(p * (1 - p));
          if (pub.graded) {
            u *= MemoryFit.sigmoid(net.spread(pub.w, h));
          }
          out[from + j] = Math.min(0.5, u);
        }
      }
    }
  }

  /**
   * One thread's buffers for {@link #evaluate} (no allocation per call), and the pool whose tables
   * it looked up last (the shared caches are synchronized maps; a pick should not take their lock).
   * The pool and its tables are held weakly: a thread that once predicted must not keep a dropped
   * pool's tables (hundreds of megabytes at millions of questions) alive; the caches hold them
   * while the pool lives.
   */
  private static final class Scratch {
    static final int BLOCK = 16;
    final byte[] rows = new byte[BLOCK * D];
    final char[] ids = new char[BLOCK * SLOTS];
    final char[] pairs = new char[BLOCK * PAIRS];
    final int[] cluster = new int[BLOCK];
    final double[] x = new double[D];
    final double[] h;
    private WeakReference<QuestionPool> pool = new WeakReference<>(null);
    private WeakReference<byte[]> tableRef = new WeakReference<>(null);
    private WeakReference<SparseText> sparseRef = new WeakReference<>(null);
    byte[] table;
    SparseText sparse;

    Scratch(int hidden) {
      this.h = new double[hidden];
    }

    /** Points {@link #table} and {@link #sparse} at p's tables, for the caller to read and {@link #release}. */
    void use(QuestionPool p, FeatureSet set, boolean sparseText) {
      table = tableRef.get();
      sparse = sparseRef.get();
      if (pool.get() != p || table == null || (sparseText && sparse == null)) {
        table = TextFeatures.table(p, set);
        sparse = sparseText ? SparseText.of(p) : null;
        pool = new WeakReference<>(p);
        tableRef = new WeakReference<>(table);
        sparseRef = new WeakReference<>(sparse);
      }
    }

    void release() {
      table = null;
      sparse = null;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>All or nothing: the update works on copies of the weights, the optimizers' moments and the
   * random stream, and publishes them together at the end. A train that throws (its weights became
   * non-finite: {@link IllegalStateException}; or anything else) leaves the predictor exactly as it
   * was before the call.
   */
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
    // the window's rows gathered once (the pool's tables are large; every epoch reads them again), into
    // the previous update's buffers when no other update holds them
    TrainBuffers buf = spareBuffers.getAndSet(null);
    if (buf == null) {
      buf = new TrainBuffers(net.size, sparse != null, digitPairs, training.batchSize());
    }
    byte[] rows = buf.rows(count);
    char[] ids = sparse == null ? null : buf.ids(count);
    char[] pairs = digitPairs ? buf.pairs(count) : null;
    for (int i = 0; i < count; i++) {
      int q = ex.question(i);
      System.arraycopy(table, q * D, rows, i * D, D);
      if (ids != null) {
        System.arraycopy(sparse.ids, q * SLOTS, ids, i * SLOTS, SLOTS);
      }
      if (pairs != null) {
        System.arraycopy(sparse.pairs, q * PAIRS, pairs, i * PAIRS, PAIRS);
      }
    }
    double[] w = pub.w.clone();
    float[] sw = pub.sparse.clone();
    float[] pw = pub.pairs == null ? null : pub.pairs.clone();
    Adam adam = pub.adam.copy();
    SparseLinear sparseOpt = pub.sparseOpt == null ? null : pub.sparseOpt.copy();
    SparseLinear pairOpt = pub.pairOpt == null ? null : pub.pairOpt.copy();
    Rng rng = new Rng(pub.rngState);
    int[] order = Rng.identity(count);
    // epochs after the first over the newest laterEpochsOn examples only (all of them when 0)
    int later = laterEpochsOn == 0 ? count : Math.min(count, laterEpochsOn);
    int[] newest = order;
    if (later < count) {
      newest = new int[later];
      for (int j = 0; j < later; j++) {
        newest[j] = count - later + j;
      }
    }
    Parts parts = new Parts(ids, pairs, w, sw, pw, adam, sparseOpt, pairOpt);
    for (int e = 0; e < epochs; e++) {
      int[] o = e == 0 ? order : newest;
      rng.shuffle(o);
      epoch(ex, weight, rows, parts, graded, o, buf);
      afterEpoch.accept(e);
    }
    requireFinite(w, sw, pw);
    double now = 0;
    QuestionEffects[] effects = {QuestionEffects.EMPTY, QuestionEffects.EMPTY};
    boolean recent = recentHalfLife > 0;
    if (memory || recent) {
      double[] z = logits(rows, parts, count);
      if (recent) {
        now = MemoryFit.recentOffset(ex, z, recentHalfLife, RECENT_PRIOR);
        for (int i = 0; i < count; i++) {
          z[i] += now;
        }
      }
      if (memory) {
        effects = MemoryFit.fit(ex, weight, z, sparse, priorPrecision);
      }
    }
    if (!Double.isFinite(now)) {
      throw diverged("recent offset " + now);
    }
    // after the last read of the gathered rows (the logits above): the sparse gradients are all zeros again
    spareBuffers.set(buf);
    published = new Published(w, sw, pw, effects[0], effects[1], graded, now, adam, sparseOpt, pairOpt, rng.state());
  }

  /** Throws, naming the first, if a weight is not finite (a diverged update must not be published). */
  private static void requireFinite(double[] w, float[] sw, float[] pw) {
    for (int i = 0; i < w.length; i++) {
      if (!Double.isFinite(w[i])) {
        throw diverged("weight " + i + " = " + w[i]);
      }
    }
    requireFinite(sw, "sparse weight ");
    if (pw != null) {
      requireFinite(pw, "digit pair weight ");
    }
  }

  private static void requireFinite(float[] weights, String what) {
    for (int i = 0; i < weights.length; i++) {
      if (!Float.isFinite(weights[i])) {
        throw diverged(what + i + " = " + weights[i]);
      }
    }
  }

  private static IllegalStateException diverged(String what) {
    return new IllegalStateException("the teacher's update diverged (" + what + "); the predictor keeps its state from "
        + "before this train");
  }

  /**
   * One update's working arrays, kept for the next: the gathered rows, ids and digit pairs of the
   * window, the dense gradient, and the sparse and pair gradients (all zeros between minibatches:
   * each step clears what it touched) with their lists of touched ids.
   */
  private static final class TrainBuffers {
    private byte[] rows = new byte[0];
    private char[] ids = new char[0];
    private char[] pairs = new char[0];
    final double[] grad;
    final float[] sgrad;
    final int[] touched;
    final float[] pgrad;
    final int[] ptouched;

    TrainBuffers(int size, boolean sparse, boolean digitPairs, int batchSize) {
      grad = new double[size];
      sgrad = new float[sparse ? SparseLinear.BUCKETS : 0];
      touched = new int[sparse ? batchSize * SLOTS : 0];
      pgrad = new float[digitPairs ? SparseText.PAIR_VALUES : 0];
      ptouched = new int[digitPairs ? SparseText.PAIR_VALUES : 0];
    }

    char[] pairs(int count) {
      if (pairs.length < count * PAIRS) {
        pairs = new char[count * PAIRS];
      }
      return pairs;
    }

    byte[] rows(int count) {
      if (rows.length < count * D) {
        rows = new byte[count * D];
      }
      return rows;
    }

    char[] ids(int count) {
      if (ids.length < count * SLOTS) {
        ids = new char[count * SLOTS];
      }
      return ids;
    }
  }

  /**
   * What an update trains, on its own copies: the window's gathered sparse ids and digit pairs
   * (null without them), the dense, sparse and pair weights and their optimizers.
   */
  private record Parts(char[] ids, char[] pairs, double[] w, float[] sw, float[] pw, Adam adam, SparseLinear sparseOpt,
      SparseLinear pairOpt) {
  }

  /** One pass over the examples {@code order} names, in minibatches in that order, updating the parts in place. */
  private void epoch(TrainingExamples ex, double[] weight, byte[] rows, Parts parts, boolean graded, int[] order,
      TrainBuffers buf) {
    int count = order.length;
    int batchSize = training.batchSize();
    double[] w = parts.w;
    double[] grad = buf.grad;
    float[] sgrad = buf.sgrad;
    int[] touched = buf.touched;
    float[] pgrad = buf.pgrad;
    int[] ptouched = buf.ptouched;
    double[] x = new double[D];
    double[] h = new double[hidden];
    for (int start = 0; start < count; start += batchSize) {
      int end = Math.min(count, start + batchSize);
      Arrays.fill(grad, 0);
      int nTouched = 0;
      int pTouched = 0;
      for (int s = start; s < end; s++) {
        int i = order[s];
        Mlp.load(rows, i, x);
        double z = textLogit(parts, i, x, h);
        double dz;
        double ds = 0;
        if (target == TeacherTarget.UTILITY) {
          // d/dz of (f - y)^2 with f = 0.5 sigmoid(z): 2 (f - y) f (1 - 2f)
          double f = 0.5 * MemoryFit.sigmoid(z);
          dz = 2 * (f - ex.utility(i)) * f * (1 - 2 * f);
        } else {
          // d/dz of the binomial negative log-likelihood per rollout: p - p_hat
          double ph = ex.successRate(i);
          dz = MemoryFit.sigmoid(z) - ph;
          if (graded && ph > 0 && ph < 1) {
            double ratio = Math.min(1, ex.utility(i) / Math.sqrt(ph * (1 - ph)));
            double r = MemoryFit.sigmoid(net.spread(w, h));
            ds = 2 * (r - ratio) * r * (1 - r);
          }
        }
        double scale = weight[i] / (end - start);
        dz *= scale;
        ds *= scale;
        if (parts.ids != null) {
          nTouched = SparseLinear.accumulate(sgrad, parts.ids, i * SLOTS, SLOTS, dz, touched, nTouched);
        }
        if (parts.pairs != null) {
          pTouched = SparseLinear.accumulate(pgrad, parts.pairs, i * PAIRS, PAIRS, dz, ptouched, pTouched);
        }
        net.backward(w, grad, x, h, dz, ds);
      }
      parts.adam.step(w, grad);
      if (parts.sparseOpt != null) {
        parts.sparseOpt.step(parts.sw, sgrad, touched, nTouched);
      }
      if (parts.pairOpt != null) {
        parts.pairOpt.step(parts.pw, pgrad, ptouched, pTouched);
      }
    }
  }

  /** The text's logits (dense, sparse and pair parts) of the window's examples. */
  private double[] logits(byte[] rows, Parts parts, int count) {
    double[] x = new double[D];
    double[] h = new double[hidden];
    double[] z = new double[count];
    for (int i = 0; i < count; i++) {
      Mlp.load(rows, i, x);
      z[i] = textLogit(parts, i, x, h);
    }
    return z;
  }

  /** Example i's text logit, its row already loaded in x (h: the hidden layer, written). */
  private double textLogit(Parts parts, int i, double[] x, double[] h) {
    double z = net.forward(parts.w, x, h);
    if (parts.ids != null) {
      z += SparseLinear.sum(parts.sw, parts.ids, i * SLOTS, SLOTS);
    }
    if (parts.pairs != null) {
      z += SparseLinear.sum(parts.pw, parts.pairs, i * PAIRS, PAIRS);
    }
    return z;
  }

  /**
   * Per-example weights: G / mean G (a group of 16 says more than one of 4) times 2^(-age /
   * halfLife), age counted in samples from the newest; normalised to mean 1.
   */
  private double[] weights(TrainingExamples ex) {
    int count = ex.size();
    boolean flat = Double.isInfinite(training.halfLife());
    double[] decay = flat ? null : decay(count);
    double[] wt = new double[count];
    double sum = 0;
    for (int i = 0; i < count; i++) {
      wt[i] = (ex.hasOutcomes() ? ex.groupSize(i) : 1) * (flat ? 1.0 : decay[count - 1 - i]);
      sum += wt[i];
    }
    double norm = count / sum;
    for (int i = 0; i < count; i++) {
      wt[i] *= norm;
    }
    return wt;
  }

  /** 2^(-age / halfLife) for ages 0 .. count - 1, kept for the next update (the window's length rarely changes). */
  private double[] decay(int count) {
    double[] d = decay;
    if (d.length < count) {
      d = new double[Math.max(count, 2 * d.length)];
      for (int age = 0; age < d.length; age++) {
        d[age] = Math.pow(0.5, (double) age / training.halfLife());
      }
      decay = d;
    }
    return d;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Writes the state as of the last completed {@link #train}; safe to call while a train runs on
   * another thread.
   */
  @Override
  public void writeState(DataOutput out) throws IOException {
    write(out, published);
  }

  /** The published state itself: nothing is copied, and a train never changes it. */
  @Override
  public StateSnapshot stateSnapshot() {
    Published pub = published;
    return out -> write(out, pub);
  }

  private void write(DataOutput out, Published pub) throws IOException {
    Adam adam = pub.adam;
    out.writeInt(STATE_VERSION);
    out.writeInt(hidden);
    out.writeUTF(target.name());
    out.writeUTF(features.name());
    out.writeBoolean(sparseText);
    out.writeBoolean(pub.graded);
    out.writeLong(pub.rngState);
    out.writeLong(adam.step);
    double[] w = pub.w;
    for (int i = 0; i < w.length; i++) {
      out.writeDouble(w[i]);
      out.writeDouble(adam.m[i]);
      out.writeDouble(adam.v[i]);
    }
    for (int i = 0; i < pub.sparse.length; i++) {
      out.writeFloat(pub.sparse[i]);
      out.writeFloat(pub.sparseOpt.meanSquare[i]);
    }
    pub.effects.write(out);
    pub.clusterEffects.write(out);
    out.writeDouble(pub.now);
    out.writeBoolean(digitPairs);
    if (digitPairs) {
      for (int v = 1; v < pub.pairs.length; v++) {
        out.writeFloat(pub.pairs[v]);
        out.writeFloat(pub.pairOpt.meanSquare[v]);
      }
    }
  }

  @Override
  public void readState(DataInput in) throws IOException {
    int version = in.readInt();
    if (version < 3 || version > STATE_VERSION) {
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
    if (step < 0) {
      throw new IOException("corrupt features-mlp state: Adam step count " + step + " (must be >= 0)");
    }
    int n = net.size;
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
    int buckets = sparseText ? SparseLinear.BUCKETS : 0;
    float[] sw = new float[buckets];
    float[] ms = new float[buckets];
    for (int i = 0; i < sw.length; i++) {
      sw[i] = in.readFloat();
      ms[i] = in.readFloat();
      if (!Float.isFinite(sw[i]) || !(ms[i] >= 0) || !Float.isFinite(ms[i]) || (i == 0 && sw[i] != 0)) {
        throw new IOException("corrupt features-mlp state: sparse weight " + i + " = (" + sw[i] + ", " + ms[i] + ")");
      }
    }
    QuestionEffects effects = QuestionEffects.read(in);
    QuestionEffects clusterEffects = QuestionEffects.read(in);
    double now = version == 3 ? 0 : in.readDouble(); // version 3 had no recent offset
    if (!Double.isFinite(now)) {
      throw new IOException("corrupt features-mlp state: recent offset " + now);
    }
    // versions 3 and 4 had no digit pairs: their weights start at 0
    boolean dp = version >= 5 ? in.readBoolean() : digitPairs;
    if (dp != digitPairs) {
      throw new IOException("features-mlp state was trained " + (dp ? "with" : "without") + " digit pairs, this predictor "
          + (digitPairs ? "reads them" : "does not read them"));
    }
    float[] pw = digitPairs ? new float[SparseText.PAIR_VALUES] : null;
    SparseLinear pairOpt = digitPairs ? new SparseLinear(SparseText.PAIR_VALUES, training.learningRate(), true) : null;
    if (digitPairs && version >= 5) {
      for (int v = 1; v < pw.length; v++) {
        pw[v] = in.readFloat();
        pairOpt.meanSquare[v] = in.readFloat();
        if (!Float.isFinite(pw[v]) || !(pairOpt.meanSquare[v] >= 0) || !Float.isFinite(pairOpt.meanSquare[v])) {
          throw new IOException("corrupt features-mlp state: digit pair weight " + v + " = (" + pw[v] + ", "
              + pairOpt.meanSquare[v] + ")");
        }
      }
    }
    Adam adam = new Adam(n, training.learningRate());
    adam.step = step;
    System.arraycopy(mm, 0, adam.m, 0, n);
    System.arraycopy(vv, 0, adam.v, 0, n);
    SparseLinear sparseOpt = null;
    if (sparseText) {
      sparseOpt = new SparseLinear(training.learningRate());
      System.arraycopy(ms, 0, sparseOpt.meanSquare, 0, ms.length);
    }
    published = new Published(w, sw, pw, effects, clusterEffects, graded, now, adam, sparseOpt, pairOpt, rngState);
  }

  @Override
  public String toString() {
    return "FeaturePredictor[target=" + target + ", hidden=" + hidden + ", lr=" + training.learningRate() + ", batch="
        + training.batchSize() + ", halfLife=" + training.halfLife() + ", memory=" + memory + ", recentHalfLife=" + recentHalfLife + ", features=" + features + ", sparseText=" + sparseText + ", digitPairs=" + digitPairs
        + (laterEpochsOn == 0 ? "" : ", laterEpochsOn=" + laterEpochsOn) + "]";
  }

  /**
   * Configures a {@link FeaturePredictor}: the shared training knobs of {@link TeacherBuilder}
   * (learning rate, minibatch, half-life, seed) and what is this teacher's own.
   */
  public static final class Builder extends TeacherBuilder<Builder> {
    private int hidden = 32;
    private TeacherTarget target = TeacherTarget.SUCCESS_RATE;
    private boolean memory = true;
    private double recentHalfLife = 128;
    private double priorStd = Double.NaN;
    private FeatureSet features = FeatureSet.GENERAL;
    private boolean sparseText = true;
    private boolean digitPairs = true;
    private int laterEpochsOn;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

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

    /**
     * Digit pairs (default on; part of sparse text, off without it): the digits that stand in the
     * same place in a question's two longest numbers (aligned at their last digits), each with the
     * operator between the numbers, as up to 8 ids of a linear part of their own (501 weights,
     * 16 bytes per question), trained by Adagrad: steps shrink as evidence accumulates, since
     * these describe the text's structure rather than a skill that moves. Nothing here knows
     * arithmetic: the teacher learns from the student's outcomes which pairs make a question
     * harder (in an addition, those that carry). Text with fewer than two numbers has none.
     */
    public Builder digitPairs(boolean on) {
      this.digitPairs = on;
      return this;
    }

    /**
     * A cheaper update (default 0: off): the first epoch of each update trains on the whole window,
     * the later ones on its newest {@code newest} examples only (all of them where the window holds
     * fewer). With the sampler's defaults (window 4,096, an update every 64 samples, 3 epochs) and
     * {@code laterEpochsOn(512)}, an example is trained on 64 + 16 times over its life in the window
     * instead of 192, and an update's epochs cost (4,096 + 2 x 512) / (3 x 4,096) = 0.42 of theirs;
     * the logits pass and the memory fit after the epochs cost the same. What it does to the
     * teacher's picks is measured in docs/benchmarks.md ("A cheaper synchronous update").
     * The seed still fixes every result.
     */
    public Builder laterEpochsOn(int newest) {
      checkArgument(newest >= 0, "laterEpochsOn must be >= 0 (0: every epoch over the whole window), got %s", newest);
      this.laterEpochsOn = newest;
      return this;
    }

    /** Hidden units (default 32). */
    public Builder hidden(int units) {
      checkArgument(units >= 1, "hidden must be >= 1, got %s", units);
      this.hidden = units;
      return this;
    }

    /** What the output is trained on (default {@link TeacherTarget#SUCCESS_RATE}). */
    public Builder target(TeacherTarget target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /** Per-question memory with the success-rate head (default on; ignored by the utility head). */
    public Builder memory(boolean on) {
      this.memory = on;
      return this;
    }

    /**
     * The recent offset, with the success-rate head (default half-life 128 samples; 0 turns it
     * off; ignored by the utility head): after each update one logit offset shared by all
     * questions is fitted to the newest outcomes, weighted by 2^(-age / halfLife) under a N(0, 1)
     * prior, and added to every prediction. The network is fitted to the whole window, so it
     * predicts the student as it was on average over the window; a student who learns has moved
     * on since, and the offset says how far.
     */
    public Builder recentHalfLife(double samples) {
      if (!(samples >= 0) || Double.isInfinite(samples)) {
        throw new IllegalArgumentException("recentHalfLife must be >= 0 and finite (0: off), got " + samples);
      }
      this.recentHalfLife = samples;
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
