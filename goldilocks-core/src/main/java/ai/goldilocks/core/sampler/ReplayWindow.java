package ai.goldilocks.core.sampler;

import ai.goldilocks.core.spi.TrainingExamples;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * A bounded first-in first-out buffer of labelled samples (question index, utility, success rate,
 * group size), oldest first: once full, each new sample evicts the oldest. A ring of four parallel
 * arrays, so that a window of millions of samples costs 24 bytes per sample and no object each.
 * Not thread-safe: the owner guards it.
 */
final class ReplayWindow {
  private final int[] index;
  private final double[] utility;
  private final double[] success;
  private final int[] group;
  private int start;
  private int size;

  /** An empty window of {@code capacity} samples. */
  ReplayWindow(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    }
    index = new int[capacity];
    utility = new double[capacity];
    success = new double[capacity];
    group = new int[capacity];
  }

  int capacity() {
    return index.length;
  }

  int size() {
    return size;
  }

  boolean isFull() {
    return size == index.length;
  }

  /** Appends a sample, evicting the oldest when full. */
  void add(int question, double utilityTarget, double successRate, int groupSize) {
    int cap = index.length;
    int slot = start + size < cap ? start + size : start + size - cap;
    if (size == cap) {
      start = start + 1 == cap ? 0 : start + 1;
    } else {
      size++;
    }
    index[slot] = question;
    utility[slot] = utilityTarget;
    success[slot] = successRate;
    group[slot] = groupSize;
  }

  /** Appends all of {@code other}'s samples, oldest first. */
  void addAll(ReplayWindow other) {
    for (int i = 0; i < other.size; i++) {
      int s = other.slot(i);
      add(other.index[s], other.utility[s], other.success[s], other.group[s]);
    }
  }

  void clear() {
    start = 0;
    size = 0;
  }

  private int slot(int i) {
    int s = start + i;
    return s < index.length ? s : s - index.length;
  }

  /** The {@code i}-th oldest sample's question index. */
  int question(int i) {
    return index[slot(checked(i))];
  }

  /** The {@code i}-th oldest sample's utility target. */
  double utility(int i) {
    return utility[slot(checked(i))];
  }

  /** The {@code i}-th oldest sample's success rate. */
  double successRate(int i) {
    return success[slot(checked(i))];
  }

  /** The {@code i}-th oldest sample's group size. */
  int groupSize(int i) {
    return group[slot(checked(i))];
  }

  private int checked(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("sample " + i + " of a window holding " + size);
    }
    return i;
  }

  /** The question indices, oldest first. */
  int[] questions() {
    int[] q = new int[size];
    for (int i = 0; i < size; i++) {
      q[i] = index[slot(i)];
    }
    return q;
  }

  /** The samples as training examples, oldest first, the newest {@code fresh} of them new. */
  TrainingExamples toExamples(int fresh) {
    int[] q = new int[size];
    double[] y = new double[size];
    double[] p = new double[size];
    int[] g = new int[size];
    for (int i = 0; i < size; i++) {
      int s = slot(i);
      q[i] = index[s];
      y[i] = utility[s];
      p[i] = success[s];
      g[i] = group[s];
    }
    return new TrainingExamples(q, y, p, g, size, fresh);
  }

  /** Replaces this window's samples with {@code other}'s (which must fit). */
  void copyFrom(ReplayWindow other) {
    if (other.size > index.length) {
      throw new IllegalArgumentException(other.size + " samples do not fit a window of " + index.length);
    }
    clear();
    addAll(other);
  }

  /** Writes the samples, oldest first: count, then (int, double, double, int) each. */
  void write(DataOutputStream out) throws IOException {
    out.writeInt(size);
    writeSamples(out);
  }

  /** Writes the samples without their count. */
  void writeSamples(DataOutputStream out) throws IOException {
    for (int i = 0; i < size; i++) {
      int s = slot(i);
      out.writeInt(index[s]);
      out.writeDouble(utility[s]);
      out.writeDouble(success[s]);
      out.writeInt(group[s]);
    }
  }

  /**
   * Reads {@link #write}'s form into a new window of {@code capacity}, refusing a count above
   * {@code maxCount} and samples that are not valid for a pool of {@code poolSize} questions.
   */
  static ReplayWindow read(DataInputStream in, int capacity, int maxCount, int poolSize, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > maxCount) {
      throw new IOException("corrupt sampler state: " + what + " of " + n + " samples (at most " + maxCount + ")");
    }
    return readSamples(in, n, capacity, poolSize);
  }

  /** Reads {@code n} samples written by {@link #writeSamples} into a new window of {@code capacity}. */
  static ReplayWindow readSamples(DataInputStream in, int n, int capacity, int poolSize) throws IOException {
    ReplayWindow w = new ReplayWindow(capacity);
    for (int i = 0; i < n; i++) {
      int q = in.readInt();
      double y = in.readDouble();
      double p = in.readDouble();
      int g = in.readInt();
      if (q < 0 || q >= poolSize) {
        throw new IOException("corrupt sampler state: question index " + q + " outside the pool of " + poolSize);
      }
      if (!(y >= 0 && y <= 0.5)) {
        throw new IOException("corrupt sampler state: utility target " + y + " outside [0, 0.5]");
      }
      if (!(p >= 0 && p <= 1)) {
        throw new IOException("corrupt sampler state: success rate " + p + " outside [0, 1]");
      }
      if (g < 2) {
        throw new IOException("corrupt sampler state: group size " + g);
      }
      w.add(q, y, p, g);
    }
    return w;
  }
}
