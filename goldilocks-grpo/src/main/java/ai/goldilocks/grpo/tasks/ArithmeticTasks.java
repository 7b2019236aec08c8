package ai.goldilocks.grpo.tasks;

import ai.goldilocks.core.internal.Rng;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.apiguardian.api.API;

/**
 * A synthetic reasoning task family with a wide, text-visible difficulty range: additions,
 * subtractions, single-digit multiplications and three-term chains of 1 to {@code maxDigits}-digit
 * numbers. Digits, carries and the operation set the difficulty; the prompt shows the digits and
 * the operation, not the carries, so difficulty is learnable from text but not exactly.
 *
 * <p>Generation is a pure function of the seed: the same seed gives the same tasks and ids.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class ArithmeticTasks {
  private ArithmeticTasks() {}

  /**
   * Generates {@code n} tasks.
   *
   * @param idPrefix prefix of the stable ids ({@code prefix + index})
   * @param maxDigits largest operand length, 1 to 18
   */
  public static List<ArithmeticTask> generate(int n, int maxDigits, long seed, String idPrefix) {
    List<ArithmeticTask> out = new ArrayList<>(n);
    forEach(n, maxDigits, seed, idPrefix, out::add);
    return out;
  }

  /** Generates {@code n} tasks into {@code sink} without holding them: the same tasks as {@link #generate}. */
  public static void forEach(int n, int maxDigits, long seed, String idPrefix, java.util.function.Consumer<ArithmeticTask> sink) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    if (maxDigits < 1 || maxDigits > 18) {
      throw new IllegalArgumentException("maxDigits must be in [1, 18], got " + maxDigits);
    }
    Rng rng = new Rng(seed);
    for (int i = 0; i < n; i++) {
      sink.accept(one(rng, maxDigits, idPrefix + i));
    }
  }

  private static long number(Rng rng, int digits) {
    long lo = digits == 1 ? 0 : pow10(digits - 1);
    long hi = pow10(digits) - 1;
    return lo + (long) (rng.nextDouble() * (hi - lo + 1));
  }

  private static long pow10(int k) {
    long p = 1;
    for (int i = 0; i < k; i++) {
      p *= 10;
    }
    return p;
  }

  private static int digitsOf(long v) {
    return Long.toString(Math.abs(v)).length();
  }

  static int addCarries(long a, long b) {
    int carries = 0;
    int carry = 0;
    while (a > 0 || b > 0) {
      int s = (int) (a % 10 + b % 10) + carry;
      carry = s >= 10 ? 1 : 0;
      carries += carry;
      a /= 10;
      b /= 10;
    }
    return carries;
  }

  static int subBorrows(long a, long b) {
    int borrows = 0;
    int borrow = 0;
    while (a > 0 || b > 0) {
      int d = (int) (a % 10 - b % 10) - borrow;
      borrow = d < 0 ? 1 : 0;
      borrows += borrow;
      a /= 10;
      b /= 10;
    }
    return borrows;
  }

  static int mulCarries(long a, int b) {
    int carries = 0;
    int carry = 0;
    while (a > 0) {
      int p = (int) (a % 10) * b + carry;
      carry = p / 10;
      carries += carry > 0 ? 1 : 0;
      a /= 10;
    }
    return carries;
  }

  private static ArithmeticTask one(Rng rng, int maxDigits, String id) {
    int kind = rng.nextInt(10); // 50% add, 20% sub, 20% mul, 10% chain
    int da = 1 + rng.nextInt(maxDigits);
    int db = 1 + rng.nextInt(maxDigits);
    long a = number(rng, da);
    long b = number(rng, db);
    if (kind < 5) {
      int c = addCarries(a, b);
      int md = Math.max(digitsOf(a), digitsOf(b));
      return new ArithmeticTask(id, a + "+" + b + "=", Long.toString(a + b), "add", md, c, 0.8 * md + 0.6 * c);
    } else if (kind < 7) {
      if (a < b) {
        long t = a;
        a = b;
        b = t;
      }
      int c = subBorrows(a, b);
      int md = digitsOf(a);
      return new ArithmeticTask(id, a + "-" + b + "=", Long.toString(a - b), "sub", md, c, 0.8 * md + 0.6 * c + 0.5);
    } else if (kind < 9) {
      int m = 2 + rng.nextInt(8);
      int c = mulCarries(a, m);
      int md = digitsOf(a);
      String ans = BigInteger.valueOf(a).multiply(BigInteger.valueOf(m)).toString();
      return new ArithmeticTask(id, a + "*" + m + "=", ans, "mul", md, c, 1.2 * md + 0.4 * c + 1.0);
    } else {
      long c3 = number(rng, 1 + rng.nextInt(Math.max(1, maxDigits - 1)));
      int c = addCarries(a, b) + addCarries(a + b, c3);
      int md = Math.max(digitsOf(a), Math.max(digitsOf(b), digitsOf(c3)));
      return new ArithmeticTask(id, a + "+" + b + "+" + c3 + "=", Long.toString(a + b + c3), "chain", md, c,
          0.8 * md + 0.6 * c + 1.5);
    }
  }

  /**
   * One addition (two thirds) or subtraction (one third, never negative) whose longer operand has
   * exactly {@code digits} digits and whose other operand has 1 to {@code digits}. Difficulty varies
   * within a length: one item in four plants a chain, a run of 9s in an addition's first operand
   * (a carry that travels) or of 0s in a subtraction's (a borrow that travels), so carries and
   * borrows range from none to one per digit and the text shows some of it (runs of 9s and 0s).
   *
   * @param digits 1 to 17
   */
  public static ArithmeticTask addOrSubtract(Rng rng, int digits, String id) {
    return addOrSubtract(rng, digits, id, false);
  }

  /**
   * As {@link #addOrSubtract(Rng, int, String)}; with {@code zeroPad} the shorter operand is written
   * with leading zeros to the longer one's width ({@code 4821+0057=}), so every question of a band
   * has the same layout and digit i of both operands sits at the same offset. The answer is the
   * plain number, without leading zeros.
   */
  public static ArithmeticTask addOrSubtract(Rng rng, int digits, String id, boolean zeroPad) {
    if (digits < 1 || digits > 17) {
      throw new IllegalArgumentException("digits must be in [1, 17], got " + digits);
    }
    boolean sub = rng.nextInt(3) == 0;
    long a = number(rng, digits);
    long b = number(rng, 1 + rng.nextInt(digits));
    if (digits > 1 && rng.nextInt(4) == 0) {
      int len = 1 + rng.nextInt(digits - 1);
      int start = rng.nextInt(digits - len); // below the leading digit, which stays non-zero
      long p = pow10(start);
      for (int k = 0; k < len; k++, p *= 10) {
        long digit = (a / p) % 10;
        a += ((sub ? 0 : 9) - digit) * p;
      }
    }
    if (sub) {
      if (a < b) {
        long t = a;
        a = b;
        b = t;
      }
      int md = Math.max(digitsOf(a), digitsOf(b));
      int c = subBorrows(a, b);
      return new ArithmeticTask(id, operand(a, md, zeroPad) + "-" + operand(b, md, zeroPad) + "=", Long.toString(a - b), "sub", md, c,
          0.8 * md + 0.6 * c + 0.5);
    }
    int md = Math.max(digitsOf(a), digitsOf(b));
    int c = addCarries(a, b);
    return new ArithmeticTask(id, operand(a, md, zeroPad) + "+" + operand(b, md, zeroPad) + "=", Long.toString(a + b), "add", md, c,
        0.8 * md + 0.6 * c);
  }

  private static String operand(long v, int width, boolean zeroPad) {
    String s = Long.toString(v);
    return zeroPad && s.length() < width ? "0".repeat(width - s.length()) + s : s;
  }

  /** The exact-match verifier: 1 when {@code completion}, trimmed, equals the answer, else 0. */
  public static double reward(ArithmeticTask task, String completion) {
    return completion != null && completion.trim().equals(task.answer()) ? 1.0 : 0.0;
  }
}
