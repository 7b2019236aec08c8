package ai.goldilocks.core.sampler;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.core.predictor.FeaturePredictor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>In {@link UpdateMode#ASYNCHRONOUS} mode (the default) the update runs on a background thread
 * and {@link #next} never waits for it; which teacher version serves a pick then depends on
 * timing. {@link SamplerMetrics#teacherLagSamples} says how far the teacher is behind; a host that
 * feeds samples faster than the teacher trains waits in {@code feedback} once the lag exceeds
 * {@link Builder#maxTeacherLag} (default two updates' worth). {@link UpdateMode#SYNCHRONOUS} trains inside the {@code feedback} call that completes
 * the batch of new samples, which makes runs exactly reproducible.
 */
public final class GoldilocksSampler extends AbstractSampler {
  private static final Logger LOG = LoggerFactory.getLogger(GoldilocksSampler.class);

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

  /** When the teacher trains. */
  public enum UpdateMode {
    /** On the caller's thread, inside {@code feedback}: deterministic. */
    SYNCHRONOUS,
    /** On a background thread: selection never waits for training. */
    ASYNCHRONOUS
  }

  private final UtilityPredictor predictor;
  private final int candidates;
  private final double epsilon;
  private final int window;
  private final int updateEvery;
  private final int epochs;
  private final UpdateMode mode;
  private final Exploration exploration;
  private final int maxLag;

  // replay buffer: ring of (index, target, success rate, group size), chronological from head
  private final int[] bufIndex;
  private final double[] bufTarget;
  private final double[] bufSuccess;
  private final int[] bufGroup;
  private int bufStart;
  private int bufSize;
  // buffered samples the teacher has not trained on yet (the newest ones of the window)
  private int untrained;
  // samples received since the last update, not yet in the window
  private final int[] newIndex;
  private final double[] newTarget;
  private final double[] newSuccess;
  private final int[] newGroup;
  private int newCount;
  private double lastMae = Double.NaN;
  private final List<double[]> maeHistory = new ArrayList<>();
  private long samplesReceived;
  private long updates;
  private long failures;
  private boolean closed;
  // samples taken by the update in flight (asynchronous), merged due updates, feedback calls that waited
  private int inFlight;
  private long merged;
  private long waits;

  private final int[] cand;
  private final double[] scores;
  private final IntSet seen = new IntSet();

  private final ReentrantLock trainLock = new ReentrantLock();
  private final ExecutorService executor;
  private boolean updateQueued;

  private GoldilocksSampler(Builder b) {
    super(b.pool, b.seed, b.rewardLow, b.rewardHigh, b.maxPolicyLag);
    this.predictor = b.predictor != null ? b.predictor : FeaturePredictor.builder().seed(b.seed).build();
    this.candidates = b.candidates;
    this.epsilon = b.epsilon;
    this.window = b.window;
    this.updateEvery = b.updateEvery;
    this.epochs = b.epochs;
    this.mode = b.mode;
    this.exploration = b.exploration;
    this.maxLag = b.maxLag == 0 ? 2 * b.updateEvery : b.maxLag;
    this.bufIndex = new int[window];
    this.bufTarget = new double[window];
    this.bufSuccess = new double[window];
    this.bufGroup = new int[window];
    this.newIndex = new int[updateEvery];
    this.newTarget = new double[updateEvery];
    this.newSuccess = new double[updateEvery];
    this.newGroup = new int[updateEvery];
    this.cand = new int[candidates];
    this.scores = new double[candidates];
    this.executor = mode == UpdateMode.ASYNCHRONOUS
        ? Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "goldilocks-teacher");
          t.setDaemon(true);
          return t;
        })
        : null;
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
      double u = scores[best];
      if (!(u >= 0 && u <= 0.5)) {
        throw new IllegalStateException("predictor " + predictor.name() + " returned utility " + u + " outside [0, 0.5]");
      }
      out.add(new Selection(pool.get(idx), idx, u));
    }
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
    if (bounded() && newCount == updateEvery - 1 && updateQueued) {
      // this sample makes an update due while the previous one has not started: wait for it to take
      // its samples, so that no due update is merged (the sample is appended after the wait, so a
      // second host thread arriving meanwhile waits here too)
      awaitTeacher(() -> newCount == updateEvery - 1 && updateQueued);
    }
    newIndex[newCount] = index;
    newTarget[newCount] = utility;
    newSuccess[newCount] = successRate;
    newGroup[newCount] = groupSize;
    newCount++;
    samplesReceived++;
    if (newCount < updateEvery) {
      return;
    }
    // Validation before training: the teacher has never trained on these samples.
    double[] pred = new double[newCount];
    predictor.predict(pool, newIndex, newCount, pred);
    double mae = 0;
    for (int i = 0; i < newCount; i++) {
      mae += Math.abs(pred[i] - newTarget[i]);
    }
    lastMae = mae / newCount;
    maeHistory.add(new double[] {samplesReceived, lastMae});
    for (int i = 0; i < newCount; i++) {
      int slot = (bufStart + bufSize) % window;
      if (bufSize == window) {
        bufStart = (bufStart + 1) % window;
      } else {
        bufSize++;
      }
      bufIndex[slot] = newIndex[i];
      bufTarget[slot] = newTarget[i];
      bufSuccess[slot] = newSuccess[i];
      bufGroup[slot] = newGroup[i];
    }
    untrained = Math.min(bufSize, untrained + newCount);
    newCount = 0;
    if (mode == UpdateMode.SYNCHRONOUS) {
      trainNow();
    } else if (!updateQueued) {
      updateQueued = true;
      executor.execute(this::trainInBackground);
    } else {
      merged++;
    }
  }

  /** Samples the serving teacher has not trained on; caller holds {@link #lock}. */
  private long lag() {
    return (long) newCount + untrained + inFlight;
  }

  /**
   * After accepted feedback (asynchronous mode): waits, releasing {@link #lock}, while the lag
   * exceeds the bound and an update is queued or running that will shrink it. Called under
   * {@link #lock} by {@link AbstractSampler#feedback} after {@link #learn}.
   */
  @Override
  void afterLearn() {
    if (bounded() && lag() > maxLag) {
      awaitTeacher(() -> lag() > maxLag && (updateQueued || inFlight > 0));
    }
  }

  private boolean bounded() {
    return mode == UpdateMode.ASYNCHRONOUS && maxLag != Integer.MAX_VALUE;
  }

  /**
   * Waits, releasing {@link #lock}, while {@code condition} holds and the sampler is open; counts
   * one wait if it waited at all. The teacher thread notifies when an update takes its samples and when it ends.
   */
  private void awaitTeacher(java.util.function.BooleanSupplier condition) {
    boolean counted = false;
    while (condition.getAsBoolean() && !closed) {
      if (!counted) {
        waits++;
        counted = true;
      }
      try {
        lock.wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Trains on the current window; caller holds {@link #lock} (synchronous mode). */
  private void trainNow() {
    int fresh = untrained;
    TrainingExamples examples = snapshot();
    try {
      predictor.train(pool, examples, epochs);
      updates++;
    } catch (RuntimeException e) {
      // the feedback that triggered this update was valid and is kept; the update is what failed
      failures++;
      untrained = Math.min(bufSize, untrained + fresh);
      LOG.error("teacher update failed; the teacher keeps its previous weights and retries at the next update", e);
    }
  }

  /** The window as training examples; marks them trained. Caller holds {@link #lock}. */
  private TrainingExamples snapshot() {
    int[] idx = new int[bufSize];
    double[] y = new double[bufSize];
    double[] p = new double[bufSize];
    int[] g = new int[bufSize];
    for (int i = 0; i < bufSize; i++) {
      int s = (bufStart + i) % window;
      idx[i] = bufIndex[s];
      y[i] = bufTarget[s];
      p[i] = bufSuccess[s];
      g[i] = bufGroup[s];
    }
    TrainingExamples examples = new TrainingExamples(idx, y, p, g, bufSize, untrained);
    untrained = 0;
    return examples;
  }

  private void trainInBackground() {
    trainLock.lock();
    try {
      TrainingExamples examples;
      synchronized (lock) {
        updateQueued = false;
        inFlight = untrained;
        examples = snapshot();
        lock.notifyAll();
      }
      predictor.train(pool, examples, epochs);
      synchronized (lock) {
        updates++;
        inFlight = 0;
        lock.notifyAll();
      }
    } catch (RuntimeException e) {
      synchronized (lock) {
        failures++;
        untrained = Math.min(bufSize, untrained + inFlight);
        inFlight = 0;
        lock.notifyAll();
      }
      LOG.error("teacher update failed; the teacher keeps its previous weights and retries at the next update", e);
    } finally {
      trainLock.unlock();
    }
  }

  /** Blocks until queued teacher updates have finished (no-op in synchronous mode). */
  public void awaitUpdates() {
    if (executor == null) {
      return;
    }
    try {
      executor.submit(() -> {}).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  void quiesced(IoAction action) throws IOException {
    trainLock.lock();
    try {
      action.run();
    } finally {
      trainLock.unlock();
    }
  }

  @Override
  double teacherMae() {
    return lastMae;
  }

  @Override
  long teacherUpdateCount() {
    return updates;
  }

  @Override
  long teacherLag() {
    return lag();
  }

  @Override
  long teacherMergedCount() {
    return merged;
  }

  @Override
  long teacherWaitCount() {
    return waits;
  }

  /**
   * Teacher MAE on unseen samples over the run: rows of (samples received, MAE), one per update.
   */
  public List<double[]> maeHistory() {
    synchronized (lock) {
      List<double[]> copy = new ArrayList<>(maeHistory.size());
      for (double[] r : maeHistory) {
        copy.add(r.clone());
      }
      return copy;
    }
  }

  @Override
  void writeExtra(DataOutputStream out) throws IOException {
    out.writeInt(window);
    out.writeInt(updateEvery);
    out.writeInt(bufSize);
    out.writeInt(untrained);
    for (int i = 0; i < bufSize; i++) {
      int s = (bufStart + i) % window;
      out.writeInt(bufIndex[s]);
      out.writeDouble(bufTarget[s]);
      out.writeDouble(bufSuccess[s]);
      out.writeInt(bufGroup[s]);
    }
    out.writeInt(newCount);
    for (int i = 0; i < newCount; i++) {
      out.writeInt(newIndex[i]);
      out.writeDouble(newTarget[i]);
      out.writeDouble(newSuccess[i]);
      out.writeInt(newGroup[i]);
    }
    out.writeDouble(lastMae);
    out.writeLong(samplesReceived);
    out.writeLong(updates);
    out.writeLong(merged);
    out.writeLong(waits);
    out.writeInt(maeHistory.size());
    for (double[] r : maeHistory) {
      out.writeDouble(r[0]);
      out.writeDouble(r[1]);
    }
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    DataOutputStream pd = new DataOutputStream(p);
    predictor.writeState(pd);
    pd.flush();
    StateCodec.writeBytes(out, p.toByteArray());
  }

  @Override
  IoAction readExtra(DataInputStream in) throws IOException {
    int w = in.readInt();
    int u = in.readInt();
    if (w != window || u != updateEvery) {
      throw new IOException("sampler state has window " + w + " and updateEvery " + u
          + ", this sampler is configured with " + window + " and " + updateEvery);
    }
    int n = in.readInt();
    if (n < 0 || n > window) {
      throw new IOException("corrupt sampler state: replay buffer size " + n);
    }
    int fresh = in.readInt();
    if (fresh < 0 || fresh > n) {
      throw new IOException("corrupt sampler state: " + fresh + " untrained samples in a window of " + n);
    }
    int[] bi = new int[n];
    double[] bt = new double[n];
    double[] bs = new double[n];
    int[] bg = new int[n];
    for (int i = 0; i < n; i++) {
      bi[i] = checkIndex(in.readInt());
      bt[i] = checkTarget(in.readDouble());
      bs[i] = checkSuccess(in.readDouble());
      bg[i] = checkGroup(in.readInt());
    }
    int m = in.readInt();
    if (m < 0 || m >= updateEvery) {
      throw new IOException("corrupt sampler state: " + m + " pending samples");
    }
    int[] ni = new int[m];
    double[] nt = new double[m];
    double[] ns = new double[m];
    int[] ng = new int[m];
    for (int i = 0; i < m; i++) {
      ni[i] = checkIndex(in.readInt());
      nt[i] = checkTarget(in.readDouble());
      ns[i] = checkSuccess(in.readDouble());
      ng[i] = checkGroup(in.readInt());
    }
    double mae = in.readDouble();
    long received = in.readLong();
    long upd = in.readLong();
    long mergedCount = in.readLong();
    long waitCount = in.readLong();
    if (upd < 0 || mergedCount < 0 || waitCount < 0) {
      throw new IOException("corrupt sampler state: negative update counters " + upd + ", " + mergedCount + ", " + waitCount);
    }
    int h = in.readInt();
    if (h < 0 || h > in.available() / 16) {
      throw new IOException("corrupt sampler state: MAE history of " + h + " rows");
    }
    List<double[]> hist = new ArrayList<>(h);
    for (int i = 0; i < h; i++) {
      hist.add(new double[] {in.readDouble(), in.readDouble()});
    }
    byte[] predictorState = StateCodec.readBytes(in);
    return () -> {
      predictor.readState(new DataInputStream(new ByteArrayInputStream(predictorState)));
      bufStart = 0;
      bufSize = n;
      untrained = fresh;
      System.arraycopy(bi, 0, bufIndex, 0, n);
      System.arraycopy(bt, 0, bufTarget, 0, n);
      System.arraycopy(bs, 0, bufSuccess, 0, n);
      System.arraycopy(bg, 0, bufGroup, 0, n);
      newCount = m;
      System.arraycopy(ni, 0, newIndex, 0, m);
      System.arraycopy(nt, 0, newTarget, 0, m);
      System.arraycopy(ns, 0, newSuccess, 0, m);
      System.arraycopy(ng, 0, newGroup, 0, m);
      lastMae = mae;
      samplesReceived = received;
      updates = upd;
      merged = mergedCount;
      waits = waitCount;
      inFlight = 0;
      maeHistory.clear();
      maeHistory.addAll(hist);
    };
  }

  private int checkIndex(int i) throws IOException {
    if (i < 0 || i >= pool.size()) {
      throw new IOException("corrupt sampler state: question index " + i + " outside the pool of " + pool.size());
    }
    return i;
  }

  private static double checkSuccess(double p) throws IOException {
    if (!(p >= 0 && p <= 1)) {
      throw new IOException("corrupt sampler state: success rate " + p + " outside [0, 1]");
    }
    return p;
  }

  private static int checkGroup(int g) throws IOException {
    if (g < 2) {
      throw new IOException("corrupt sampler state: group size " + g);
    }
    return g;
  }

  private static double checkTarget(double y) throws IOException {
    if (!(y >= 0 && y <= 0.5)) {
      throw new IOException("corrupt sampler state: utility target " + y + " outside [0, 0.5]");
    }
    return y;
  }

  @Override
  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the sampler is closed; feedback was not counted");
    }
  }

  @Override
  long teacherFailureCount() {
    return failures;
  }

  /**
   * Stops the background teacher after its queued updates; later {@link #feedback} throws
   * {@link IllegalStateException} without counting anything.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    if (executor != null) {
      executor.shutdown();
      try {
        executor.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "GoldilocksSampler[K=" + candidates + ", epsilon=" + epsilon + ", window=" + window
        + ", updateEvery=" + updateEvery + ", epochs=" + epochs + ", mode=" + mode
        + (mode == UpdateMode.ASYNCHRONOUS ? ", maxTeacherLag=" + (maxLag == Integer.MAX_VALUE ? "unbounded" : maxLag) : "")
        + ", exploration=" + exploration
        + ", predictor=" + predictor.name() + ", " + super.toString() + "]";
  }

  /** Configures a {@link GoldilocksSampler}. Defaults follow {@code method.md}. */
  public static final class Builder extends SamplerBuilder<Builder> {
    private UtilityPredictor predictor;
    private int candidates = 16;
    private double epsilon = 0.1;
    private int window = 4096;
    private int updateEvery = 64;
    private int epochs = 3;
    private UpdateMode mode = UpdateMode.ASYNCHRONOUS;
    private Exploration exploration = Exploration.PROPORTIONAL;
    private int maxLag;

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
     * ignored with synchronous updates.
     */
    public Builder maxTeacherLag(int samples) {
      checkArgument(samples >= 1, "maxTeacherLag must be >= 1 (and >= updateEvery), got %s", samples);
      this.maxLag = samples;
      return this;
    }

    /** Synchronous (reproducible) or asynchronous (default) teacher updates. */
    public Builder updateMode(UpdateMode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
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
      return new GoldilocksSampler(this);
    }
  }

}
