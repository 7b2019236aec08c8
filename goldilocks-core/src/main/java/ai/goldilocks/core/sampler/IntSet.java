package ai.goldilocks.core.sampler;

import java.util.Arrays;

/** A small reusable open-addressing set of non-negative ints. Not thread-safe. */
final class IntSet {
  private int[] table = new int[64];
  private int size;

  void clear() {
    if (size > 0) {
      Arrays.fill(table, 0);
      size = 0;
    }
  }

  boolean contains(int v) {
    int mask = table.length - 1;
    for (int s = mix(v) & mask; ; s = (s + 1) & mask) {
      int t = table[s];
      if (t == 0) {
        return false;
      }
      if (t == v + 1) {
        return true;
      }
    }
  }

  boolean add(int v) {
    if ((size + 1) * 2 > table.length) {
      int[] old = table;
      table = new int[old.length * 2];
      size = 0;
      for (int t : old) {
        if (t != 0) {
          add(t - 1);
        }
      }
    }
    int mask = table.length - 1;
    for (int s = mix(v) & mask; ; s = (s + 1) & mask) {
      int t = table[s];
      if (t == 0) {
        table[s] = v + 1;
        size++;
        return true;
      }
      if (t == v + 1) {
        return false;
      }
    }
  }

  private static int mix(int v) {
    int h = v * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
