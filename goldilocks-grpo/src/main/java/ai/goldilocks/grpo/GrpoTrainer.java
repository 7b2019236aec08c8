package ai.goldilocks.grpo;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.objective.GrpoObjective;
import ai.goldilocks.core.sampler.DynamicFilter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine-neutral GRPO loop: sampler, policy rollouts, rewards, advantages and per-token
 * coefficients (goldilocks-core), policy update, feedback to the sampler.
 *
 * <p>One {@link #step()}: a batch of B groups filled through a {@link DynamicFilter} over the
 * sampler (pass-through unless {@link Builder#dynamicFilter} is set): the filter hands out
 * questions, the trainer rolls each out into G completions and rewards and offers the group back,
 * the filter sends the feedback (stamped with the policy version) to the sampler; then advantages
 * and {@code numIterations} policy updates on the same rollouts with importance ratios against the
 * sampling log-probabilities (and a KL term against the reference when beta &gt; 0). Rewards travel
 * one way, trainer to filter to sampler. A teacher in asynchronous mode trains on its own thread
 * meanwhile.
 *
 * <p>Checkpoints hold the policy (weights, optimizer, version, reference), the sampler's complete
 * state, the trainer's counters and its {@link TrainerConfig}, with a SHA-256 manifest; they are
 * written to a temporary directory, fsynced and renamed, so a crash never leaves a half-written checkpoint
 * under the final name. Generation seeds derive from (seed, step, question, and the repeat for a
 * question a later filtering round picks again in the same step), so a resumed run
 * continues exactly like an uninterrupted one (with a synchronous teacher). Not thread-safe.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class GrpoTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(GrpoTrainer.class);

  private final Policy policy;
  private final Sampler sampler;
  private final GrpoObjective objective;
  private final SamplingConfig sampling;
  private final int batchSize;
  private final int groupSize;
  private final int numIterations;
  private final long seed;
  private final DynamicFilter filter;
  private final Rollouts rollouts;
  private final MetricsLog log;
  private final Path checkpointDir;
  private final int checkpointEvery;
  private final int keepLast;
  private final TrainerConfig.Filter filterConfig;
  private long step;

  private GrpoTrainer(Builder b) {
    this.policy = b.policy;
    this.sampler = b.sampler;
    this.objective = b.objective;
    this.sampling = b.sampling;
    this.batchSize = b.batchSize;
    this.groupSize = b.groupSize;
    this.numIterations = b.numIterations;
    this.seed = b.seed;
    this.filter = b.filter.off() ? DynamicFilter.passThrough(sampler)
        : DynamicFilter.of(sampler, b.filter.overSample(), b.filter.maxRounds());
    this.rollouts = new Rollouts(policy, b.reward, sampling, groupSize, seed, b.prompt);
    this.log = new MetricsLog(b.metricsFile);
    this.checkpointDir = b.checkpointDir;
    this.checkpointEvery = b.checkpointEvery;
    this.keepLast = b.keepLast;
    this.filterConfig = b.filter;
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
    return rollouts.spent();
  }

  /** The sampler. */
  public Sampler sampler() {
    return sampler;
  }

  /**
   * What a checkpoint written now records of this trainer's configuration; the sampler's and the
   * policy's descriptions are read now (a policy's learning rate may follow a schedule).
   */
  public TrainerConfig configuration() {
    return new TrainerConfig(batchSize, groupSize, numIterations, sampling, objective, filterConfig, sampler.toString(),
        policy.configuration());
  }

  /**
   * Runs one step and returns its metrics (also appended to the metrics file and checkpointed
   * when due).
   *
   * @throws IllegalStateException if the loss is not finite (no update is applied then), or
   *     naming the question when the policy returns the wrong number of completions or a reward
   *     is not finite
   */
  public StepMetrics step() throws IOException {
    long start = System.nanoTime();
    rollouts.startStep();
    DynamicFilter.Fill<RolloutGroup> fill = filter.start(batchSize, groupSize, policy.version());
    List<Selection> picked = new ArrayList<>();
    for (List<Selection> round = fill.nextRound(); !round.isEmpty(); round = fill.nextRound()) {
      picked.addAll(round);
      if (filter.filtering()) {
        // question by question, as the filtered path always generated: its trajectories stay as they were
        for (Selection s : round) {
          RolloutGroup g = rollouts.rollOutOne(s, step);
          fill.offer(s, g.rewards(), g);
        }
      } else {
        for (RolloutGroup g : rollouts.rollOut(round, step)) {
          fill.offer(g.selection(), g.rewards(), g);
        }
      }
    }
    DynamicFilter.Batch<RolloutGroup> batch = fill.batch();
    PolicyUpdate.Result update = null;
    if (batch.groups().isEmpty()) {
      LOG.warn("step {}: dynamic filtering kept no group; no update", step + 1);
    } else {
      update = PolicyUpdate.apply(policy, objective, sampling, numIterations, batch.groups(), step + 1);
    }
    step++;
    StepMetrics m = StepStatistics.metrics(step, policy.version(), picked, batch, update, objective.beta() > 0,
        sampler.metrics().teacherMaeUnseen(), rollouts.spent(), rollouts.stepTokens(), (System.nanoTime() - start) / 1e9);
    log.append(m);
    if (checkpointDir != null && checkpointEvery > 0 && step % checkpointEvery == 0) {
      saveCheckpoint();
    }
    return m;
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

  /**
   * Writes a checkpoint of the current state under the checkpoint directory and returns its path;
   * then keeps only the newest {@link Builder#keepLastCheckpoints} there, if set. A failed write
   * leaves no temporary directory behind.
   */
  public Path saveCheckpoint() throws IOException {
    if (checkpointDir == null) {
      throw new IllegalStateException("no checkpoint directory configured");
    }
    Path target = TrainerCheckpoints.write(checkpointDir, step, rollouts.spent(), seed, configuration(), policy, sampler, keepLast);
    LOG.info("checkpoint written: {}", target);
    return target;
  }

  /** The newest complete checkpoint under {@code dir}, if any. */
  public static Optional<Path> latestCheckpoint(Path dir) throws IOException {
    return TrainerCheckpoints.latest(dir);
  }

  /**
   * Restores a checkpoint written by {@link #saveCheckpoint} (this version's format or the one
   * before). Every file is verified against the manifest first; a corrupt or incomplete checkpoint
   * throws {@link IOException} naming the file and loads nothing. If the policy refuses its part,
   * the sampler is rolled back. The metrics log keeps the lines of the steps up to the checkpoint.
   *
   * @return the {@link TrainerConfig} fields that differ between the checkpoint and this trainer,
   *     as "field: saved -&gt; now" lines ({@link TrainerConfig#differences}), also logged as a
   *     warning; empty when the run continues as it was configured
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
    rollouts.restoreSpent(saved.rolloutsSpent());
    log.truncateAfter(step);
    List<String> differences = new ArrayList<>(configuration().differences(saved.configuration()));
    if (saved.format() == 1) {
      // Format 1 holds the sampler's description as an older version of this library wrote it
      // (before samplers carried a typed configuration); the samplers of this library have just
      // checked their own typed configuration, field by field, in restoreState.
      differences.removeIf(d -> d.startsWith("sampler: "));
    }
    if (!differences.isEmpty()) {
      LOG.warn("resumed from {} with a different configuration:\n  {}", dir, String.join("\n  ", differences));
    }
    LOG.info("resumed from {} at step {} (checkpoint format {})", dir, step, saved.format());
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
    private TrainerConfig.Filter filter = TrainerConfig.Filter.OFF;
    private Path metricsFile;
    private Path checkpointDir;
    private int checkpointEvery;
    private int keepLast;
    private Function<Question, String> prompt = Question::text;

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
      if (!(overSample >= 1) || !Double.isFinite(overSample) || maxRounds < 1) {
        throw new IllegalArgumentException("need overSample >= 1 and maxRounds >= 1, got " + overSample + ", " + maxRounds);
      }
      this.filter = new TrainerConfig.Filter(overSample, maxRounds);
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
    public Builder prompt(Function<Question, String> prompt) {
      this.prompt = Objects.requireNonNull(prompt, "prompt");
      return this;
    }

    /**
     * Keeps only the newest {@code n} checkpoints in the checkpoint directory, deleting older ones
     * after each successful write (default 0: keep all, as a run that may need to go back further
     * than its last checkpoints, say past a divergence, can; set it when disk space matters).
     */
    public Builder keepLastCheckpoints(int n) {
      checkArgument(n >= 0, "keepLastCheckpoints must be >= 0 (0 keeps all), got %s", n);
      this.keepLast = n;
      return this;
    }

    /**
     * Builds the trainer; snapshots the policy's reference when beta &gt; 0.
     *
     * @throws IllegalArgumentException if the batch size exceeds the sampler's pool (without
     *     dynamic filtering, whose rounds may ask again)
     * @throws IllegalStateException if checkpoints are configured and the policy does not support
     *     them ({@link Policy#supportsCheckpoints()}), or beta &gt; 0 and it has no reference model
     */
    public GrpoTrainer build() {
      checkArgument(!filter.off() || batchSize <= sampler.pool().size(), "batchSize %s exceeds the sampler's pool of %s questions",
          batchSize, sampler.pool().size());
      checkArgument(groupSize >= 2, "groupSize must be >= 2, got %s", groupSize);
      if (checkpointDir != null && !policy.supportsCheckpoints()) {
        throw new IllegalStateException("checkpoints into " + checkpointDir + " need a policy with checkpoint support; "
            + policy.getClass().getName() + " does not implement saveCheckpoint and loadCheckpoint");
      }
      if (objective.beta() > 0) {
        policy.snapshotReference();
      }
      return new GrpoTrainer(this);
    }
  }
}
