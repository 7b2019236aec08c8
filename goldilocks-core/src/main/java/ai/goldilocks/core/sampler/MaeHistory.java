package ai.goldilocks.core.sampler;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The teacher's mean absolute error on samples it had not trained on yet, one row per update:
 * (samples received so far, MAE). Not thread-safe: the owner guards it.
 */
final class MaeHistory {
  private final List<double[]> rows = new ArrayList<>();
  private double last = Double.NaN;

  /** Records one measurement. */
  void add(long samplesReceived, double mae) {
    rows.add(new double[] {samplesReceived, mae});
    last = mae;
  }

  /** The latest measurement, NaN before the first. */
  double last() {
    return last;
  }

  int size() {
    return rows.size();
  }

  /** A deep copy of the rows. */
  List<double[]> copy() {
    List<double[]> c = new ArrayList<>(rows.size());
    for (double[] r : rows) {
      c.add(r.clone());
    }
    return c;
  }

  void copyFrom(MaeHistory o) {
    rows.clear();
    rows.addAll(o.copy());
    last = o.last;
  }

  /** Writes the last MAE, then the rows (count, then two doubles each). */
  void writeLast(DataOutputStream out) throws IOException {
    out.writeDouble(last);
  }

  void writeRows(DataOutputStream out) throws IOException {
    out.writeInt(rows.size());
    for (double[] r : rows) {
      out.writeDouble(r[0]);
      out.writeDouble(r[1]);
    }
  }

  /** Reads rows written by {@link #writeRows} after a last MAE read before them. */
  static MaeHistory read(double last, DataInputStream in) throws IOException {
    int h = in.readInt();
    if (h < 0 || h > in.available() / 16) {
      throw new IOException("corrupt sampler state: MAE history of " + h + " rows");
    }
    MaeHistory m = new MaeHistory();
    for (int i = 0; i < h; i++) {
      m.rows.add(new double[] {in.readDouble(), in.readDouble()});
    }
    m.last = last;
    return m;
  }
}
