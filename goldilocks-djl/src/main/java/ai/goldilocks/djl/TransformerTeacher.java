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
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The paper's teacher on DJL: a bidirectional transformer encoder reads the question text, hidden
 * states are mean-pooled over real tokens, a linear head with 0.5 sigmoid predicts the utility;
 * trained by MSE with AdamW. Scores a batch of candidates in one forward pass.
 *
 * <p>Training runs on a private copy of the network; the result is copied into the serving network
 * under a short write lock, so {@link #predict} never sees half-updated weights and waits at most
 * for that copy. Texts longer than {@code maxLength} tokens are truncated.
 */
public final class TransformerTeacher implements UtilityPredictor, AutoCloseable {
  private static final int STATE_VERSION = 2;
  private static final double HALF_LIFE = 1024;

  private final TransformerConfig config;
  private final TextTokenizer tokenizer;
  private final Network serving;
  private final Network training;
  private final AdamW optimizer;
  private final int batchSize;
  private final TeacherTarget target;
  private final Rng rng;
  private final ReentrantReadWriteLock publish = new ReentrantReadWriteLock();
  /** Test hook: runs on the parameters after each backward pass, before the gradient check. */
  java.util.function.Consumer<List<NDArray>> afterBackward;

  private TransformerTeacher(Builder b) {
    Offline.ensure();
    this.config = b.config;
    this.tokenizer = b.tokenizer;
    this.batchSize = b.batchSize;
    this.target = b.target;
    this.rng = new Rng(b.seed);
    this.serving = b.config != null ? new Transformer(config, false, TransformerPolicy.defaultDevice(), b.seed) : b.encoder.get();
    this.training = b.config != null ? new Transformer(config, false, TransformerPolicy.defaultDevice(), b.seed) : b.encoder.get();
    if (tokenizer.vocabSize() > serving.vocabSize()) {
      serving.close();
      training.close();
      throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens, encoder vocabulary " + serving.vocabSize());
    }
    for (Network t : new Network[] {serving, training}) {
      t.addParameter("head.weight", new float[t.width()], t.width(), 1);
      t.addParameter("head.bias", new float[] {0f}, 1);
    }
    this.optimizer = new AdamW(training.manager, training.parameters(), b.learningRate, 0.0, 1.0);
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
    LlamaConfig.read(checkpoint);
    return new Builder(() -> {
      try {
        return LlamaNetwork.load(checkpoint, TransformerPolicy.defaultDevice());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, tokenizer);
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
      if (ids.length > serving.maxLength()) {
        ids = Arrays.copyOf(ids, serving.maxLength());
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
    publish.readLock().lock();
    try (Offline.NoGradient off = Offline.noGradient(); NDManager scope = serving.manager.newSubManager()) {
      float[] z = forward(serving, scope, e).toFloatArray();
      for (int j = 0; j < count; j++) {
        double sig = 1 / (1 + Math.exp(-z[j]));
        out[j] = Math.min(0.5, Math.max(0.0, target == TeacherTarget.UTILITY ? 0.5 * sig : Math.sqrt(sig * (1 - sig))));
      }
    } finally {
      publish.readLock().unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A minibatch whose gradient is not finite is refused: the gradients are cleared, the
   * training weights go back to the last published ones (what {@link #predict} serves) and an
   * {@link IllegalArgumentException} names the batch; the next call trains normally.
   */
  @Override
  public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
    // recording is on only inside the gradient collector, also on threads that record by default
    try (Offline.NoGradient off = Offline.noGradient()) {
      trainWithoutRecording(pool, examples, epochs);
    }
  }

  private void trainWithoutRecording(QuestionPool pool, TrainingExamples examples, int epochs) {
    int[] questions = examples.questions();
    int count = examples.size();
    double[] targets = new double[count];
    double[] weights = new double[count];
    Arrays.fill(weights, 1.0);
    if (target == TeacherTarget.UTILITY) {
      targets = examples.utilities();
    } else {
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
        weights[i] = examples.groupSize(i) * Math.pow(0.5, (count - 1 - i) / HALF_LIFE);
        sum += weights[i];
      }
      for (int i = 0; i < count; i++) {
        weights[i] *= count / sum;
      }
    }
    if (count == 0) {
      return;
    }
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
          w[j] = (float) weights[order[start + j]];
        }
        Encoded enc = encode(pool, idx, 0, n);
        DjlTraining.LOCK.lock();
        try (NDManager scope = training.manager.newSubManager()) {
          try (GradientCollector gc = Offline.newGradientCollector()) {
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
          if (afterBackward != null) {
            afterBackward.accept(training.parameters());
          }
          double norm = AdamW.gradNorm(scope, training.parameters());
          if (!Double.isFinite(norm)) {
            optimizer.zeroGradients();
            publish.readLock().lock();
            try {
              training.copyFrom(serving); // the weights of the last published update
            } finally {
              publish.readLock().unlock();
            }
            throw new IllegalArgumentException("teacher gradient norm is " + norm + " (epoch " + e + ", batch at " + start
                + "); no update applied and the weights are those of the last completed train()");
          }
          optimizer.update(scope, norm);
        } finally {
          DjlTraining.LOCK.unlock();
        }
      }
    }
    publish.writeLock().lock();
    try {
      serving.copyFrom(training);
    } finally {
      publish.writeLock().unlock();
    }
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    out.writeInt(STATE_VERSION);
    out.writeUTF(target.name());
    out.writeLong(rng.state());
    out.writeLong(optimizer.step);
    List<NDArray> params = training.parameters();
    out.writeInt(params.size());
    for (int i = 0; i < params.size(); i++) {
      for (NDArray a : new NDArray[] {params.get(i), optimizer.firstMoments().get(i), optimizer.secondMoments().get(i)}) {
        float[] v = a.toFloatArray();
        out.writeInt(v.length);
        for (float f : v) {
          out.writeFloat(f);
        }
      }
    }
  }

  @Override
  public void readState(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != STATE_VERSION && version != 1) {
      throw new IOException("unsupported djl-transformer teacher state version " + version);
    }
    String t = version == 1 ? TeacherTarget.UTILITY.name() : in.readUTF(); // version 1 had the utility head only
    if (!t.equals(target.name())) {
      throw new IOException("teacher state was trained for target " + t + ", this teacher has " + target);
    }
    long rngState = in.readLong();
    long step = in.readLong();
    List<NDArray> params = training.parameters();
    int n = in.readInt();
    if (n != params.size()) {
      throw new IOException("teacher state has " + n + " parameters, this teacher has " + params.size());
    }
    float[][][] values = new float[n][3][];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 3; k++) {
        int len = in.readInt();
        if (len != params.get(i).size()) {
          throw new IOException("teacher state parameter " + i + " has " + len + " values, expected " + params.get(i).size());
        }
        float[] v = new float[len];
        for (int j = 0; j < len; j++) {
          v[j] = in.readFloat();
          if (!Float.isFinite(v[j])) {
            throw new IOException("corrupt teacher state: parameter " + i + " value " + j + " is " + v[j]);
          }
        }
        values[i][k] = v;
      }
    }
    try (Offline.NoGradient off = Offline.noGradient()) {
      for (int i = 0; i < n; i++) {
        params.get(i).set(values[i][0]);
        optimizer.firstMoments().get(i).set(values[i][1]);
        optimizer.secondMoments().get(i).set(values[i][2]);
      }
      rng.setState(rngState);
      optimizer.step = step;
      publish.writeLock().lock();
      try {
        serving.copyFrom(training);
      } finally {
        publish.writeLock().unlock();
      }
    }
  }

  /** Arrays held by the teacher's managers (for memory checks). */
  int liveArrayCount() {
    return serving.manager.getManagedArrays().size() + training.manager.getManagedArrays().size();
  }

  @Override
  public void close() {
    serving.close();
    training.close();
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

    /** Builds the teacher. */
    public TransformerTeacher build() {
      return new TransformerTeacher(this);
    }
  }

}
