package ai.goldilocks.core.sampler;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.apiguardian.api.API;

/**
 * The Goldilocks teacher-driven sampler (arXiv 2602.14868).
 *
 * <p>Each pick draws {@code K} random candidates (not already in the batch), scores them with the
 * teacher ({@link UtilityPredictor}) and takes the best, or with probability {@code epsilon} a
 * random candidate. Feedback becomes the target y = sqrt(p_hat (1 - p_hat)) (the normalised reward
 * standard deviation for non-binary rewards) and enters a sliding-window replay buffer. Every
 * {@code updateEvery} new samples the teacher's mean absolute error on those not-yet-trained-on
 * samples is recorded, then the teacher trains for {@code epochs} passes over the window.
 *
 * <p>Updates run on an {@link Executor} (as Caffeine runs its maintenance): by default a background
 * thread of the sampler's own, so {@link #next} never waits for training and which teacher version
 * serves a pick depends on timing; {@link SamplerMetrics#teacherLagSamples} says how far the
 * teacher is behind, and a host that feeds samples faster than the teacher trains waits in
 * {@code feedback} once the lag exceeds {@link Builder#maxTeacherLag} (default two updates'
 * worth). A direct executor ({@link Builder#updateMode updateMode(SYNCHRONOUS)}, or
 * {@code executor(Runnable::run)}) trains inside the {@code feedback} call that completes the batch
 * of new samples, which makes runs exactly reproducible; a host may pass its own executor.
 *
 * <p>{@link #saveState} never waits for an update that trains: it stores the teacher as of its last
 * finished update (a {@link UtilityPredictor#stateSnapshot} taken before each asynchronous update)
 * and every sample accepted since, with the update queued or in flight marked as due;
 * {@link #restoreState} schedules that update again, so no accepted sample is lost or trained on
 * twice.
 *
 * <p>The sampler owns its teacher: {@link #close} closes it (see {@link Builder#closeTeacher}).
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class GoldilocksSampler extends AbstractSampler<GoldilocksSampler.Config> {
  /** What an exploring pick (probability epsilon) takes among the K candidates. */
  public enum Exploration {
    /** Any candidate with equal probability: the paper's epsilon-greedy. */
    UNIFORM,
    /**
     * A candidate with probability proportional to its predicted utility: still every candidate
     * the teacher does not rule out entirely, but rarely one it is sure the student always or
     * never solves.
     */
    PROPORTIONAL
  }

  /** When the teacher trains: a shorthand for {@link Builder#executor}. */
  public enum UpdateMode {
    /** On the caller's thread, inside {@code feedback} (a direct executor): deterministic. */
    SYNCHRONOUS,
    /** On a background thread of the sampler's own: selection never waits for training. */
    ASYNCHRONOUS
  }

  /** The direct executor that {@link UpdateMode#SYNCHRONOUS} stands for. */
  private static final Executor DIRECT = Runnable::run;

  /**
   * The settings that shape what a Goldilocks sampler picks and learns; stored in its state and
   * compared with {@code equals} on restore (how updates are scheduled is not part of it).
   *
   * @param candidates K, candidates drawn per pick
   * @param epsilon probability of an exploring pick
   * @param window replay window in samples
   * @param updateEvery new samples between teacher updates
   * @param epochs passes over the window per update
   * @param exploration what exploring picks take
   * @param teacher the teacher's {@link UtilityPredictor#name()}
   * @param seed the seed of the sampler's random generator
   * @param rewardLow low end of the reward range
   * @param rewardHigh high end of the reward range
   * @param maxPolicyLag the stale-feedback lag
   */
  public record Config(int candidates, double epsilon, int window, int updateEvery, int epochs, Exploration exploration,
      String teacher, long seed, double rewardLow, double rewardHigh, long maxPolicyLag) {}

  /**
   * The teacher's prediction for one question.
   *
   * @param questionId the question
   * @param utility predicted utility sqrt(p (1 - p)) in [0, 0.5]
   * @param successRate predicted success rate p in [0, 1], or NaN when the teacher does not model
   *     it (a utility-only teacher cannot tell p from 1 - p)
   */
  public record Prediction(String questionId, double utility, double successRate) {}

  private final Teacher teacher;
  private final UtilityPredictor predictor;
  private final int candidates;
  private final double epsilon;
  private final Exploration exploration;
  private final String updates;
  private final int maxLag;

  private final int[] cand;
  private final double[] scores;
  private final IntSet seen = new IntSet();

  private GoldilocksSampler(Builder b, UtilityPredictor predictor) {
    super(b.pool, b.seed, b.rewardLow, b.rewardHigh, b.maxPolicyLag, new Config(b.candidates, b.epsilon, b.window, b.updateEvery,
        b.epochs, b.exploration, predictor.name(), b.seed, b.rewardLow, b.rewardHigh, b.maxPolicyLag));
    this.predictor = predictor;
    this.candidates = b.candidates;
    this.epsilon = b.epsilon;
    this.exploration = b.exploration;
    this.updates = b.executor == DIRECT ? "synchronous" : b.executor == null ? "background thread" : "host executor";
    this.maxLag = b.maxLag == 0 ? 2 * b.updateEvery : b.maxLag;
    this.teacher = new Teacher(lock, pool, predictor, b.closeTeacher, b.window, b.updateEvery, b.epochs, maxLag, b.executor);
    this.cand = new int[candidates];
    this.scores = new double[candidates];
  }

  /** A builder over {@code pool}. */
  public static Builder builder(QuestionPool pool) {
    return new Builder(pool);
  }

  /** The teacher. */
  public UtilityPredictor predictor() {
    return predictor;
  }

  @Override
  String kind() {
    return "goldilocks";
  }

  /**
   * The teacher's current prediction for the question {@code questionId}: its utility and, when
   * the teacher models it, its success rate.
   *
   * @throws IllegalArgumentException naming the id if the pool has no such question
   * @throws IllegalStateException after {@link #close}
   */
  public Prediction predict(String questionId) {
    int index = pool.requireIndex(Objects.requireNonNull(questionId, "questionId"));
    int[] one = {index};
    double[] u = new double[1];
    double[] p = new double[1];
    synchronized (lock) {
      // under the lock: close() cannot free the teacher meanwhile
      checkOpen("no prediction was made");
      predictor.predict(pool, one, 1, u);
      predictor.predictSuccessRate(pool, one, 1, p);
    }
    return new Prediction(questionId, checkUtility(u[0]), p[0]);
  }

  @Override
  void pick(int batchSize, IntSet batch, List<Selection> out) {
    for (int b = 0; b < batchSize; b++) {
      int c = drawCandidates(candidates, batch, b, cand, seen);
      predictor.predict(pool, cand, c, scores);
      int best;
      if (rng.nextDouble() < epsilon) {
        best = exploration == Exploration.UNIFORM ? rng.nextInt(c) : proportional(c);
      } else {
        best = 0;
        for (int j = 1; j < c; j++) {
          if (scores[j] > scores[best]) {
            best = j;
          }
        }
      }
      int idx = cand[best];
      batch.add(idx);
      out.add(new Selection(pool.get(idx), idx, checkUtility(scores[best])));
    }
  }

  private double checkUtility(double u) {
    if (!(u >= 0 && u <= 0.5)) {
      throw new IllegalStateException("predictor " + predictor.name() + " returned utility " + u + " outside [0, 0.5]");
    }
    return u;
  }

  /** A candidate drawn with probability proportional to its predicted utility (uniform if all are 0). */
  private int proportional(int c) {
    double total = 0;
    for (int j = 0; j < c; j++) {
      total += scores[j];
    }
    if (!(total > 0)) {
      return rng.nextInt(c);
    }
    double r = rng.nextDouble() * total;
    for (int j = 0; j < c; j++) {
      r -= scores[j];
      if (r < 0) {
        return j;
      }
    }
    return c - 1;
  }

  @Override
  void learn(int index, double utility, double successRate, int groupSize) {
    teacher.learn(index, utility, successRate, groupSize);
  }

  /** Blocks until the teacher updates scheduled so far have finished (returns at once when updates run inline). */
  public void awaitUpdates() {
    teacher.awaitUpdates();
  }

  @Override
  void quiesced(IoAction action) throws IOException {
    teacher.quiesced(action);
  }

  @Override
  void saving(IoAction action) throws IOException {
    teacher.saving(action);
  }

  @Override
  public SamplerMetrics metrics() {
    synchronized (lock) {
      return stats.metrics(teacher.status());
    }
  }

  /**
   * Teacher MAE on unseen samples over the run: rows of (samples received, MAE), one per update.
   */
  public List<double[]> maeHistory() {
    synchronized (lock) {
      return teacher.maeHistory();
    }
  }

  @Override
  void writeExtra(DataOutputStream out) throws IOException {
    teacher.write(out);
  }

  @Override
  IoAction readExtra(DataInputStream in, int version) throws IOException {
    return teacher.read(in, version);
  }

  /**
   * Refuses further {@link #next}, {@link #feedback} and {@link #predict} (they throw
   * {@link IllegalStateException} without counting anything), lets the teacher updates already
   * scheduled finish, stops the sampler's own background thread and closes the teacher (unless
   * {@link Builder#closeTeacher closeTeacher(false)}). Idempotent.
   */
  @Override
  public void close() {
    super.close();
    teacher.close();
  }

  @Override
  public String toString() {
    return "GoldilocksSampler[" + config() + ", updates=" + updates
        + ", maxTeacherLag=" + (maxLag == Integer.MAX_VALUE ? "unbounded" : maxLag)
        + ", pool=" + pool.size() + "]";
  }

  /** Configures a {@link GoldilocksSampler}. Defaults follow {@code method.md}. */
  public static final class Builder extends SamplerBuilder<Builder> {
    private UtilityPredictor predictor;
    private int candidates = 16;
    private double epsilon = 0.1;
    private int window = 4096;
    private int updateEvery = 64;
    private int epochs = 3;
    private Executor executor;
    private Exploration exploration = Exploration.PROPORTIONAL;
    private int maxLag;
    private boolean closeTeacher = true;

    private Builder(QuestionPool pool) {
      super(pool);
    }

    /**
     * The teacher; by default a {@link FeaturePredictor} with its defaults and this sampler's
     * seed.
     */
    public Builder predictor(UtilityPredictor predictor) {
      this.predictor = Objects.requireNonNull(predictor, "predictor");
      return this;
    }

    /** Candidates drawn per pick, K (default 16). */
    public Builder candidates(int k) {
      if (k < 1 || k > MAX_CANDIDATES) {
        throw new IllegalArgumentException("candidates must be in [1, " + MAX_CANDIDATES + "], got " + k);
      }
      this.candidates = k;
      return this;
    }

    /** Probability of a random candidate instead of the best (default 0.1). */
    public Builder epsilon(double epsilon) {
      checkArgument(epsilon >= 0 && epsilon <= 1, "epsilon must be in [0, 1], got %s", epsilon);
      this.epsilon = epsilon;
      return this;
    }

    /** Replay buffer size in samples (default 4096, at most 2^24). */
    public Builder window(int samples) {
      if (samples < 1 || samples > MAX_WINDOW) {
        throw new IllegalArgumentException("window must be in [1, " + MAX_WINDOW + "], got " + samples);
      }
      this.window = samples;
      return this;
    }

    /** New samples between teacher updates, N (default 64). */
    public Builder updateEvery(int samples) {
      checkArgument(samples >= 1, "updateEvery must be >= 1, got %s", samples);
      this.updateEvery = samples;
      return this;
    }

    /** Passes over the window per update (default 3). */
    public Builder epochs(int epochs) {
      checkArgument(epochs >= 1, "epochs must be >= 1, got %s", epochs);
      this.epochs = epochs;
      return this;
    }

    /** What exploring picks take (default {@link Exploration#PROPORTIONAL}). */
    public Builder exploration(Exploration exploration) {
      this.exploration = Objects.requireNonNull(exploration, "exploration");
      return this;
    }

    /**
     * With asynchronous updates: the most accepted samples the serving teacher may not have trained
     * on before {@code feedback} waits for the update in flight (default {@code 2 * updateEvery}:
     * the host runs at most one update ahead of the teacher, and a due update is rarely merged).
     * A host loop slower than a teacher update never waits; a faster one is slowed to the
     * teacher's pace and gets about the teacher it would get synchronously.
     * {@code Integer.MAX_VALUE} never waits (the teacher may fall far behind a fast loop;
     * {@link SamplerMetrics#teacherLagSamples} says how far). Must be at least {@code updateEvery};
     * never reached when updates run inline.
     */
    public Builder maxTeacherLag(int samples) {
      checkArgument(samples >= 1, "maxTeacherLag must be >= 1 (and >= updateEvery), got %s", samples);
      this.maxLag = samples;
      return this;
    }

    /**
     * Synchronous (reproducible) or asynchronous (default) teacher updates: a shorthand for a
     * direct {@link #executor} or the sampler's own background thread.
     */
    public Builder updateMode(UpdateMode mode) {
      this.executor = Objects.requireNonNull(mode, "mode") == UpdateMode.SYNCHRONOUS ? DIRECT : null;
      return this;
    }

    /**
     * Runs teacher updates on {@code executor} (default: a background thread of the sampler's own,
     * stopped by {@link GoldilocksSampler#close}). The sampler never shuts a host's executor down;
     * an update it refuses counts as a failed one. A direct executor ({@code Runnable::run})
     * trains inside {@code feedback}: deterministic.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Whether {@link GoldilocksSampler#close} closes the teacher (default true: the sampler owns
     * it, and a DJL teacher's native memory is freed with it). False for a teacher shared by
     * several samplers or closed by the host.
     */
    public Builder closeTeacher(boolean close) {
      this.closeTeacher = close;
      return this;
    }

    /** Builds the sampler; checks that the window holds an update's samples. */
    public GoldilocksSampler build() {
      if (updateEvery > window) {
        throw new IllegalStateException("updateEvery (" + updateEvery + ") must not exceed window (" + window + ")");
      }
      if (maxLag != 0 && maxLag < updateEvery) {
        throw new IllegalStateException("maxTeacherLag (" + maxLag + ") must be at least updateEvery (" + updateEvery
            + "): below it feedback would wait for an update that is not due yet");
      }
      return new GoldilocksSampler(this, predictor != null ? predictor : FeaturePredictor.builder().seed(seed).build());
    }
  }

}
