package ai.goldilocks.core.sampler;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Rng;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.core.Selection;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What every sampler of this library shares: one lock, the outstanding hand-outs, the feedback
 * rules (unknown id, duplicate, stale, reward range), counters and the state envelope.
 */
abstract class AbstractSampler implements Sampler {
  /** Guards all mutable state of the sampler. */
  final Object lock = new Object();
  /** The questions. */
  final QuestionPool pool;
  /** The sampler's random generator; used under {@link #lock} only. */
  final Rng rng;
  private final double rewardLow;
  private final double rewardHigh;
  private final long maxPolicyLag;

  private final Map<Integer, Integer> outstanding = new HashMap<>();
  private long newestPolicyVersion = -1;
  private long selections;
  private long accepted;
  private long duplicate;
  private long stale;
  private long zeroVariance;
  private long predictedCount;
  private double predictedSum;
  private double observedSum;
  private final long[] bands = new long[5];
  private final IntSet batch = new IntSet();

  AbstractSampler(QuestionPool pool, long seed, double rewardLow, double rewardHigh, long maxPolicyLag) {
    this.pool = Objects.requireNonNull(pool, "pool");
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

  /**
   * Picks {@code batchSize} distinct questions into {@code out}; called under {@link #lock}.
   * {@code batch} is cleared before and tracks the picks made so far.
   */
  abstract void pick(int batchSize, IntSet batch, List<Selection> out);

  /** Learns from accepted feedback; called under {@link #lock}. */
  abstract void learn(int index, double utility, double successRate, int groupSize);

  /**
   * Called under {@link #lock} after {@link #learn}, once the feedback is fully counted; may
   * {@code lock.wait()} (a teacher bounding its lag). Default: nothing.
   */
  void afterLearn() {}

  /** Writes the subclass state; called under {@link #lock}. */
  abstract void writeExtra(DataOutputStream out) throws IOException;

  /**
   * Parses the subclass state without applying it; returns the action that applies it (called
   * under {@link #lock} once everything has parsed). The action may throw IOException only before
   * it has changed anything.
   */
  abstract IoAction readExtra(DataInputStream in) throws IOException;

  interface IoAction {
    void run() throws IOException;
  }

  @Override
  public final QuestionPool pool() {
    return pool;
  }

  @Override
  public final List<Selection> next(int batchSize) {
    if (batchSize < 1 || batchSize > pool.size()) {
      throw new IllegalArgumentException("batchSize must be in [1, " + pool.size() + "], got " + batchSize);
    }
    List<Selection> out = new ArrayList<>(batchSize);
    synchronized (lock) {
      batch.clear();
      pick(batchSize, batch, out);
      for (Selection s : out) {
        outstanding.merge(s.poolIndex(), 1, Integer::sum);
        selections++;
        if (s.hasPrediction()) {
          predictedCount++;
          predictedSum += s.predictedUtility();
        }
      }
    }
    return out;
  }

  /**
   * Marks questions as handed out without drawing them, exactly as if {@link #next} had returned
   * them (their feedback is then expected): for a host that restores an older state and replays a
   * journal of the hand-outs made since. The random generator moves to a state derived from its
   * own and the ids, so the picks that follow are fresh draws, not a repeat of the replayed ones
   * (the draws that originally made them cannot be redone: teacher updates may have run between).
   * All-or-nothing: an id that is not in the pool throws {@link IllegalArgumentException} and
   * nothing is marked.
   */
  public final void markHandedOut(List<String> ids) {
    Objects.requireNonNull(ids, "ids");
    int[] idx = new int[ids.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = pool.requireIndex(ids.get(i));
    }
    synchronized (lock) {
      long mix = rng.state();
      for (int i : idx) {
        outstanding.merge(i, 1, Integer::sum);
        selections++;
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
      checkOpen();
      Integer open = outstanding.get(index);
      if (open == null) {
        duplicate++;
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
        stale++;
        return FeedbackStatus.IGNORED_STALE;
      }
      accepted++;
      if (feedback.isZeroVariance()) {
        zeroVariance++;
      }
      observedSum += utility;
      bands[band(success)]++;
      learn(index, utility, success, feedback.groupSize());
      afterLearn();
      return FeedbackStatus.ACCEPTED;
    }
  }

  private static int band(double p) {
    if (p <= 0) {
      return 0;
    }
    if (p >= 1) {
      return 4;
    }
    if (p <= 0.25) {
      return 1;
    }
    return p < 0.75 ? 2 : 3;
  }

  /** Teacher MAE on unseen samples; NaN for samplers without a teacher. */
  double teacherMae() {
    return Double.NaN;
  }

  /** Completed teacher updates; 0 for samplers without a teacher. */
  long teacherUpdateCount() {
    return 0;
  }

  /** Teacher updates that threw; 0 for samplers without a teacher. */
  long teacherFailureCount() {
    return 0;
  }

  /** Accepted samples the serving teacher has not trained on; 0 for samplers without a teacher. */
  long teacherLag() {
    return 0;
  }

  /** Due teacher updates merged into a queued one; 0 for samplers without a teacher. */
  long teacherMergedCount() {
    return 0;
  }

  /** Feedback calls that waited for the teacher; 0 for samplers without a teacher. */
  long teacherWaitCount() {
    return 0;
  }

  /** Throws {@link IllegalStateException} once the sampler is closed; called under {@link #lock}. */
  void checkOpen() {}

  @Override
  public SamplerMetrics metrics() {
    synchronized (lock) {
      List<Long> b = new ArrayList<>(5);
      for (long x : bands) {
        b.add(x);
      }
      return new SamplerMetrics(selections, accepted, duplicate, stale,
          accepted == 0 ? Double.NaN : (double) zeroVariance / accepted,
          predictedCount == 0 ? Double.NaN : predictedSum / predictedCount,
          accepted == 0 ? Double.NaN : observedSum / accepted,
          teacherMae(), teacherUpdateCount(), teacherFailureCount(), teacherLag(), teacherMergedCount(), teacherWaitCount(), b);
    }
  }

  /** Runs {@code action} with background work (teacher training) excluded; default: just runs it. */
  void quiesced(IoAction action) throws IOException {
    action.run();
  }

  @Override
  public final void saveState(OutputStream out) throws IOException {
    Objects.requireNonNull(out, "out");
    quiesced(() -> {
      synchronized (lock) {
        StateCodec.write(out, kind(), data -> {
        data.writeInt(pool.size());
        data.writeLong(pool.fingerprint());
        data.writeDouble(rewardLow);
        data.writeDouble(rewardHigh);
        data.writeLong(rng.state());
        data.writeLong(newestPolicyVersion);
        data.writeLong(selections);
        data.writeLong(accepted);
        data.writeLong(duplicate);
        data.writeLong(stale);
        data.writeLong(zeroVariance);
        data.writeLong(predictedCount);
        data.writeDouble(predictedSum);
        data.writeDouble(observedSum);
        for (long x : bands) {
          data.writeLong(x);
        }
        int[] keys = outstanding.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        data.writeInt(keys.length);
        for (int k : keys) {
          data.writeInt(k);
          data.writeInt(outstanding.get(k));
        }
        writeExtra(data);
        });
      }
    });
  }

  @Override
  public final void restoreState(InputStream in) throws IOException {
    Objects.requireNonNull(in, "in");
    quiesced(() -> restore(StateCodec.read(in, kind())));
  }

  private void restore(DataInputStream data) throws IOException {
    int poolSize = data.readInt();
    if (poolSize != pool.size()) {
      throw new IOException("sampler state was saved with a pool of " + poolSize + " questions, this pool has " + pool.size());
    }
    long fingerprint = data.readLong();
    if (fingerprint != pool.fingerprint()) {
      throw new IOException(String.format("sampler state was saved over a different pool: the same size (%d) but other ids or another"
          + " order (id fingerprint %016x, this pool %016x); per-question state would land on the wrong questions", poolSize,
          fingerprint, pool.fingerprint()));
    }
    double low = data.readDouble();
    double high = data.readDouble();
    if (Double.compare(low, rewardLow) != 0 || Double.compare(high, rewardHigh) != 0) {
      throw new IOException("sampler state was saved with reward range [" + low + ", " + high + "], this sampler has ["
          + rewardLow + ", " + rewardHigh + "]: its utilities and success rates would mean something else");
    }
    long rngState = data.readLong();
    long newest = data.readLong();
    long[] counts = new long[6];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = data.readLong();
      if (counts[i] < 0) {
        throw new IOException("corrupt sampler state: negative counter " + counts[i]);
      }
    }
    double pSum = data.readDouble();
    double oSum = data.readDouble();
    long[] b = new long[5];
    for (int i = 0; i < 5; i++) {
      b[i] = data.readLong();
    }
    int nOut = data.readInt();
    if (nOut < 0 || nOut > pool.size()) {
      throw new IOException("corrupt sampler state: " + nOut + " outstanding questions");
    }
    Map<Integer, Integer> open = new HashMap<>();
    for (int i = 0; i < nOut; i++) {
      int k = data.readInt();
      int v = data.readInt();
      if (k < 0 || k >= pool.size() || v <= 0) {
        throw new IOException("corrupt sampler state: outstanding entry (" + k + ", " + v + ")");
      }
      open.put(k, v);
    }
    IoAction extra = readExtra(data);
    StateCodec.requireEnd(data);
    synchronized (lock) {
      extra.run();
      rng.setState(rngState);
      newestPolicyVersion = newest;
      selections = counts[0];
      accepted = counts[1];
      duplicate = counts[2];
      stale = counts[3];
      zeroVariance = counts[4];
      predictedCount = counts[5];
      predictedSum = pSum;
      observedSum = oSum;
      System.arraycopy(b, 0, bands, 0, 5);
      outstanding.clear();
      outstanding.putAll(open);
    }
  }

  /** The configuration (not the state): kind, pool, reward range, stale-feedback lag. */
  @Override
  public String toString() {
    return kind() + "[pool=" + pool.size() + ", rewardRange=[" + rewardLow + ", " + rewardHigh + "], maxPolicyLag=" + maxPolicyLag + "]";
  }
}
