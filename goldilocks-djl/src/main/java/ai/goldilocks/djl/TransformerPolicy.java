package ai.goldilocks.djl;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.Policy;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.TrainStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A decoder-only transformer policy on DJL (PyTorch engine): pre-LayerNorm blocks, causal
 * attention, learned positions, tied output embedding. Samples G completions per prompt in one
 * batch with a KV cache; trains through the per-token coefficients of goldilocks-core's GRPO maths
 * with AdamW and gradient clipping; a supervised step for warm starts; safetensors checkpoints.
 *
 * <p>Runs on the GPU when the engine reports one, else on the CPU. Every step runs in its own
 * NDManager scope, so memory stays flat. Not thread-safe.
 */
public final class TransformerPolicy implements Policy {
  private final TransformerConfig config;
  private final TextTokenizer tokenizer;
  private final Network model;
  private final AdamW optimizer;
  private final int microBatchSize;
  private Network reference;
  private long version;
  private final boolean kvCache;
  private final int decodeRows;
  /** Test hook: runs on the parameters after each backward pass, before the gradient check. */
  java.util.function.Consumer<List<NDArray>> afterBackward;

  private TransformerPolicy(TransformerConfig config, Network network, TextTokenizer tokenizer, double learningRate, double weightDecay,
      double clipNorm, int microBatchSize, boolean kvCache, int decodeRows) {
    this.microBatchSize = microBatchSize;
    this.kvCache = kvCache;
    this.decodeRows = decodeRows;
    this.config = config;
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.model = network;
    if (tokenizer.vocabSize() > network.vocabSize()) {
      network.close();
      throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens, model vocabulary " + network.vocabSize());
    }
    this.optimizer = new AdamW(model.manager, model.parameters(), learningRate, weightDecay, clipNorm);
  }

  /** The engine's default device: a GPU when there is one. */
  public static Device defaultDevice() {
    return Offline.engine().defaultDevice();
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
    LlamaConfig.read(checkpoint);
    return new Builder(() -> {
      try {
        return LlamaNetwork.load(checkpoint, defaultDevice());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, tokenizer);
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
    try (Offline.NoGradient off = Offline.noGradient()) {
      reference.copyFrom(model);
    }
  }

  /** Log-probabilities under the frozen reference; throws if {@link #snapshotReference} was never called. */
  @Override
  public double[][] referenceLogProbs(List<Sequence> sequences, double temperature) {
    if (reference == null) {
      throw new IllegalStateException("no reference model: call snapshotReference() first");
    }
    return logProbs(reference, sequences, temperature);
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
    java.util.Map<Integer, List<Integer>> byLength = new java.util.TreeMap<>();
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = encode(prompts.get(i));
      byLength.computeIfAbsent(encoded[i].length, k -> new java.util.ArrayList<>()).add(i);
    }
    List<List<Completion>> out = new java.util.ArrayList<>(java.util.Collections.nCopies(encoded.length, null));
    int groupsPerBatch = Math.max(1, decodeRows / n);
    List<List<Integer>> batches = new java.util.ArrayList<>();
    for (List<Integer> sameLength : byLength.values()) {
      for (int from = 0; from < sameLength.size(); from += groupsPerBatch) {
        batches.add(sameLength.subList(from, Math.min(sameLength.size(), from + groupsPerBatch)));
      }
    }
    for (List<Integer> same : batches) {
      int[][] rows = new int[same.size() * n][];
      ai.goldilocks.core.internal.Rng[] rngs = new ai.goldilocks.core.internal.Rng[rows.length];
      for (int g = 0; g < same.size(); g++) {
        ai.goldilocks.core.internal.Rng rng = new ai.goldilocks.core.internal.Rng(seeds[same.get(g)]);
        for (int j = 0; j < n; j++) {
          rows[g * n + j] = encoded[same.get(g)];
          rngs[g * n + j] = rng;
        }
      }
      List<Completion> cs = Decoder.sample(model, tokenizer, rows, sampling, rngs, kvCache);
      for (int g = 0; g < same.size(); g++) {
        out.set(same.get(g), List.copyOf(cs.subList(g * n, (g + 1) * n)));
      }
    }
    return out;
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
    return logProbs(model, sequences, temperature);
  }

  private double[][] logProbs(Network m, List<Sequence> sequences, double temperature) {
    Scoring.Batch batch = Scoring.pack(model, tokenizer, sequences);
    try (Offline.NoGradient off = Offline.noGradient(); NDManager scope = model.manager.newSubManager()) {
      return Scoring.completionValues(Scoring.tokenLogProbs(m, scope, batch, temperature, false)[0].toFloatArray(), batch);
    }
  }

  /**
   * Full-sequence logits (B, T, V) as a float array, for tests and diagnostics.
   */
  float[] logits(int[] tokens) {
    try (Offline.NoGradient off = Offline.noGradient(); NDManager scope = model.manager.newSubManager()) {
      NDArray x = scope.create(tokens, new Shape(1, tokens.length));
      return model.logits(model.hidden(scope, x, 0, null, null)).toFloatArray();
    }
  }

  @Override
  public TrainStats train(List<Sequence> sequences, double temperature, Coefficients coefficients) {
    Objects.requireNonNull(coefficients, "coefficients");
    // recording is on only inside the gradient collector, also on threads that record by default
    try (Offline.NoGradient off = Offline.noGradient()) {
      return trainWithoutRecording(sequences, temperature, coefficients);
    }
  }

  private TrainStats trainWithoutRecording(List<Sequence> sequences, double temperature, Coefficients coefficients) {
    if (microBatchSize > 0 && sequences.size() > microBatchSize) {
      return trainAccumulated(sequences, temperature, coefficients);
    }
    Scoring.Batch batch = Scoring.pack(model, tokenizer, sequences);
    DjlTraining.LOCK.lock();
    try (NDManager scope = model.manager.newSubManager()) {
      double entropy;
      long tokens;
      try (GradientCollector gc = Offline.newGradientCollector()) {
        NDArray[] r = Scoring.tokenLogProbs(model, scope, batch, temperature, true);
        double[][] lp = Scoring.completionValues(r[0].toFloatArray(), batch);
        double[][] ent = Scoring.completionValues(r[1].toFloatArray(), batch);
        Scoring.checkFinite(lp, "log-prob", 0);
        tokens = Scoring.count(lp);
        entropy = tokens == 0 ? Double.NaN : Scoring.sum(ent) / tokens;
        float[] coef = Scoring.coefficientArray(coefficients.of(lp), batch, 0, batch.b());
        gc.backward(r[0].mul(scope.create(coef, new Shape(batch.b(), batch.w()))).sum());
      } catch (RuntimeException e) {
        optimizer.zeroGradients();
        throw e;
      }
      return applyUpdate(scope, tokens, entropy);
    } finally {
      DjlTraining.LOCK.unlock();
    }
  }

  private TrainStats trainAccumulated(List<Sequence> sequences, double temperature, Coefficients coefficients) {
    // the coefficients need every log-prob of the batch: one pass without gradients first, by micro-batch
    double[][] all = new double[sequences.size()][];
    for (int from = 0; from < sequences.size(); from += microBatchSize) {
      int to = Math.min(sequences.size(), from + microBatchSize);
      double[][] part = logProbs(sequences.subList(from, to), temperature);
      System.arraycopy(part, 0, all, from, part.length);
    }
    Scoring.checkFinite(all, "log-prob", 0);
    double[][] c = coefficients.of(all);
    if (c == null || c.length != sequences.size()) {
      throw new IllegalArgumentException("coefficients must have " + sequences.size() + " rows");
    }
    DjlTraining.LOCK.lock();
    try (NDManager scope = model.manager.newSubManager()) {
      long tokens = Scoring.count(all);
      double entSum = 0;
      try {
        for (int from = 0; from < sequences.size(); from += microBatchSize) {
          int to = Math.min(sequences.size(), from + microBatchSize);
          Scoring.Batch batch = Scoring.pack(model, tokenizer, sequences.subList(from, to));
          try (NDManager micro = scope.newSubManager(); GradientCollector gc = Offline.newGradientCollector()) {
            NDArray[] r = Scoring.tokenLogProbs(model, micro, batch, temperature, true);
            entSum += Scoring.sum(Scoring.completionValues(r[1].toFloatArray(), batch));
            float[] coef = Scoring.coefficientArray(Arrays.copyOfRange(c, from, to), batch, from, batch.b());
            gc.backward(r[0].mul(micro.create(coef, new Shape(batch.b(), batch.w()))).sum());
          }
        }
      } catch (RuntimeException e) {
        optimizer.zeroGradients();
        throw e;
      }
      return applyUpdate(scope, tokens, tokens == 0 ? Double.NaN : entSum / tokens);
    } finally {
      DjlTraining.LOCK.unlock();
    }
  }

  private TrainStats applyUpdate(NDManager scope, long tokens, double entropy) {
    if (afterBackward != null) {
      afterBackward.accept(model.parameters());
    }
    double norm = AdamW.gradNorm(scope, model.parameters());
    if (!Double.isFinite(norm)) {
      optimizer.zeroGradients();
      throw new IllegalArgumentException("gradient norm is " + norm + "; no update applied");
    }
    optimizer.update(scope, norm);
    version++;
    return new TrainStats(norm, optimizer.clipNorm > 0 && norm > optimizer.clipNorm, tokens, entropy);
  }

  /**
   * One supervised step: minimises the mean negative log-likelihood of the completion tokens
   * (for warm starts). Returns the stats; the loss is the negated mean log-prob.
   */
  public double supervisedStep(List<Sequence> sequences) {
    double[] loss = new double[1];
    train(sequences, 1.0, lp -> {
      long n = 0;
      double s = 0;
      for (double[] row : lp) {
        n += row.length;
        for (double x : row) {
          s += x;
        }
      }
      loss[0] = n == 0 ? 0 : -s / n;
      double[][] c = new double[lp.length][];
      for (int i = 0; i < lp.length; i++) {
        c[i] = new double[lp[i].length];
        Arrays.fill(c[i], n == 0 ? 0 : -1.0 / n);
      }
      return c;
    });
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

    /** Builds the policy (starts the PyTorch engine, offline). */
    public TransformerPolicy build() {
      Offline.ensure();
      Network network = config != null ? new Transformer(config, true, defaultDevice(), seed) : networkFactory.get();
      return new TransformerPolicy(config, network, tokenizer, learningRate, weightDecay, clipNorm, microBatchSize, kvCache, decodeRows);
    }
  }
}
