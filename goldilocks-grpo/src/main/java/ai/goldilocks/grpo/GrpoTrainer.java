package ai.goldilocks.grpo;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.grpo.Advantages;
import ai.goldilocks.core.grpo.GrpoObjective;
import ai.goldilocks.core.grpo.GrpoResult;
import ai.goldilocks.core.grpo.TokenBatch;
import ai.goldilocks.core.sampler.DynamicFilter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine-neutral GRPO loop: sampler, policy rollouts, rewards, advantages and per-token
 * coefficients (goldilocks-core), policy update, feedback to the sampler.
 *
 * <p>One {@link #step()}: B questions from the sampler (or from a {@link DynamicFilter} over it),
 * G completions each, rewards, feedback stamped with the policy version, advantages, then
 * {@code numIterations} policy updates on the same rollouts with importance ratios against the
 * sampling log-probabilities (and a KL term against the reference when beta &gt; 0). A teacher in
 * asynchronous mode trains on its own thread meanwhile.
 *
 * <p>Checkpoints hold the policy (weights, optimizer, version, reference), the sampler's complete
 * state and the trainer's counters, with a SHA-256 manifest; they are written to a temporary
 * directory and renamed, so a crash never leaves a half-written checkpoint under the final name.
 * Generation seeds derive from (seed, step, question), so a resumed run continues exactly like an
 * uninterrupted one (with a synchronous teacher). Not thread-safe.
 */
public final class GrpoTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(GrpoTrainer.class);

  private final Policy policy;
  private final Sampler sampler;
  private final RewardFunction reward;
  private final GrpoObjective objective;
  private final SamplingConfig sampling;
  private final int batchSize;
  private final int groupSize;
  private final int numIterations;
  private final long seed;
  private final DynamicFilter filter;
  private final Path metricsFile;
  private final Path checkpointDir;
  private final int checkpointEvery;
  private final java.util.function.Function<Question, String> prompt;
  private long step;
  private long rolloutsSpent;
  private long stepTokens;

  private GrpoTrainer(Builder b) {
    this.policy = b.policy;
    this.sampler = b.sampler;
    this.reward = b.reward;
    this.objective = b.objective;
    this.sampling = b.sampling;
    this.batchSize = b.batchSize;
    this.groupSize = b.groupSize;
    this.numIterations = b.numIterations;
    this.seed = b.seed;
    this.filter = b.filterOverSample > 0 ? new DynamicFilter(sampler, b.filterOverSample, b.filterMaxRounds) : null;
    this.metricsFile = b.metricsFile;
    this.checkpointDir = b.checkpointDir;
    this.checkpointEvery = b.checkpointEvery;
    this.prompt = b.prompt;
  }

  /** A builder over a policy, a sampler and a reward function. */
  public static Builder builder(Policy policy, Sampler sampler, RewardFunction reward) {
    return new Builder(policy, sampler, reward);
  }

  /** Steps completed. */
  public long stepCount() {
    return step;
  }

  /** Rollouts generated so far. */
  public long rolloutsSpent() {
    return rolloutsSpent;
  }

  /** The sampler. */
  public Sampler sampler() {
    return sampler;
  }

  private record Group(Selection selection, List<Completion> completions, double[] rewards) {}

  private long generationSeed(Selection s) {
    long h = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + s.poolIndex();
    return h ^ (h >>> 29);
  }

  private String promptOf(Selection s) {
    String text = prompt.apply(s.question());
    if (text == null) {
      throw new IllegalStateException("the prompt function returned null for question '" + s.question().id() + "'");
    }
    return text;
  }

  private Group rollOut(Selection s) {
    return counted(scored(s, policy.generate(promptOf(s), groupSize, sampling, generationSeed(s))));
  }

  /** The groups of several selections, sampled in one {@link Policy#generateGroups} call. */
  private List<Group> rollOut(List<Selection> picks) {
    List<String> prompts = new ArrayList<>(picks.size());
    long[] seeds = new long[picks.size()];
    for (int i = 0; i < seeds.length; i++) {
      prompts.add(promptOf(picks.get(i)));
      seeds[i] = generationSeed(picks.get(i));
    }
    List<List<Completion>> all = policy.generateGroups(prompts, groupSize, sampling, seeds);
    if (all.size() != picks.size()) {
      throw new IllegalStateException("the policy returned " + all.size() + " groups for " + picks.size() + " prompts");
    }
    List<Group> out = new ArrayList<>(picks.size());
    for (int i = 0; i < seeds.length; i++) {
      out.add(scored(picks.get(i), all.get(i)));
    }
    // counted only once every group has its rewards: a bad reward leaves the counters as they were
    out.forEach(this::counted);
    return out;
  }

  private Group scored(Selection s, List<Completion> cs) {
    Question q = s.question();
    double[] r = new double[cs.size()];
    for (int j = 0; j < r.length; j++) {
      r[j] = reward.score(q, cs.get(j));
      if (!Double.isFinite(r[j])) {
        throw new IllegalStateException("reward of question '" + q.id() + "' completion " + j + " is " + r[j]);
      }
    }
    return new Group(s, cs, r);
  }

  /** Adds a scored group to the rollout and token counters. */
  private Group counted(Group g) {
    rolloutsSpent += g.rewards.length;
    for (Completion c : g.completions) {
      stepTokens += c.sequence().completion().length;
    }
    return g;
  }

  /**
   * Runs one step and returns its metrics (also appended to the metrics file and checkpointed
   * when due).
   *
   * @throws IllegalStateException if the loss is not finite; no update is applied then
   */
  public StepMetrics step() throws IOException {
    long start = System.nanoTime();
    stepTokens = 0;
    long version = policy.version();
    List<Group> groups = new ArrayList<>();
    int rolledOut;
    int dropped = 0;
    List<Selection> picked = new ArrayList<>();
    if (filter != null) {
      Map<Selection, Group> byPick = new IdentityHashMap<>();
      DynamicFilter.Batch batch = filter.fill(batchSize, version, s -> {
        Group g = rollOut(s);
        byPick.put(s, g);
        picked.add(s);
        return g.rewards;
      });
      for (DynamicFilter.Group g : batch.groups()) {
        groups.add(byPick.get(g.selection()));
      }
      rolledOut = batch.groupsRolledOut();
      dropped = batch.groupsDropped();
    } else {
      picked.addAll(sampler.next(batchSize));
      for (Group g : rollOut(picked)) {
        sampler.feedback(new RolloutFeedback(g.selection().question().id(), g.rewards, version));
        groups.add(g);
      }
      rolledOut = groups.size();
    }
    int zero = dropped;
    for (Group g : groups) {
      zero += new RolloutFeedback("g", g.rewards, 0).isZeroVariance() ? 1 : 0;
    }
    StepMetrics m;
    if (groups.isEmpty()) {
      LOG.warn("step {}: dynamic filtering kept no group; no update", step + 1);
      step++;
      m = metrics(start, picked, groups, rolledOut, zero, dropped, Double.NaN, null, Double.NaN, Double.NaN);
    } else {
      m = update(start, picked, groups, rolledOut, zero, dropped);
    }
    if (metricsFile != null) {
      Files.writeString(metricsFile, m.toJson() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    if (checkpointDir != null && checkpointEvery > 0 && step % checkpointEvery == 0) {
      saveCheckpoint();
    }
    return m;
  }

  private StepMetrics update(long start, List<Selection> picked, List<Group> groups, int rolledOut, int zero, int dropped) {
    double[][] rewards = new double[groups.size()][];
    List<Sequence> seqs = new ArrayList<>();
    List<double[]> old = new ArrayList<>();
    List<Boolean> truncated = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      Group g = groups.get(i);
      rewards[i] = g.rewards;
      for (Completion c : g.completions) {
        seqs.add(c.sequence());
        old.add(c.logProbs());
        truncated.add(c.truncated());
      }
    }
    Advantages adv = objective.advantages(rewards);
    double[] a = adv.values();
    double[][] oldLp = old.toArray(new double[0][]);
    boolean[] trunc = new boolean[truncated.size()];
    for (int i = 0; i < trunc.length; i++) {
      trunc[i] = truncated.get(i);
    }
    double[][] ref = objective.beta() > 0 ? policy.referenceLogProbs(seqs, sampling.temperature()) : null;
    GrpoResult[] last = new GrpoResult[1];
    TrainStats stats = null;
    long stepNo = step + 1;
    for (int it = 0; it < numIterations; it++) {
      try {
        stats = policy.train(seqs, sampling.temperature(), lp -> {
          GrpoResult r = objective.evaluate(TokenBatch.builder().newLogProbs(lp).oldLogProbs(oldLp).refLogProbs(ref)
              .truncated(trunc).build(), a);
          if (!Double.isFinite(r.loss())) {
            throw new IllegalStateException("GRPO loss is " + r.loss());
          }
          last[0] = r;
          return r.coefficients();
        });
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new IllegalStateException("step " + stepNo + " (update " + (it + 1) + " of " + numIterations + "): "
            + e.getMessage() + "; no update applied", e);
      }
    }
    step++;
    return metrics(start, picked, groups, rolledOut, zero, dropped, last[0].loss(), last[0], stats.gradNorm(), stats.meanEntropy());
  }

  private StepMetrics metrics(long start, List<Selection> picked, List<Group> groups, int rolledOut, int zero, int dropped,
      double loss, GrpoResult r, double gradNorm, double entropy) {
    double sum = 0;
    double sq = 0;
    long n = 0;
    for (Group g : groups) {
      for (double x : g.rewards) {
        sum += x;
        sq += x * x;
        n++;
      }
    }
    double mean = n == 0 ? Double.NaN : sum / n;
    double std = n == 0 ? Double.NaN : Math.sqrt(Math.max(0, sq / n - mean * mean));
    double groupStd = 0;
    for (Group g : groups) {
      groupStd += new RolloutFeedback("g", g.rewards, 0).rewardStd();
    }
    groupStd = groups.isEmpty() ? Double.NaN : groupStd / groups.size();
    double pSum = 0;
    double pSq = 0;
    int pN = 0;
    for (Selection s : picked) {
      if (s.hasPrediction()) {
        pSum += s.predictedUtility();
        pSq += s.predictedUtility() * s.predictedUtility();
        pN++;
      }
    }
    double pMean = pN == 0 ? Double.NaN : pSum / pN;
    double pStd = pN == 0 ? Double.NaN : Math.sqrt(Math.max(0, pSq / pN - pMean * pMean));
    return new StepMetrics(step, policy.version(), mean, std, groupStd, rolledOut == 0 ? Double.NaN : (double) zero / rolledOut,
        sampler.metrics().teacherMaeUnseen(), pMean, pStd, loss, gradNorm,
        r == null ? Double.NaN : r.metrics().clipLowFraction(), r == null ? Double.NaN : r.metrics().clipHighFraction(),
        r == null || objective.beta() == 0 ? Double.NaN : r.metrics().meanKl(), entropy, rolloutsSpent, dropped, stepTokens,
        (System.nanoTime() - start) / 1e9);
  }

  /** Listener for {@link #run}. */
  @FunctionalInterface
  public interface StepListener {
    /** Called after each step. */
    void onStep(StepMetrics metrics);
  }

  /** Runs steps until {@code totalSteps} have been completed (counting steps before a resume). */
  public List<StepMetrics> run(long totalSteps, StepListener listener) throws IOException {
    List<StepMetrics> out = new ArrayList<>();
    while (step < totalSteps) {
      StepMetrics m = step();
      out.add(m);
      if (listener != null) {
        listener.onStep(m);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ checkpoints

  /** Writes a checkpoint of the current state under the checkpoint directory; returns its path. */
  public Path saveCheckpoint() throws IOException {
    if (checkpointDir == null) {
      throw new IllegalStateException("no checkpoint directory configured");
    }
    Path target = TrainerCheckpoints.write(checkpointDir, step, rolloutsSpent, seed, configuration(), policy, sampler);
    LOG.info("checkpoint written: {}", target);
    return target;
  }

  /** What a checkpoint records of this trainer's configuration, as {@code config.*} properties. */
  Map<String, String> configuration() {
    Map<String, String> c = new TreeMap<>();
    c.put("config.batchSize", Integer.toString(batchSize));
    c.put("config.groupSize", Integer.toString(groupSize));
    c.put("config.numIterations", Integer.toString(numIterations));
    c.put("config.sampling", "temperature=" + sampling.temperature() + ", topP=" + sampling.topP() + ", maxNewTokens="
        + sampling.maxNewTokens() + ", stopTokens=" + (sampling.stopTokens() == null ? "eos" : new java.util.TreeSet<>(sampling.stopTokens())));
    c.put("config.objective", objective.toString());
    c.put("config.sampler", sampler.toString());
    c.put("config.dynamicFilter", filter == null ? "off" : filter.toString());
    c.put("config.policy", policy.configuration());
    return c;
  }

  /** The newest complete checkpoint under {@code dir}, if any. */
  public static java.util.Optional<Path> latestCheckpoint(Path dir) throws IOException {
    return TrainerCheckpoints.latest(dir);
  }

  /**
   * Restores a checkpoint written by {@link #saveCheckpoint}. Every file is verified against the
   * manifest first; a corrupt or incomplete checkpoint throws {@link IOException} naming the file
   * and loads nothing. If the policy refuses its part, the sampler is rolled back. The metrics log
   * keeps the lines of the steps up to the checkpoint.
   *
   * @return the configuration entries that differ between the checkpoint and this trainer (batch
   *     and group size, sampling, objective, sampler, filter, policy), as "key: saved -&gt; now"
   *     lines, also logged as a warning; empty when the run continues as it was configured
   */
  public List<String> restoreCheckpoint(Path dir) throws IOException {
    TrainerCheckpoints.Saved saved = TrainerCheckpoints.verify(dir, seed);
    ByteArrayOutputStream backup = new ByteArrayOutputStream();
    sampler.saveState(backup);
    try (InputStream in = Files.newInputStream(dir.resolve("sampler.state"))) {
      sampler.restoreState(in);
    }
    try {
      policy.loadCheckpoint(dir.resolve("policy"));
    } catch (IOException | RuntimeException e) {
      sampler.restoreState(new ByteArrayInputStream(backup.toByteArray()));
      throw e;
    }
    step = saved.step();
    rolloutsSpent = saved.rolloutsSpent();
    TrainerCheckpoints.truncateMetrics(metricsFile, step);
    List<String> differences = TrainerCheckpoints.differences(saved.properties(), configuration());
    if (!differences.isEmpty()) {
      LOG.warn("resumed from {} with a different configuration:\n  {}", dir, String.join("\n  ", differences));
    }
    LOG.info("resumed from {} at step {}", dir, step);
    return differences;
  }

  /** Configures a {@link GrpoTrainer}. */
  public static final class Builder {
    private final Policy policy;
    private final Sampler sampler;
    private final RewardFunction reward;
    private GrpoObjective objective = GrpoObjective.builder().build();
    private SamplingConfig sampling = new SamplingConfig(1.0, 1.0, 32);
    private int batchSize = 16;
    private int groupSize = 8;
    private int numIterations = 1;
    private long seed;
    private double filterOverSample;
    private int filterMaxRounds = 8;
    private Path metricsFile;
    private Path checkpointDir;
    private int checkpointEvery;
    private java.util.function.Function<Question, String> prompt = Question::text;

    private Builder(Policy policy, Sampler sampler, RewardFunction reward) {
      this.policy = Objects.requireNonNull(policy, "policy");
      this.sampler = Objects.requireNonNull(sampler, "sampler");
      this.reward = Objects.requireNonNull(reward, "reward");
    }

    /** The GRPO objective (default: GRPO loss, clip 0.2, beta 0). */
    public Builder objective(GrpoObjective objective) {
      this.objective = Objects.requireNonNull(objective, "objective");
      return this;
    }

    /** How completions are sampled (default temperature 1, top-p 1, 32 new tokens). */
    public Builder sampling(SamplingConfig sampling) {
      this.sampling = Objects.requireNonNull(sampling, "sampling");
      return this;
    }

    /** Questions per step, B (default 16). */
    public Builder batchSize(int b) {
      checkArgument(b >= 1, "batchSize must be >= 1, got %s", b);
      this.batchSize = b;
      return this;
    }

    /** Completions per question, G (default 8). */
    public Builder groupSize(int g) {
      checkArgument(g >= 2, "groupSize must be >= 2, got %s", g);
      this.groupSize = g;
      return this;
    }

    /** Policy updates per generation (default 1). */
    public Builder numIterations(int n) {
      checkArgument(n >= 1, "numIterations must be >= 1, got %s", n);
      this.numIterations = n;
      return this;
    }

    /** Seed of the generation seeds (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * DAPO dynamic sampling over the sampler: request {@code overSample} questions per missing
     * group, drop zero-variance groups, refill, at most {@code maxRounds} rounds per step.
     */
    public Builder dynamicFilter(double overSample, int maxRounds) {
      if (!(overSample >= 1) || maxRounds < 1) {
        throw new IllegalArgumentException("need overSample >= 1 and maxRounds >= 1, got " + overSample + ", " + maxRounds);
      }
      this.filterOverSample = overSample;
      this.filterMaxRounds = maxRounds;
      return this;
    }

    /** Appends one JSON line of {@link StepMetrics} per step to this file. */
    public Builder metricsFile(Path file) {
      this.metricsFile = file;
      return this;
    }

    /** Writes a checkpoint into {@code dir} every {@code steps} steps (0: only on request). */
    public Builder checkpoints(Path dir, int steps) {
      checkArgument(steps >= 0, "checkpoint interval must be >= 0, got %s", steps);
      this.checkpointDir = Objects.requireNonNull(dir, "dir");
      this.checkpointEvery = steps;
      return this;
    }

    /**
     * What the policy is prompted with for a question (default: the question's text). A chat model
     * wants its chat template and an instruction around the question, for example
     * {@code q -> template.prompt(q.text() + "\n\nPut your final answer within \\boxed{}.")}; the
     * sampler's teacher still reads the question's own text.
     */
    public Builder prompt(java.util.function.Function<Question, String> prompt) {
      this.prompt = Objects.requireNonNull(prompt, "prompt");
      return this;
    }

    /** Builds the trainer; snapshots the policy's reference when beta &gt; 0. */
    public GrpoTrainer build() {
      if (objective.beta() > 0) {
        policy.snapshotReference();
      }
      return new GrpoTrainer(this);
    }
  }
}
