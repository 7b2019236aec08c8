package ai.goldilocks.djl;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.core.predictor.TeacherTarget;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The paper's teacher on DJL: a bidirectional transformer encoder reads the question text, hidden
 * states are mean-pooled over real tokens, a linear head with 0.5 sigmoid predicts the utility;
 * trained by MSE with AdamW. Scores a batch of candidates in one forward pass.
 *
 * <p>Training runs on a second copy of the network, which then becomes the served one by a swap of
 * references; the copy that brings the other buffer up to date runs at the start of the next
 * training, on the buffer no new prediction reads. So {@link #predict} never sees half-updated
 * weights and never waits for training or a copy. Texts longer than {@code maxLength} tokens are
 * truncated. {@link #close} waits for a training or prediction in flight and frees the native
 * memory of both copies (and a tokenizer the teacher was built to own, as the {@code djl} teacher
 * provider's); the teacher refuses work afterwards.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class TransformerTeacher implements UtilityPredictor, AutoCloseable {
  private static final double HALF_LIFE = 1024;

  private final TextTokenizer tokenizer;
  private final WeightBuffers weights;
  private final int maxLength;
  private final AdamW optimizer;
  /** The network whose parameters {@link #optimizer} updates. */
  private Network optimized;
  private final int batchSize;
  private final TeacherTarget target;
  private final Rng rng;
  /** Serialises the writers: training, restoring, writing the state, closing. */
  private final Object updates = new Object();
  /** What this teacher owns besides its weights (a tokenizer made for it), closed with it; null if nothing. */
  private final AutoCloseable owned;
  private boolean ownedClosed;

  private TransformerTeacher(Builder b) {
    DjlEngine.ensureOffline();
    this.tokenizer = b.tokenizer;
    this.batchSize = b.batchSize;
    this.target = b.target;
    this.rng = new Rng(b.seed);
    this.owned = b.owned;
    java.util.function.Supplier<Network> encoder = b.config != null
        ? () -> new Transformer(b.config, false, DjlEngine.defaultDevice(), b.seed) : b.encoder;
    Network serving = encoder.get();
    Network training;
    try {
      training = encoder.get();
    } catch (RuntimeException | Error e) {
      serving.close();
      throw e;
    }
    if (tokenizer.vocabSize() > serving.vocabSize()) {
      serving.close();
      training.close();
      throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens, encoder vocabulary " + serving.vocabSize());
    }
    for (Network t : new Network[] {serving, training}) {
      t.addParameter("head.weight", new float[t.width()], t.width(), 1);
      t.addParameter("head.bias", new float[] {0f}, 1);
    }
    this.maxLength = serving.maxLength();
    this.weights = new WeightBuffers(serving, training, b.copyProbe);
    this.optimized = training;
    this.optimizer = new AdamW(training.manager, training.parameters(), b.learningRate, 0.0, 1.0, b.gradientProbe);
  }

  /** A builder with a bidirectional encoder of this project's transformer, trained from scratch. */
  public static Builder builder(TransformerConfig config, TextTokenizer tokenizer) {
    return new Builder(config, tokenizer);
  }

  /**
   * A builder whose encoder is a pretrained Hugging Face checkpoint of the Llama / Qwen2 family, as
   * in the paper: its final hidden states are mean-pooled over the question's tokens and a new
   * linear head with 0.5 sigmoid predicts the utility; encoder and head train together. Two copies
   * of the weights are held (serving and training).
   *
   * @throws IOException if {@code config.json} is missing or describes an unsupported architecture
   */
  public static Builder fromHuggingFace(Path checkpoint, TextTokenizer tokenizer) throws IOException {
    return new Builder(LlamaNetwork.loader(checkpoint), tokenizer);
  }

  @Override
  public String name() {
    return target == TeacherTarget.UTILITY ? "djl-transformer" : "djl-transformer(success-rate)";
  }

  private record Encoded(int[] flat, float[] mask, int b, int t) {}

  private Encoded encode(QuestionPool pool, int[] idx, int from, int count) {
    int[][] rows = new int[count][];
    int t = 1;
    for (int j = 0; j < count; j++) {
      int[] ids = tokenizer.encode(pool.text(idx[from + j]));
      if (ids.length > maxLength) {
        ids = Arrays.copyOf(ids, maxLength);
      }
      if (ids.length == 0) {
        ids = new int[] {tokenizer.eosId()};
      }
      rows[j] = ids;
      t = Math.max(t, ids.length);
    }
    int[] flat = new int[count * t];
    float[] mask = new float[count * t];
    Arrays.fill(flat, tokenizer.padId());
    for (int j = 0; j < count; j++) {
      System.arraycopy(rows[j], 0, flat, j * t, rows[j].length);
      Arrays.fill(mask, j * t, j * t + rows[j].length, 1f);
    }
    return new Encoded(flat, mask, count, t);
  }

  /** head(mean-pool(encoder)), the output's pre-activation for the batch, shape (B). */
  private static NDArray forward(Network m, NDManager scope, Encoded e) {
    NDArray tokens = scope.create(e.flat, new Shape(e.b, e.t));
    NDArray mask = scope.create(e.mask, new Shape(e.b, e.t));
    NDArray h = m.hidden(scope, tokens, 0, null, mask);
    NDArray m3 = mask.expandDims(-1);
    NDArray pooled = h.mul(m3).sum(new int[] {1}).div(m3.sum(new int[] {1}));
    return pooled.matMul(m.p("head.weight")).add(m.p("head.bias")).reshape(e.b);
  }

  @Override
  public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
    if (count == 0) {
      return;
    }
    Encoded e = encode(pool, candidates, 0, count);
    float[] z = weights.read(served -> {
      try (DjlEngine.NoGradient off = DjlEngine.noGradient(); NDManager scope = served.manager.newSubManager()) {
        return forward(served, scope, e).toFloatArray();
      }
    });
    for (int j = 0; j < count; j++) {
      double sig = 1 / (1 + Math.exp(-z[j]));
      out[j] = Math.min(0.5, Math.max(0.0, target == TeacherTarget.UTILITY ? 0.5 * sig : Math.sqrt(sig * (1 - sig))));
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>All or nothing: a call that throws part-way leaves the teacher exactly as before it (the
   * weights, AdamW's moments and step, the random stream), so the same call made again trains as
   * if the failed one had never run. A minibatch whose gradient is not finite is refused that way,
   * with an {@link IllegalArgumentException} naming the batch. Nothing is copied for this: the
   * training copy of the weights is brought back from the served one only after a failure, and
   * the first update of a call writes new moment arrays, keeping the old ones until the call ends.
   */
  @Override
  public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
    // recording is on only inside the gradient collector, also on threads that record by default
    synchronized (updates) {
      try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
        trainWithoutRecording(pool, examples, epochs);
      }
    }
  }

  /** The optimizer on {@code network}'s parameters (the buffers take turns at training). */
  private void optimize(Network network) {
    if (optimized != network) {
      optimizer.rebind(network.parameters());
      optimized = network;
    }
  }

  private void trainWithoutRecording(QuestionPool pool, TrainingExamples examples, int epochs) {
    int[] questions = examples.questions();
    int count = examples.size();
    double[] targets = target == TeacherTarget.UTILITY ? examples.utilities() : new double[count];
    double[] sampleWeights = new double[count];
    Arrays.fill(sampleWeights, 1.0);
    if (target != TeacherTarget.UTILITY) {
      if (!examples.hasOutcomes()) {
        throw new IllegalArgumentException("the success-rate head learns from success rates and group sizes, and these "
            + "examples carry utilities only; pass TrainingExamples with outcomes (as samplers do) or build with "
            + "target(TeacherTarget.UTILITY)");
      }
      double sum = 0;
      for (int i = 0; i < count; i++) {
        double p = examples.successRate(i);
        if (Math.abs(examples.utility(i) - Math.sqrt(p * (1 - p))) > 1e-9) {
          throw new IllegalArgumentException("example " + i + " has graded rewards (utility " + examples.utility(i)
              + " with success rate " + p + "); this teacher's success-rate head assumes rewards at the two ends of the "
              + "range: build it with target(TeacherTarget.UTILITY)");
        }
        targets[i] = p;
        // a group of 16 says more than one of 4; recent groups describe today's student
        sampleWeights[i] = examples.groupSize(i) * Math.pow(0.5, (count - 1 - i) / HALF_LIFE);
        sum += sampleWeights[i];
      }
      for (int i = 0; i < count; i++) {
        sampleWeights[i] *= count / sum;
      }
    }
    if (count == 0) {
      return;
    }
    weights.write(training -> {
      optimize(training);
      long rngBefore = rng.state();
      optimizer.begin();
      try {
        trainEpochs(pool, training, questions, targets, sampleWeights, count, epochs);
      } catch (RuntimeException | Error e) {
        // all or nothing: the moments, step and random stream as before; the weights buffer copies
        // the served weights back into this network before its next use
        rng.setState(rngBefore);
        try {
          optimizer.rollback();
        } catch (RuntimeException | Error r) {
          e.addSuppressed(r);
        }
        throw e;
      }
      optimizer.commit();
      return null;
    });
    weights.publish();
  }

  private void trainEpochs(QuestionPool pool, Network training, int[] questions, double[] targets, double[] sampleWeights, int count,
      int epochs) {
    int[] order = Rng.identity(count);
    int[] idx = new int[batchSize];
    float[] y = new float[batchSize];
    float[] w = new float[batchSize];
    for (int e = 0; e < epochs; e++) {
      rng.shuffle(order);
      for (int start = 0; start < count; start += batchSize) {
        int n = Math.min(batchSize, count - start);
        for (int j = 0; j < n; j++) {
          idx[j] = questions[order[start + j]];
          y[j] = (float) targets[order[start + j]];
          w[j] = (float) sampleWeights[order[start + j]];
        }
        Encoded enc = encode(pool, idx, 0, n);
        DjlTraining.LOCK.lock();
        try (NDManager scope = training.manager.newSubManager()) {
          try (GradientCollector gc = DjlEngine.newGradientCollector()) {
            NDArray z = forward(training, scope, enc);
            if (target == TeacherTarget.UTILITY) {
              NDArray d = Ops.mul(Ops.sigmoid(z), 0.5f).sub(scope.create(Arrays.copyOf(y, n), new Shape(n)));
              gc.backward(d.mul(d).mean());
            } else {
              // binomial negative log-likelihood per rollout, weighted: d/dz = w (sigmoid(z) - p_hat) / n,
              // back-propagated as sum(coefficient * z) with the coefficients held constant
              float[] zv = z.toFloatArray();
              float[] coef = new float[n];
              for (int j = 0; j < n; j++) {
                coef[j] = (float) (w[j] * (1 / (1 + Math.exp(-zv[j])) - y[j]) / n);
              }
              gc.backward(z.mul(scope.create(coef, new Shape(n))).sum());
            }
          }
          double norm = optimizer.gradientNorm(scope);
          if (!Double.isFinite(norm)) {
            throw new IllegalArgumentException("teacher gradient norm is " + norm + " (epoch " + e + ", batch at " + start
                + "); no update applied and the weights are those of the last completed train()");
          }
          optimizer.update(scope, norm);
        } finally {
          DjlTraining.LOCK.unlock();
        }
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The published weights with the optimizer's moments and step, and the random stream
   * ({@link TeacherState}).
   */
  @Override
  public void writeState(DataOutput out) throws IOException {
    synchronized (updates) {
      TeacherState.write(out, target, rng.state(), optimizer, weights.served().parameters());
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Copies the weights, moments, step and random stream out of the engine into the Java heap
   * (three float arrays per parameter, as large as the state; a fraction of a millisecond at the
   * benchmark's size) and encodes them only when written: the encoding is most of what
   * {@link #writeState} costs.
   */
  @Override
  public StateSnapshot stateSnapshot() {
    TeacherState state;
    synchronized (updates) {
      state = TeacherState.capture(rng.state(), optimizer, weights.served().parameters());
    }
    return out -> state.write(out, target);
  }

  @Override
  public void readState(DataInput in) throws IOException {
    synchronized (updates) {
      TeacherState state = TeacherState.read(in, target, weights.served().parameters());
      // everything is read and checked: now the training buffer takes the state and is published
      try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
        weights.write(training -> {
          optimize(training);
          state.applyTo(training.parameters(), optimizer);
          return null;
        });
        rng.setState(state.rngState());
        weights.publish();
      }
    }
  }

  /** The tokenizer (for tests). */
  TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** Arrays held by the teacher's managers (for memory checks). */
  int liveArrayCount() {
    int n = 0;
    for (Network net : weights.networks()) {
      n += net.manager.getManagedArrays().size();
    }
    return n;
  }

  /** Whether any of the teacher's managers is still open (false once closed: its native memory is freed). */
  boolean holdsNativeMemory() {
    for (Network net : weights.networks()) {
      if (net.manager.isOpen()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Frees the native memory of both copies of the weights (and the optimizer's moments, which live
   * with them), after a training, restore or prediction in flight has finished; idempotent. The
   * teacher throws {@link IllegalStateException} on any later use.
   */
  @Override
  public void close() {
    synchronized (updates) {
      weights.close();
      if (owned != null && !ownedClosed) {
        ownedClosed = true;
        try {
          owned.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing the teacher's " + owned + " failed", e);
        }
      }
    }
  }

  /** Configures a {@link TransformerTeacher}. */
  public static final class Builder {
    private final TransformerConfig config;
    private final java.util.function.Supplier<Network> encoder;
    private final TextTokenizer tokenizer;
    private long seed;
    private double learningRate = 1e-3;
    private int batchSize = 32;
    private TeacherTarget target = TeacherTarget.UTILITY;
    private java.util.function.Consumer<List<NDArray>> gradientProbe;
    private Runnable copyProbe;
    private AutoCloseable owned;

    private Builder(java.util.function.Supplier<Network> encoder, TextTokenizer tokenizer) {
      this.config = null;
      this.encoder = encoder;
      this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    private Builder(TransformerConfig config, TextTokenizer tokenizer) {
      this.config = Objects.requireNonNull(config, "config");
      this.encoder = null;
      this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
      if (tokenizer.vocabSize() > config.vocabSize()) {
        throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens, model vocabulary " + config.vocabSize());
      }
    }

    /** Seed (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** AdamW learning rate (default 1e-3). */
    public Builder learningRate(double lr) {
      checkArgument(lr > 0 && Double.isFinite(lr), "learning rate must be positive and finite, got %s", lr);
      this.learningRate = lr;
      return this;
    }

    /** Minibatch size (default 32). */
    public Builder batchSize(int size) {
      checkArgument(size >= 1, "batchSize must be >= 1, got %s", size);
      this.batchSize = size;
      return this;
    }

    /**
     * What the head is trained on (default {@link TeacherTarget#UTILITY}, the paper's head).
     * {@link TeacherTarget#SUCCESS_RATE} learns p from each group's outcomes (binomial likelihood,
     * groups weighted by G and by recency, half-life 1024 samples) and derives the utility; it
     * assumes rewards at the two ends of the range and refuses graded ones.
     */
    public Builder target(TeacherTarget target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /** Test seam: sees the parameters after each backward pass, before the gradient check. */
    Builder gradientProbe(java.util.function.Consumer<List<NDArray>> probe) {
      this.gradientProbe = probe;
      return this;
    }

    /** Test seam: runs while the training copy of the weights is brought up to date with the served one. */
    Builder copyProbe(Runnable probe) {
      this.copyProbe = probe;
      return this;
    }

    /**
     * Hands {@code resource} (e.g. a tokenizer made for this teacher alone) to the teacher, which
     * closes it in {@link TransformerTeacher#close} after its weights.
     */
    Builder closeWith(AutoCloseable resource) {
      this.owned = resource;
      return this;
    }

    /** Builds the teacher. */
    public TransformerTeacher build() {
      return new TransformerTeacher(this);
    }
  }

}
