package ai.goldilocks.djl;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.Policy;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.TrainStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A decoder-only transformer policy on DJL (PyTorch engine): pre-LayerNorm blocks, causal
 * attention, learned positions, tied output embedding. Samples G completions per prompt in one
 * batch with a KV cache; trains through the per-token coefficients of goldilocks-core's GRPO maths
 * with AdamW and gradient clipping; a supervised step for warm starts; safetensors checkpoints.
 *
 * <p>Runs on the GPU when the engine reports one, else on the CPU. Every step runs in its own
 * NDManager scope, so memory stays flat. Not thread-safe.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class TransformerPolicy implements Policy {
  private final TransformerConfig config;
  private final TextTokenizer tokenizer;
  private final Network model;
  private final AdamW optimizer;
  private final PolicyTraining training;
  private final int microBatchSize;
  private Network reference;
  private long version;
  private final boolean kvCache;
  private final int decodeRows;

  private TransformerPolicy(Builder b, Network network) {
    this.microBatchSize = b.microBatchSize;
    this.kvCache = b.kvCache;
    this.decodeRows = b.decodeRows;
    this.config = b.config;
    this.tokenizer = b.tokenizer;
    this.model = network;
    if (tokenizer.vocabSize() > network.vocabSize()) {
      network.close();
      throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens, model vocabulary " + network.vocabSize());
    }
    this.optimizer = new AdamW(model.manager, model.parameters(), b.learningRate, b.weightDecay, b.clipNorm, b.gradientProbe);
    this.training = new PolicyTraining(model, tokenizer, optimizer, microBatchSize);
  }

  /** The engine's default device: a GPU when there is one. */
  public static Device defaultDevice() {
    return DjlEngine.defaultDevice();
  }

  /** A builder of this project's small transformer. */
  public static Builder builder(TransformerConfig config, TextTokenizer tokenizer) {
    return new Builder(config, tokenizer);
  }

  /**
   * A builder of a policy from a Hugging Face checkpoint directory of the Llama / Qwen2 family
   * ({@code config.json}, {@code model.safetensors} or sharded safetensors with an index). The
   * configuration is checked now; the weights load in {@link Builder#build()}, which throws
   * {@link java.io.UncheckedIOException} naming a missing tensor or a corrupt file.
   *
   * @throws IOException if {@code config.json} is missing or describes an unsupported architecture
   */
  public static Builder fromHuggingFace(Path checkpoint, TextTokenizer tokenizer) throws IOException {
    return new Builder(LlamaNetwork.loader(checkpoint), tokenizer);
  }

  /** The model size of this project's transformer; null for a policy loaded from a Hugging Face checkpoint. */
  public TransformerConfig config() {
    return config;
  }

  /** The tokenizer. */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** The device the weights live on. */
  public Device device() {
    return model.manager.getDevice();
  }

  /** The optimizer's learning rate (settable for warm-up and decay schedules). */
  public void setLearningRate(double lr) {
    if (!(lr >= 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
    }
    optimizer.learningRate = lr;
  }

  @Override
  public int[] encode(String text) {
    return tokenizer.encode(text);
  }

  @Override
  public String decode(int[] tokens) {
    return tokenizer.decode(tokens);
  }

  @Override
  public long version() {
    return version;
  }

  /** Freezes a copy of the current weights as the KL reference (needed when beta &gt; 0). */
  @Override
  public void snapshotReference() {
    if (reference == null) {
      reference = model.sameShape();
    }
    try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
      reference.copyFrom(model);
    }
  }

  /** Log-probabilities under the frozen reference; throws if {@link #snapshotReference} was never called. */
  @Override
  public double[][] referenceLogProbs(List<Sequence> sequences, double temperature) {
    if (reference == null) {
      throw new IllegalStateException("no reference model: call snapshotReference() first");
    }
    return training.logProbs(reference, sequences, temperature);
  }

  // ---------------------------------------------------------------- generation

  @Override
  public List<Completion> generate(String prompt, int n, SamplingConfig sampling, long seed) {
    return generate(encode(prompt), n, sampling, seed, kvCache);
  }

  /**
   * Decodes prompts of equal token length together, {@code n} rows each, every prompt with its own
   * random stream: the same draws as one {@link #generate} call per prompt, fewer engine calls. At
   * most {@link Builder#decodeRows} rows share a batch (a group is never split).
   */
  @Override
  public List<List<Completion>> generateGroups(List<String> prompts, int n, SamplingConfig sampling, long[] seeds) {
    if (seeds.length != prompts.size()) {
      throw new IllegalArgumentException(seeds.length + " seeds for " + prompts.size() + " prompts");
    }
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    int[][] encoded = new int[prompts.size()][];
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = encode(prompts.get(i));
    }
    return Decoder.sampleGroups(model, tokenizer, encoded, n, sampling, seeds, decodeRows, kvCache);
  }

  /** Samples {@code n} completions of the prompt tokens. */
  public List<Completion> generate(int[] prompt, int n, SamplingConfig sampling, long seed) {
    return sample(prompt, n, sampling, seed, kvCache);
  }

  /**
   * As {@link #generate(int[], int, SamplingConfig, long)}; with {@code useCache} false every step
   * re-runs the whole prefix (tests compare both paths).
   */
  List<Completion> generate(int[] prompt, int n, SamplingConfig sampling, long seed, boolean useCache) {
    return sample(prompt, n, sampling, seed, useCache);
  }

  private List<Completion> sample(int[] prompt, int n, SamplingConfig sampling, long seed, boolean useCache) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    int[][] prompts = new int[n][];
    Arrays.fill(prompts, prompt);
    return sampleRows(prompts, sampling, seed, useCache);
  }

  /**
   * Samples one completion for each of several prompts of equal token length in one batch (for
   * evaluation: with {@code topP} tiny, e.g. 1e-9, decoding is greedy).
   */
  public List<Completion> generateBatch(int[][] prompts, SamplingConfig sampling, long seed) {
    if (prompts.length == 0) {
      throw new IllegalArgumentException("no prompts");
    }
    for (int[] p : prompts) {
      if (p.length != prompts[0].length) {
        throw new IllegalArgumentException("prompts of one batch must have equal length: " + p.length + " vs " + prompts[0].length);
      }
    }
    return sampleRows(prompts, sampling, seed, kvCache);
  }

  private List<Completion> sampleRows(int[][] prompts, SamplingConfig sampling, long seed, boolean useCache) {
    return Decoder.sample(model, tokenizer, prompts, sampling, seed, useCache);
  }

  // ---------------------------------------------------------------- scoring and training

  @Override
  public double[][] logProbs(List<Sequence> sequences, double temperature) {
    return training.logProbs(model, sequences, temperature);
  }

  /**
   * Full-sequence logits (B, T, V) as a float array, for tests and diagnostics.
   */
  float[] logits(int[] tokens) {
    try (DjlEngine.NoGradient off = DjlEngine.noGradient(); NDManager scope = model.manager.newSubManager()) {
      NDArray x = scope.create(tokens, new Shape(1, tokens.length));
      return model.logits(model.hidden(scope, x, 0, null, null)).toFloatArray();
    }
  }

  @Override
  public TrainStats train(List<Sequence> sequences, double temperature, Coefficients coefficients) {
    TrainStats stats = training.train(sequences, temperature, coefficients);
    version++;
    return stats;
  }

  /**
   * One supervised step: minimises the mean negative log-likelihood of the completion tokens
   * (for warm starts). Returns that mean before the step.
   */
  public double supervisedStep(List<Sequence> sequences) {
    double[] loss = new double[1];
    train(sequences, 1.0, PolicyTraining.meanNegativeLogLikelihood(loss));
    return loss[0];
  }

  Network model() {
    return model;
  }

  AdamW optimizer() {
    return optimizer;
  }

  /** Arrays currently held by this policy's managers (for memory checks). */
  int liveArrayCount() {
    return model.manager.getManagedArrays().size();
  }

  // ---------------------------------------------------------------- checkpoints

  /** Writes {@code config.json} and {@code model.safetensors} into {@code dir} (created if needed). */
  public void save(Path dir) throws IOException {
    PolicyFiles.saveWeights(model, tokenizer, dir);
  }

  /**
   * Loads weights saved by {@link #save} (F32, F16 or BF16) into this policy; all-or-nothing.
   *
   * @throws IOException naming a missing, unexpected or mis-shaped tensor, or a corrupt file
   */
  public void load(Path dir) throws IOException {
    PolicyFiles.loadWeights(model, dir);
  }

  /**
   * Writes weights, AdamW moments and step, the policy version and the reference weights (if any)
   * into {@code dir}.
   */
  @Override
  public void saveCheckpoint(Path dir) throws IOException {
    save(dir);
    PolicyFiles.saveTrainingState(dir, model, optimizer, reference, version);
  }

  @Override
  public void loadCheckpoint(Path dir) throws IOException {
    PolicyFiles.TrainingState state = PolicyFiles.readTrainingState(dir, model);
    load(dir); // validates the weights before changing any
    state.applyTo(optimizer);
    if (state.hasReference()) {
      if (reference == null) {
        reference = model.sameShape();
      }
      state.applyReferenceTo(reference);
    }
    version = state.version();
  }

  @Override
  public String configuration() {
    return "TransformerPolicy[model=" + model.configJson() + ", adamw(lr=" + optimizer.learningRate + ", weightDecay="
        + optimizer.weightDecay + ", clipNorm=" + optimizer.clipNorm + "), microBatchSize=" + microBatchSize + "]";
  }

  /** Reads {@code config.json} of a saved policy. */
  public static TransformerConfig readConfig(Path dir) throws IOException {
    return PolicyFiles.readConfig(dir);
  }

  @Override
  public void close() {
    if (reference != null) {
      reference.close();
    }
    model.close();
  }

  /** Configures a {@link TransformerPolicy}. */
  public static final class Builder {
    private final TransformerConfig config;
    private final java.util.function.Supplier<Network> networkFactory;
    private final TextTokenizer tokenizer;
    private long seed;
    private double learningRate = 1e-4;
    private double weightDecay = 0.0;
    private double clipNorm = 1.0;
    private int microBatchSize;
    private boolean kvCache = true;
    private int decodeRows = 128;
    private java.util.function.Consumer<List<NDArray>> gradientProbe;

    private Builder(TransformerConfig config, TextTokenizer tokenizer) {
      this.config = Objects.requireNonNull(config, "config");
      this.networkFactory = null;
      this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    Builder(java.util.function.Supplier<Network> networkFactory, TextTokenizer tokenizer) {
      this.config = null;
      this.networkFactory = Objects.requireNonNull(networkFactory, "networkFactory");
      this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    /** Seed of the initial weights (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** AdamW learning rate (default 1e-4). */
    public Builder learningRate(double lr) {
      checkArgument(lr >= 0 && Double.isFinite(lr), "learning rate must be finite and >= 0, got %s", lr);
      this.learningRate = lr;
      return this;
    }

    /** AdamW decoupled weight decay on matrices (default 0). */
    public Builder weightDecay(double wd) {
      checkArgument(wd >= 0 && Double.isFinite(wd), "weight decay must be finite and >= 0, got %s", wd);
      this.weightDecay = wd;
      return this;
    }

    /** Global gradient-norm clip (default 1; 0 disables). */
    public Builder clipNorm(double norm) {
      checkArgument(norm >= 0 && Double.isFinite(norm), "clip norm must be finite and >= 0, got %s", norm);
      this.clipNorm = norm;
      return this;
    }

    /**
     * Gradient accumulation: a training batch larger than this is processed in micro-batches of
     * this many sequences whose gradients add up before the one optimizer step (default 0: one
     * pass). The coefficients still see the whole batch's log-probabilities.
     */
    public Builder microBatchSize(int sequences) {
      checkArgument(sequences >= 0, "microBatchSize must be >= 0, got %s", sequences);
      this.microBatchSize = sequences;
      return this;
    }

    /**
     * Whether decoding keeps a key/value cache (default true). Without it every new token re-runs
     * the whole prefix: the same tokens for a seed, slower; {@code djl-bench} measures the
     * difference.
     */
    public Builder kvCache(boolean on) {
      this.kvCache = on;
      return this;
    }

    /**
     * The most rows {@link TransformerPolicy#generateGroups} decodes in one batch (default 128; a
     * group of G rows is never split). Each row holds a key/value cache as long as its sequence, so
     * lower it for large models and long completions.
     */
    public Builder decodeRows(int rows) {
      checkArgument(rows >= 1, "decodeRows must be >= 1, got %s", rows);
      this.decodeRows = rows;
      return this;
    }

    /** Test seam: sees the parameters after each backward pass, before the gradient check. */
    Builder gradientProbe(java.util.function.Consumer<List<NDArray>> probe) {
      this.gradientProbe = probe;
      return this;
    }

    /** Builds the policy (starts the PyTorch engine, offline). */
    public TransformerPolicy build() {
      DjlEngine.ensureOffline();
      Network network = config != null ? new Transformer(config, true, defaultDevice(), seed) : networkFactory.get();
      return new TransformerPolicy(this, network);
    }
  }
}
