package ai.goldilocks.core.predictor;

import ai.goldilocks.core.QuestionPool;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.stream.IntStream;

/**
 * Sparse text features of a pool, for a linear part over far more features than the dense table
 * holds, and clusters of questions that state the same numbers.
 *
 * <p><b>Words.</b> Each question keeps up to {@value #WORDS} of its words, hashed to
 * {@value #BUCKETS} buckets, the least frequent in the pool first (a topic word or a rare word says
 * more than "the"), and up to {@value #CROSSES} crosses of its least frequent words seen in at
 * least one question in 200 with its level (digits of its largest number, or the log of its length
 * without numbers): a word that is hard only at high levels gets a weight per level. Stored as
 * {@value #SLOTS} 16-bit ids per question (0 = empty).
 *
 * <p><b>Clusters.</b> Questions whose numbers, in order of appearance, are the same (at least two
 * numbers, or one of three or more digits) are one cluster: likely one question written several
 * ways. A question with no such numbers is a cluster of its own. The cluster is the smallest pool
 * index among its members, 4 bytes per question.
 *
 * <p><b>Digit pairs.</b> The digits that stand in the same place in the two longest numbers of
 * the text (the first ones on ties; kept in the order they appear, aligned at their last digits, up
 * to {@value #PAIRS} places from the right; a number is a run of ASCII digits, so a decimal point or
 * a thousands separator splits one), each with the first operator that stands between the two
 * numbers: the value
 * 1 + op x 100 + 10 x first digit + second digit, op 0 (none or another), 1 (+), 2 (- or the
 * minus sign U+2212), 3 (* or the multiplication sign U+00D7; not the letter x), 4 (/ or the
 * division sign U+00F7); 0 = empty. Nothing here knows what an operator does:
 * the teacher learns from the student's outcomes which pairs make a question harder ({@link SparseLinear}).
 * Stored as {@value #PAIRS} 16-bit values per question.
 *
 * <p>Computed once per pool, in parallel, and cached.
 */
final class SparseText {
  static final int BUCKETS = 1 << 16;
  static final int WORDS = 9;
  static final int CROSSES = 3;
  static final int SLOTS = WORDS + CROSSES;
  static final int PAIRS = 8;
  /** Distinct digit-pair values, 0 (empty) included. */
  static final int PAIR_VALUES = 501;
  private static final Map<QuestionPool, SparseText> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

  /** {@code ids[i * SLOTS + s]}: bucket of slot s of question i, 0 = empty. */
  final char[] ids;
  /** Cluster of question i (a pool index). */
  final int[] cluster;
  /** {@code pairs[i * PAIRS + k]}: digit pair k places from the right, 0 = empty. */
  final char[] pairs;

  private SparseText(char[] ids, int[] cluster, char[] pairs) {
    this.ids = ids;
    this.cluster = cluster;
    this.pairs = pairs;
  }

  static SparseText of(QuestionPool pool) {
    SparseText t = CACHE.get(pool);
    if (t != null) {
      return t;
    }
    synchronized (SparseText.class) {
      t = CACHE.get(pool);
      if (t == null) {
        t = compute(pool);
        CACHE.put(pool, t);
      }
    }
    return t;
  }

  /** Bucket of a word hash, in [1, BUCKETS). */
  private static int bucket(int h) {
    h *= 0x9E3779B1;
    h ^= h >>> 15;
    return 1 + Math.floorMod(h, BUCKETS - 1);
  }

  /** Hashes of the distinct lower-cased words of {@code text}, in order of first appearance. */
  private static int[] words(String text) {
    int[] out = new int[8];
    int n = 0;
    int h = 0;
    boolean in = false;
    int len = text.length();
    for (int i = 0; i <= len; i++) {
      char ch = i < len ? text.charAt(i) : ' ';
      if (Character.isLetter(ch)) {
        h = 31 * h + Character.toLowerCase(ch);
        in = true;
      } else if (in) {
        int b = bucket(h);
        boolean dup = false;
        for (int k = 0; k < n && !dup; k++) {
          dup = out[k] == b;
        }
        if (!dup) {
          if (n == out.length) {
            out = Arrays.copyOf(out, n * 2);
          }
          out[n++] = b;
        }
        h = 0;
        in = false;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** The level of a text: digits of its largest number, else 8 + log2 of its length. */
  private static int level(String text) {
    int run = 0;
    int max = 0;
    for (int i = 0; i <= text.length(); i++) {
      if (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
        run++;
      } else {
        max = Math.max(max, run);
        run = 0;
      }
    }
    return max > 0 ? Math.min(max, 12) : 13 + 31 - Integer.numberOfLeadingZeros(Math.max(1, text.length()));
  }

  /** A 64-bit key of the numbers in order, or 0 when they do not identify a question. */
  private static long numberKey(String text) {
    long key = 0x9E3779B97F4A7C15L;
    int numbers = 0;
    int longest = 0;
    int run = 0;
    for (int i = 0; i <= text.length(); i++) {
      char ch = i < text.length() ? text.charAt(i) : ' ';
      if (ch >= '0' && ch <= '9') {
        key = (key ^ ch) * 0x100000001B3L;
        run++;
      } else if (run > 0) {
        key = (key ^ '|') * 0x100000001B3L;
        numbers++;
        longest = Math.max(longest, run);
        run = 0;
      }
    }
    if (numbers >= 2 || longest >= 3) {
      key ^= key >>> 29;
      return key == 0 ? 1 : key;
    }
    return 0;
  }

  /** The operator code of the first operator in text[from, to): see the class comment. */
  private static int operator(String text, int from, int to) {
    for (int i = from; i < to; i++) {
      switch (text.charAt(i)) {
        case '+' -> {
          return 1;
        }
        case '-', '\u2212' -> {
          return 2;
        }
        case '*', '\u00d7' -> {
          return 3;
        }
        case '/', '\u00f7' -> {
          return 4;
        }
        default -> { }
      }
    }
    return 0;
  }

  /** Writes the text's digit pairs into out[at .. at + PAIRS) (see the class comment). */
  static void pairs(String text, char[] out, int at) {
    LongestNumbers two = LongestNumbers.of(text);
    if (two.secondLen() == 0) {
      return;
    }
    boolean longestFirst = two.firstStart() < two.secondStart();
    int firstStart = longestFirst ? two.firstStart() : two.secondStart();
    int firstLen = longestFirst ? two.firstLen() : two.secondLen();
    int secondStart = longestFirst ? two.secondStart() : two.firstStart();
    int secondLen = longestFirst ? two.secondLen() : two.firstLen();
    int op = operator(text, firstStart + firstLen, secondStart);
    int places = Math.min(PAIRS, Math.min(firstLen, secondLen));
    for (int k = 1; k <= places; k++) {
      int x = text.charAt(firstStart + firstLen - k) - '0';
      int y = text.charAt(secondStart + secondLen - k) - '0';
      out[at + k - 1] = (char) (1 + op * 100 + 10 * x + y);
    }
  }

  private static SparseText compute(QuestionPool pool) {
    int n = pool.size();
    int[] df = new int[BUCKETS];
    int[][] perQuestion = new int[n][];
    long[] keys = new long[n];
    int[] levels = new int[n];
    IntStream.range(0, n).parallel().forEach(i -> {
      String text = pool.text(i);
      perQuestion[i] = words(text);
      keys[i] = numberKey(text);
      levels[i] = level(text);
    });
    for (int[] w : perQuestion) {
      for (int b : w) {
        df[b]++;
      }
    }
    int common = Math.max(2, n / 200);
    char[] ids = new char[Math.multiplyExact(n, SLOTS)];
    char[] pairs = new char[Math.multiplyExact(n, PAIRS)];
    IntStream.range(0, n).parallel().forEach(i -> {
      int[] w = perQuestion[i];
      // least frequent first; ties keep the order of appearance (stable on the packed key)
      long[] order = new long[w.length];
      for (int k = 0; k < w.length; k++) {
        order[k] = ((long) df[w[k]] << 32) | ((long) k << 16) | w[k];
      }
      Arrays.sort(order);
      int base = i * SLOTS;
      int s = 0;
      for (int k = 0; k < order.length && s < WORDS; k++) {
        ids[base + s++] = (char) (order[k] & 0xFFFF);
      }
      int c = 0;
      for (int k = 0; k < order.length && c < CROSSES; k++) {
        if ((order[k] >>> 32) >= common) {
          int word = (int) (order[k] & 0xFFFF);
          ids[base + WORDS + c++] = (char) bucket(word * 0x01000193 + levels[i] * 0x5BD1E995 + 0x27D4EB2F);
        }
      }
      pairs(pool.text(i), pairs, i * PAIRS);
      perQuestion[i] = null;
    });
    // clusters: the distinct keys sorted; per key the smallest index that has it
    int[] cluster = new int[n];
    long[] sorted = Arrays.stream(keys).filter(k -> k != 0).sorted().distinct().toArray();
    int[] first = new int[sorted.length];
    Arrays.fill(first, Integer.MAX_VALUE);
    for (int i = 0; i < n; i++) {
      cluster[i] = i;
      if (keys[i] != 0) {
        int r = Arrays.binarySearch(sorted, keys[i]);
        first[r] = Math.min(first[r], i);
      }
    }
    for (int i = 0; i < n; i++) {
      if (keys[i] != 0) {
        cluster[i] = first[Arrays.binarySearch(sorted, keys[i])];
      }
    }
    return new SparseText(ids, cluster, pairs);
  }
}
