package ai.goldilocks.core.sampler;

import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.core.Selection;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The counters every sampler keeps, by name: hand-outs, what became of each feedback, and the sums
 * behind the mean utilities. Not thread-safe: the owning sampler guards it with its lock.
 */
final class SamplerStats {
  /** Bands of observed success rate p_hat: [0], (0, 0.25], (0.25, 0.75), [0.75, 1), [1]. */
  static final int BANDS = 5;

  long selections;
  long accepted;
  long duplicate;
  long unsolicited;
  long stale;
  long zeroVariance;
  long predictedCount;
  double predictedSum;
  double observedSum;
  final long[] bands = new long[BANDS];

  /** Counts one hand-out. */
  void handedOut(Selection s) {
    selections++;
    if (s.hasPrediction()) {
      predictedCount++;
      predictedSum += s.predictedUtility();
    }
  }

  /** Counts one accepted feedback. */
  void accepted(boolean zeroVar, double utility, double successRate) {
    accepted++;
    if (zeroVar) {
      zeroVariance++;
    }
    observedSum += utility;
    bands[band(successRate)]++;
  }

  static int band(double p) {
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

  /** The metrics, with the teacher's part from {@code teacher}. */
  SamplerMetrics metrics(TeacherStatus teacher) {
    List<Long> b = new ArrayList<>(BANDS);
    for (long x : bands) {
      b.add(x);
    }
    return new SamplerMetrics(selections, accepted, duplicate, unsolicited, stale,
        accepted == 0 ? Double.NaN : (double) zeroVariance / accepted,
        predictedCount == 0 ? Double.NaN : predictedSum / predictedCount,
        accepted == 0 ? Double.NaN : observedSum / accepted,
        teacher.maeUnseen(), teacher.updates(), teacher.failures(), teacher.lagSamples(), teacher.merged(), teacher.waits(), b);
  }

  void copyFrom(SamplerStats o) {
    selections = o.selections;
    accepted = o.accepted;
    duplicate = o.duplicate;
    unsolicited = o.unsolicited;
    stale = o.stale;
    zeroVariance = o.zeroVariance;
    predictedCount = o.predictedCount;
    predictedSum = o.predictedSum;
    observedSum = o.observedSum;
    System.arraycopy(o.bands, 0, bands, 0, BANDS);
  }

  /** Writes the counters (format 5: those of format 4, then the unsolicited count). */
  void write(DataOutputStream out) throws IOException {
    out.writeLong(selections);
    out.writeLong(accepted);
    out.writeLong(duplicate);
    out.writeLong(stale);
    out.writeLong(zeroVariance);
    out.writeLong(predictedCount);
    out.writeDouble(predictedSum);
    out.writeDouble(observedSum);
    for (long x : bands) {
      out.writeLong(x);
    }
    out.writeLong(unsolicited);
  }

  /**
   * Reads counters written by {@link #write} ({@code version} 5) or by format 4, which had no
   * unsolicited count (its duplicates included them).
   */
  static SamplerStats read(DataInputStream in, int version) throws IOException {
    SamplerStats s = new SamplerStats();
    s.selections = counter(in, "selections");
    s.accepted = counter(in, "accepted");
    s.duplicate = counter(in, "duplicate");
    s.stale = counter(in, "stale");
    s.zeroVariance = counter(in, "zeroVariance");
    s.predictedCount = counter(in, "predictedCount");
    s.predictedSum = in.readDouble();
    s.observedSum = in.readDouble();
    for (int i = 0; i < BANDS; i++) {
      s.bands[i] = counter(in, "band " + i);
    }
    if (version >= 5) {
      s.unsolicited = counter(in, "unsolicited");
    }
    return s;
  }

  private static long counter(DataInputStream in, String name) throws IOException {
    long v = in.readLong();
    if (v < 0) {
      throw new IOException("corrupt sampler state: negative counter " + name + " = " + v);
    }
    return v;
  }
}
