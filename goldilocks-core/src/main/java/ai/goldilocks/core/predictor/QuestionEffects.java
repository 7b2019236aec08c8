package ai.goldilocks.core.predictor;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * An immutable map from pool index to a per-question effect on the logit of the success rate,
 * open addressing over primitive arrays (no boxing on the selection path). Absent questions have
 * effect 0.
 */
final class QuestionEffects {
  static final QuestionEffects EMPTY = new QuestionEffects(new int[] {-1}, new float[1], 0);
  private static final int MAX_ENTRIES = 1 << 24;

  private final int[] keys; // -1 = empty
  private final float[] values;
  private final int size;

  private QuestionEffects(int[] keys, float[] values, int size) {
    this.keys = keys;
    this.values = values;
    this.size = size;
  }

  int size() {
    return size;
  }

  float get(int question) {
    return get(question, 0f);
  }

  /** The effect of {@code question}, or {@code absent} when it has none. */
  float get(int question, float absent) {
    int mask = keys.length - 1;
    int slot = mix(question) & mask;
    while (true) {
      int k = keys[slot];
      if (k == question) {
        return values[slot];
      }
      if (k == -1) {
        return absent;
      }
      slot = (slot + 1) & mask;
    }
  }

  private static int mix(int x) {
    int h = x * 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(size);
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != -1) {
        out.writeInt(keys[i]);
        out.writeFloat(values[i]);
      }
    }
  }

  static QuestionEffects read(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_ENTRIES) {
      throw new IOException("corrupt question effects: " + n + " entries");
    }
    Builder b = new Builder(n);
    for (int i = 0; i < n; i++) {
      int q = in.readInt();
      float u = in.readFloat();
      if (q < 0 || !Float.isFinite(u)) {
        throw new IOException("corrupt question effects: entry " + i + " = (" + q + ", " + u + ")");
      }
      if (!b.put(q, u)) {
        throw new IOException("corrupt question effects: question " + q + " appears twice");
      }
    }
    return b.build();
  }

  /** Collects entries; each question at most once. */
  static final class Builder {
    private final int[] keys;
    private final float[] values;
    private int size;

    Builder(int expected) {
      int cap = Integer.highestOneBit(Math.max(2, expected * 2 - 1)) << 1;
      keys = new int[cap];
      values = new float[cap];
      Arrays.fill(keys, -1);
    }

    /** Adds an entry; false if the question is already present. */
    boolean put(int question, float effect) {
      if (question < 0) {
        throw new IllegalArgumentException("negative question index " + question);
      }
      int mask = keys.length - 1;
      int slot = mix(question) & mask;
      while (keys[slot] != -1) {
        if (keys[slot] == question) {
          return false;
        }
        slot = (slot + 1) & mask;
      }
      if (size + 1 > keys.length / 2) {
        throw new IllegalStateException("more entries than the builder was sized for");
      }
      keys[slot] = question;
      values[slot] = effect;
      size++;
      return true;
    }

    QuestionEffects build() {
      return size == 0 ? EMPTY : new QuestionEffects(keys, values, size);
    }
  }
}
