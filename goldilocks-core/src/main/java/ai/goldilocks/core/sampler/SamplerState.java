package ai.goldilocks.core.sampler;

import ai.goldilocks.core.internal.Envelope;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The sampler state's format, inside an {@link Envelope} of the sampler's kind.
 *
 * <p>Format 6 (written): format 5 with, at the end of the Goldilocks sampler's part, whether a
 * teacher update is due (queued or in flight when the state was saved; a restore schedules it).
 * Format 5 (read too): pool size and id fingerprint, the typed configuration
 * ({@link ConfigCodec}), the random generator, the newest policy version, the counters
 * ({@link SamplerStats}), the outstanding hand-outs, the set of questions ever handed out, then the
 * kind's own part. Format 4 (read too): the same without the configuration (the reward range stood
 * in its place), the unsolicited count and the handed-out set; after restoring it only the
 * outstanding questions count as handed out.
 */
final class SamplerState {
  static final String WHAT = "sampler state";
  /** The format written. */
  static final int VERSION = 6;
  /** The oldest format read. */
  static final int OLDEST = 4;

  private SamplerState() {}

  static void write(AbstractSampler<?> s, OutputStream out) throws IOException {
    Envelope.write(out, s.kind(), VERSION, data -> {
      data.writeInt(s.pool.size());
      data.writeLong(s.pool.fingerprint());
      ConfigCodec.write(data, s.config());
      data.writeLong(s.rng.state());
      data.writeLong(s.newestPolicyVersion);
      s.stats.write(data);
      int[] keys = s.outstanding.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
      data.writeInt(keys.length);
      for (int k : keys) {
        data.writeInt(k);
        data.writeInt(s.outstanding.get(k));
      }
      long[] words = s.handedOut.toLongArray();
      data.writeInt(words.length);
      for (long w : words) {
        data.writeLong(w);
      }
      s.writeExtra(data);
    });
  }

  /** Parses and checks a state for {@code s}; returns the action that applies it (under the lock). */
  static AbstractSampler.IoAction read(AbstractSampler<?> s, InputStream in) throws IOException {
    Envelope.Contents c = Envelope.read(in, WHAT, s.kind(), OLDEST, VERSION);
    int version = c.version();
    DataInputStream data = c.data();
    int poolSize = data.readInt();
    int n = s.pool.size();
    if (poolSize != n) {
      throw new IOException("sampler state was saved with a pool of " + poolSize + " questions, this pool has " + n);
    }
    long fingerprint = data.readLong();
    if (fingerprint != s.pool.fingerprint()) {
      throw new IOException(String.format("sampler state was saved over a different pool: the same size (%d) but other ids or another"
          + " order (id fingerprint %016x, this pool %016x); per-question state would land on the wrong questions", poolSize,
          fingerprint, s.pool.fingerprint()));
    }
    if (version >= 5) {
      Record stored = ConfigCodec.read(data, s.config().getClass());
      ConfigCodec.requireSame(stored, s.config());
    } else {
      double low = data.readDouble();
      double high = data.readDouble();
      if (Double.compare(low, s.rewardLow) != 0 || Double.compare(high, s.rewardHigh) != 0) {
        throw new IOException("sampler state was saved with reward range [" + low + ", " + high + "], this sampler has ["
            + s.rewardLow + ", " + s.rewardHigh + "]: its utilities and success rates would mean something else");
      }
    }
    long rngState = data.readLong();
    long newest = data.readLong();
    SamplerStats stats = SamplerStats.read(data, version);
    int nOut = data.readInt();
    if (nOut < 0 || nOut > n) {
      throw new IOException("corrupt sampler state: " + nOut + " outstanding questions");
    }
    Map<Integer, Integer> open = new HashMap<>();
    BitSet handed = new BitSet();
    for (int i = 0; i < nOut; i++) {
      int k = data.readInt();
      int v = data.readInt();
      if (k < 0 || k >= n || v <= 0) {
        throw new IOException("corrupt sampler state: outstanding entry (" + k + ", " + v + ")");
      }
      open.put(k, v);
      handed.set(k);
    }
    if (version >= 5) {
      int words = data.readInt();
      if (words < 0 || words > (n + 63) / 64) {
        throw new IOException("corrupt sampler state: handed-out set of " + words + " words for a pool of " + n);
      }
      long[] w = new long[words];
      for (int i = 0; i < words; i++) {
        w[i] = data.readLong();
      }
      BitSet set = BitSet.valueOf(w);
      if (set.length() > n) {
        throw new IOException("corrupt sampler state: question " + (set.length() - 1) + " handed out, the pool has " + n);
      }
      if (!contains(set, handed)) {
        throw new IOException("corrupt sampler state: an outstanding question is missing from the handed-out set");
      }
      handed = set;
    }
    AbstractSampler.IoAction extra = s.readExtra(data, version);
    Envelope.requireEnd(data, WHAT);
    BitSet handedOut = handed;
    return () -> {
      extra.run();
      s.rng.setState(rngState);
      s.newestPolicyVersion = newest;
      s.stats.copyFrom(stats);
      s.outstanding.clear();
      s.outstanding.putAll(open);
      s.handedOut.clear();
      s.handedOut.or(handedOut);
    };
  }

  private static boolean contains(BitSet set, BitSet subset) {
    BitSet extra = (BitSet) subset.clone();
    extra.andNot(set);
    return extra.isEmpty();
  }
}
