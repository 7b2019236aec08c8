package ai.goldilocks.core.sampler;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.internal.Rng;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every sampler of this library shares: one lock, the outstanding hand-outs, the feedback
 * rules (unknown id, never handed out, duplicate, stale, reward range), the counters, closing, and
 * the state's common part ({@link SamplerState}).
 *
 * @param <C> the kind's configuration record
 */
abstract class AbstractSampler<C extends Record> implements Sampler {
  private static final Logger LOG = LoggerFactory.getLogger(AbstractSampler.class);

  /** Guards all mutable state of the sampler. */
  final Object lock = new Object();
  /** The questions. */
  final QuestionPool pool;
  /** The sampler's random generator; used under {@link #lock} only. */
  final Rng rng;
  final double rewardLow;
  final double rewardHigh;
  final long maxPolicyLag;
  private final C config;
  /** The counters; under {@link #lock}. */
  final SamplerStats stats = new SamplerStats();

  final Map<Integer, Integer> outstanding = new HashMap<>();
  /** Questions handed out at least once (by {@link #next} or {@link #markHandedOut}). */
  final BitSet handedOut = new BitSet();
  long newestPolicyVersion = -1;
  private final IntSet batch = new IntSet();
  private boolean closed;
  private boolean warnedNotHandedOut;

  AbstractSampler(QuestionPool pool, long seed, double rewardLow, double rewardHigh, long maxPolicyLag, C config) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.config = Objects.requireNonNull(config, "config");
    if (pool.size() == 0) {
      throw new IllegalArgumentException("the question pool is empty");
    }
    if (!(rewardHigh > rewardLow) || !Double.isFinite(rewardLow) || !Double.isFinite(rewardHigh) || !Double.isFinite(rewardHigh - rewardLow)) {
      throw new IllegalArgumentException("reward range must be finite with low < high, got [" + rewardLow + ", " + rewardHigh + "]");
    }
    if (maxPolicyLag < 0) {
      throw new IllegalArgumentException("maxPolicyLag must be >= 0, got " + maxPolicyLag);
    }
    this.rng = new Rng(seed);
    this.rewardLow = rewardLow;
    this.rewardHigh = rewardHigh;
    this.maxPolicyLag = maxPolicyLag;
  }

  /** A kind name stored in the state header. */
  abstract String kind();

  /** The typed configuration: stored in the state, compared with {@code equals} on restore. */
  public final C config() {
    return config;
  }

  /**
   * Picks {@code batchSize} distinct questions into {@code out}; called under {@link #lock}.
   * {@code batch} is cleared before and tracks the picks made so far.
   */
  abstract void pick(int batchSize, IntSet batch, List<Selection> out);

  /**
   * Learns from accepted feedback, after it has been counted; called under {@link #lock}, may
   * {@code lock.wait()} (a teacher bounding its lag).
   */
  abstract void learn(int index, double utility, double successRate, int groupSize);

  /** Writes the kind's own state; called under {@link #lock}. */
  abstract void writeExtra(DataOutputStream out) throws IOException;

  /**
   * Parses the kind's own state of format {@code version} without applying it; returns the action
   * that applies it (called under {@link #lock} once everything has parsed). The action may throw
   * IOException only before it has changed anything.
   */
  abstract IoAction readExtra(DataInputStream in, int version) throws IOException;

  interface IoAction {
    void run() throws IOException;
  }

  @Override
  public final QuestionPool pool() {
    return pool;
  }

  /**
   * @throws IllegalStateException after {@link #close}
   */
  @Override
  public final List<Selection> next(int batchSize) {
    if (batchSize < 1 || batchSize > pool.size()) {
      throw new IllegalArgumentException("batchSize must be in [1, " + pool.size() + "], got " + batchSize);
    }
    List<Selection> out = new ArrayList<>(batchSize);
    synchronized (lock) {
      checkOpen("no questions were handed out");
      batch.clear();
      pick(batchSize, batch, out);
      for (Selection s : out) {
        outstanding.merge(s.poolIndex(), 1, Integer::sum);
        handedOut.set(s.poolIndex());
        stats.handedOut(s);
      }
    }
    return out;
  }

  /**
   * Marks questions as handed out without drawing them, exactly as if {@link #next} had returned
   * them (their feedback is then expected): for a host that picks some questions itself, or that
   * restores an older state and replays a journal of the hand-outs made since. The random
   * generator moves to a state derived from its own and the ids, so the picks that follow are
   * fresh draws, not a repeat of the replayed ones (the draws that originally made them cannot be
   * redone: teacher updates may have run between). All-or-nothing: an id that is not in the pool
   * throws {@link IllegalArgumentException} naming it and its position, and nothing is marked.
   *
   * @throws IllegalStateException after {@link #close}
   */
  public final void markHandedOut(List<String> ids) {
    Objects.requireNonNull(ids, "ids");
    int[] idx = new int[ids.size()];
    for (int i = 0; i < idx.length; i++) {
      String id = ids.get(i);
      if (id == null) {
        throw new NullPointerException("ids[" + i + "] is null; nothing was marked");
      }
      idx[i] = pool.indexOf(id);
      if (idx[i] < 0) {
        throw new IllegalArgumentException("ids[" + i + "]: unknown question id '" + id + "' (not in this pool of "
            + pool.size() + "); nothing was marked");
      }
    }
    synchronized (lock) {
      checkOpen("nothing was marked");
      long mix = rng.state();
      for (int i : idx) {
        outstanding.merge(i, 1, Integer::sum);
        handedOut.set(i);
        stats.selections++;
        mix = (mix ^ i) * 0x9E3779B97F4A7C15L;
      }
      rng.setState(mix ^ (mix >>> 29));
      rng.nextLong();
    }
  }

  /**
   * Draws up to {@code k} distinct candidates not in {@code batch} into {@code into}; returns how
   * many. Uses rejection while the pool is large relative to the request, enumeration otherwise.
   */
  final int drawCandidates(int k, IntSet batch, int batchCount, int[] into, IntSet seen) {
    int n = pool.size();
    int free = n - batchCount;
    int want = Math.min(k, free);
    seen.clear();
    if (free <= 2 * k) {
      // small pool: reservoir over the free indices, deterministic under the rng
      int c = 0;
      int j = 0;
      for (int i = 0; i < n; i++) {
        if (batch.contains(i)) {
          continue;
        }
        if (c < want) {
          into[c++] = i;
        } else {
          int r = rng.nextInt(j + 1);
          if (r < want) {
            into[r] = i;
          }
        }
        j++;
      }
      return c;
    }
    int c = 0;
    while (c < want) {
      int i = rng.nextInt(n);
      if (!batch.contains(i) && seen.add(i)) {
        into[c++] = i;
      }
    }
    return c;
  }

  @Override
  public final FeedbackStatus feedback(RolloutFeedback feedback) {
    Objects.requireNonNull(feedback, "feedback");
    int index = pool.requireIndex(feedback.questionId());
    double[] r = feedback.rewards();
    for (int i = 0; i < r.length; i++) {
      if (r[i] < rewardLow || r[i] > rewardHigh) {
        throw new IllegalArgumentException("feedback for question '" + feedback.questionId() + "': reward[" + i + "] = "
            + r[i] + " is outside the declared reward range [" + rewardLow + ", " + rewardHigh + "]");
      }
    }
    double span = rewardHigh - rewardLow;
    double utility = Math.min(0.5, feedback.rewardStd() / span);
    double success = (feedback.meanReward() - rewardLow) / span;
    synchronized (lock) {
      checkOpen("feedback was not counted");
      Integer open = outstanding.get(index);
      if (open == null) {
        if (!handedOut.get(index)) {
          stats.unsolicited++;
          warnNotHandedOut(feedback.questionId());
          return FeedbackStatus.IGNORED_NOT_HANDED_OUT;
        }
        stats.duplicate++;
        return FeedbackStatus.IGNORED_DUPLICATE;
      }
      if (open == 1) {
        outstanding.remove(index);
      } else {
        outstanding.put(index, open - 1);
      }
      long version = feedback.policyVersion();
      newestPolicyVersion = Math.max(newestPolicyVersion, version);
      if (newestPolicyVersion - version > maxPolicyLag) {
        stats.stale++;
        return FeedbackStatus.IGNORED_STALE;
      }
      stats.accepted(feedback.isZeroVariance(), utility, success);
      learn(index, utility, success, feedback.groupSize());
      return FeedbackStatus.ACCEPTED;
    }
  }

  private void warnNotHandedOut(String id) {
    if (!warnedNotHandedOut) {
      warnedNotHandedOut = true;
      LOG.warn("feedback for question '{}' is ignored: this {} sampler never handed it out (status IGNORED_NOT_HANDED_OUT, "
          + "counted in SamplerMetrics.unsolicitedFeedback). A host that picks questions itself must register them with "
          + "markHandedOut(ids) before sending their feedback. Logged once per sampler.", id, kind());
    }
  }

  /** Throws {@link IllegalStateException} once the sampler is closed; called under {@link #lock}. */
  final void checkOpen(String consequence) {
    if (closed) {
      throw new IllegalStateException("the sampler is closed; " + consequence);
    }
  }

  /** Whether {@link #close} was called; under {@link #lock}. */
  final boolean isClosed() {
    return closed;
  }

  /** A snapshot of the counters; samplers with a teacher add its part. */
  @Override
  public SamplerMetrics metrics() {
    synchronized (lock) {
      return stats.metrics(TeacherStatus.NONE);
    }
  }

  /** Runs {@code action} under {@link #lock} with background work excluded; default: just under the lock. */
  void quiesced(IoAction action) throws IOException {
    synchronized (lock) {
      action.run();
    }
  }

  /** Runs {@code action} (a save) under {@link #lock}; default: just under the lock. */
  void saving(IoAction action) throws IOException {
    synchronized (lock) {
      action.run();
    }
  }

  @Override
  public final void saveState(OutputStream out) throws IOException {
    Objects.requireNonNull(out, "out");
    saving(() -> SamplerState.write(this, out));
  }

  @Override
  public final void restoreState(InputStream in) throws IOException {
    Objects.requireNonNull(in, "in");
    quiesced(() -> SamplerState.read(this, in).run());
  }

  /**
   * Refuses {@link #next}, {@link #feedback} and {@link #markHandedOut} from now on (they throw
   * {@link IllegalStateException} without counting anything); metrics and state stay readable.
   * Samplers with a teacher also stop and close it.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
  }

  /** The configuration (not the state). */
  @Override
  public String toString() {
    return kind() + "[pool=" + pool.size() + ", " + config + "]";
  }
}
