package ai.goldilocks.core.predictor;

import ai.goldilocks.core.QuestionPool;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.stream.IntStream;
import org.apiguardian.api.API;

/**
 * Cheap features of a question's text that carry signs of difficulty: {@value #DIM} values in
 * [-1, 1]. Fifteen describe numbers and structure (length, how many numbers, their digit counts,
 * operators, words, LaTeX commands, and per {@link FeatureSet} either brackets, sentences and word
 * length or arithmetic digit and column statistics); the rest are signed hashes of character
 * trigrams (digits folded to one symbol, so "417+86" and "902+13" share shape) and lower-cased
 * words.
 *
 * <p>{@link #table(QuestionPool, FeatureSet)} computes the features of a whole pool once, in
 * parallel, and keeps them as one byte per value (8-bit quantised), i.e. {@value #DIM} bytes per
 * question; the table is shared by every predictor that uses the same pool and set.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class TextFeatures {
  /** Number of features per question. */
  public static final int DIM = 32;
  static final int NUMERIC = 15;
  private static final Map<QuestionPool, byte[]> GENERAL_TABLES = Collections.synchronizedMap(new WeakHashMap<>());
  private static final Map<QuestionPool, byte[]> ARITHMETIC_TABLES = Collections.synchronizedMap(new WeakHashMap<>());

  private TextFeatures() {}

  /** The {@link FeatureSet#GENERAL} features of {@code text} into {@code out[0..DIM)}. */
  public static void compute(String text, float[] out) {
    compute(text, FeatureSet.GENERAL, out);
  }

  /** Features of {@code text} in {@code set} into {@code out[0..DIM)}. */
  public static void compute(String text, FeatureSet set, float[] out) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(set, "set");
    java.util.Arrays.fill(out, 0, DIM, 0f);
    int len = text.length();
    int numbers = 0;
    int maxDigits = 0;
    int digits = 0;
    int ops = 0;
    int words = 0;
    int latex = 0;
    int run = 0;
    int high = 0;
    int nines = 0;
    int zeros = 0;
    int mulOps = 0;
    int brackets = 0;
    int depth = 0;
    int maxDepth = 0;
    int sentences = 0;
    int letters = 0;
    boolean inWord = false;
    int wordHash = 0;
    int tokens = 0;
    char p1 = ' ';
    char p2 = ' ';
    float[] hashed = new float[DIM - NUMERIC];
    for (int i = 0; i <= len; i++) {
      char ch = i < len ? text.charAt(i) : ' ';
      boolean digit = ch >= '0' && ch <= '9';
      if (digit) {
        run++;
        digits++;
        high += ch >= '5' ? 1 : 0;
        nines += ch == '9' ? 1 : 0;
        zeros += ch == '0' ? 1 : 0;
      } else if (run > 0) {
        numbers++;
        maxDigits = Math.max(maxDigits, run);
        run = 0;
      }
      switch (ch) {
        case '*', '\u00d7' -> {
          ops++;
          mulOps++;
        }
        case '+', '-', '/', '^', '=', '\u00f7' -> ops++;
        case '\\' -> latex++;
        case '(', '[', '{' -> {
          brackets++;
          depth++;
          maxDepth = Math.max(maxDepth, depth);
        }
        case ')', ']', '}' -> depth = Math.max(0, depth - 1);
        case '.', '?', '!' -> sentences += i + 1 >= len || text.charAt(i + 1) == ' ' ? 1 : 0;
        default -> { }
      }
      boolean letter = Character.isLetter(ch);
      if (letter) {
        letters++;
        wordHash = 31 * wordHash + Character.toLowerCase(ch);
        inWord = true;
      } else if (inWord) {
        words++;
        addHash(hashed, wordHash * 0x9E3779B1 + 17);
        tokens++;
        wordHash = 0;
        inWord = false;
      }
      if (i < len) {
        char c = digit ? '0' : Character.toLowerCase(ch);
        if (i >= 2) {
          addHash(hashed, ((p2 * 31 + p1) * 31 + c) * 0x85EBCA6B);
          tokens++;
        }
        p2 = p1;
        p1 = c;
      }
    }
    out[0] = (float) Math.min(1.0, Math.log1p(len) / Math.log1p(2000));
    out[1] = numbers / (numbers + 4f);
    out[2] = Math.min(1f, maxDigits / 12f);
    out[3] = digits / (digits + 20f);
    out[4] = ops / (ops + 4f);
    out[5] = words / (words + 20f);
    out[6] = len == 0 ? 0f : (float) digits / len;
    out[7] = latex / (latex + 4f);
    LongestNumbers two = LongestNumbers.of(text);
    out[8] = Math.min(1f, two.secondLen() / 12f);
    if (set == FeatureSet.ARITHMETIC) {
      out[9] = digits == 0 ? 0f : (float) high / digits;
      out[10] = digits == 0 ? 0f : (float) nines / digits;
      out[11] = digits == 0 ? 0f : (float) zeros / digits;
      out[12] = mulOps / (mulOps + 1f);
      if (two.secondLen() > 0) {
        out[13] = columns(text, two, true) / (float) two.firstLen();
        out[14] = columns(text, two, false) / (float) two.firstLen();
      }
    } else {
      out[9] = brackets / (brackets + 2f);
      out[10] = Math.min(1f, maxDepth / 4f);
      out[11] = numbers == 0 ? 0f : Math.min(1f, digits / (float) numbers / 8f);
      out[12] = sentences / (sentences + 2f);
      out[13] = words == 0 ? 0f : Math.min(1f, letters / (float) words / 10f);
      out[14] = mulOps / (mulOps + 1f);
    }
    float scale = tokens == 0 ? 0f : (float) (1.0 / Math.sqrt(tokens));
    for (int j = 0; j < hashed.length; j++) {
      out[NUMERIC + j] = Math.max(-1f, Math.min(1f, 2f * hashed[j] * scale));
    }
  }

  /**
   * Column interactions of the two longest numbers, aligned at their last digits: with
   * {@code sums}, the columns whose digits sum to 10 or more (where an addition would carry), else
   * those where the longer number's digit is the smaller (where a subtraction would borrow).
   */
  private static int columns(String text, LongestNumbers two, boolean sums) {
    int n = 0;
    for (int k = 1; k <= two.secondLen(); k++) {
      int a = text.charAt(two.firstStart() + two.firstLen() - k) - '0';
      int b = text.charAt(two.secondStart() + two.secondLen() - k) - '0';
      n += sums ? (a + b >= 10 ? 1 : 0) : (a < b ? 1 : 0);
    }
    return n;
  }

  private static void addHash(float[] hashed, int h) {
    h ^= h >>> 16;
    int bucket = Math.floorMod(h, hashed.length);
    hashed[bucket] += (h & 0x40000000) != 0 ? 1f : -1f;
  }

  /** The {@link FeatureSet#GENERAL} table of a pool (see {@link #table(QuestionPool, FeatureSet)}). */
  public static byte[] table(QuestionPool pool) {
    return table(pool, FeatureSet.GENERAL);
  }

  /**
   * The quantised feature table of a pool: question {@code i}'s features are bytes
   * {@code [i * DIM, (i + 1) * DIM)}, value = byte / 127. Computed once per pool and set, and
   * cached.
   */
  public static byte[] table(QuestionPool pool, FeatureSet set) {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(set, "set");
    Map<QuestionPool, byte[]> tables = set == FeatureSet.GENERAL ? GENERAL_TABLES : ARITHMETIC_TABLES;
    byte[] t = tables.get(pool);
    if (t != null) {
      return t;
    }
    synchronized (TextFeatures.class) {
      t = tables.get(pool);
      if (t == null) {
        byte[] table = new byte[Math.multiplyExact(pool.size(), DIM)];
        IntStream.range(0, pool.size()).parallel().forEach(i -> {
          float[] f = new float[DIM];
          compute(pool.text(i), set, f);
          for (int j = 0; j < DIM; j++) {
            table[i * DIM + j] = (byte) Math.round(f[j] * 127f);
          }
        });
        tables.put(pool, table);
        t = table;
      }
    }
    return t;
  }
}
