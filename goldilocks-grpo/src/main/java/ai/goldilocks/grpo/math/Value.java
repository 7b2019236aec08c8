package ai.goldilocks.grpo.math;

import java.math.BigInteger;

/**
 * A number: exact ({@code num / den}, den &gt; 0, lowest terms), an exact rational multiple of
 * {@code \pi} ({@code pi}, with {@code approx} its value), inexact ({@code approx} only), or
 * undefined ({@code approx} NaN).
 *
 * @param decimalUlp the place of the last digit of the coarsest decimal literal that went into the
 *     value (0.01 for "3.14"), or 0 when none did
 * @param pi when not null, the value is exactly {@code pi} (an exact rational) times {@code \pi}
 */
record Value(BigInteger num, BigInteger den, double approx, double decimalUlp, Value pi) {
  /** Exact numbers stop growing here (bits of numerator or denominator). */
  static final int MAX_BITS = 20_000;

  static final Value UNDEFINED = new Value(null, null, Double.NaN, 0, null);
  static final Value ZERO = new Value(BigInteger.ZERO, BigInteger.ONE, 0, 0, null);
  static final Value ONE = new Value(BigInteger.ONE, BigInteger.ONE, 1, 0, null);

  boolean exact() {
    return num != null;
  }

  boolean undefined() {
    return num == null && Double.isNaN(approx);
  }

  boolean isInteger() {
    return exact() && den.equals(BigInteger.ONE);
  }

  static Value of(BigInteger n, BigInteger d, double ulp) {
    if (d.signum() == 0) {
      return UNDEFINED;
    }
    if (d.signum() < 0) {
      n = n.negate();
      d = d.negate();
    }
    BigInteger g = n.gcd(d);
    if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
      n = n.divide(g);
      d = d.divide(g);
    }
    if (n.bitLength() > MAX_BITS || d.bitLength() > MAX_BITS) {
      throw new TooCostly("an exact value exceeds " + MAX_BITS + " bits");
    }
    return new Value(n, d, ratio(n, d), ulp, null);
  }

  /** n / d as a double without dividing big numbers: the top bits of each, scaled. */
  private static double ratio(BigInteger n, BigInteger d) {
    if (n.bitLength() <= 1000 && d.bitLength() <= 1000) {
      return n.doubleValue() / d.doubleValue();
    }
    int sn = Math.max(0, n.bitLength() - 62);
    int sd = Math.max(0, d.bitLength() - 62);
    return Math.scalb(n.shiftRight(sn).doubleValue() / d.shiftRight(sd).doubleValue(), sn - sd);
  }

  static Value integer(long n) {
    return of(BigInteger.valueOf(n), BigInteger.ONE, 0);
  }

  /** A double; NaN is undefined, an infinity is a number too large to hold. */
  static Value inexact(double v, double ulp) {
    if (Double.isNaN(v)) {
      return UNDEFINED;
    }
    if (Double.isInfinite(v)) {
      throw new TooCostly("a value overflows a double");
    }
    return new Value(null, null, v, ulp, null);
  }

  /** {@code coef} (exact) times {@code \pi}; zero stays an exact zero. */
  static Value piTimes(Value coef) {
    if (coef.num.signum() == 0) {
      return ZERO;
    }
    return new Value(null, null, coef.value() * Math.PI, coef.decimalUlp, coef);
  }

  double value() {
    return approx;
  }

  /** Roughly the machine words the value takes, for charging the work on it. */
  long words() {
    return exact() ? (num.bitLength() + den.bitLength()) / 64 + 1 : 1;
  }

  private long numWords() {
    return exact() ? num.bitLength() / 64 + 1 : 1;
  }

  private long denWords() {
    return exact() ? den.bitLength() / 64 + 1 : 1;
  }

  /**
   * The work of a sum, product or quotient of exact values: the multiplications (about the
   * product of the word counts) and the reduction to lowest terms, a gcd that costs about
   * n d + 64 (min(n, d) - 1)^2 for a numerator of n and a denominator of d words (a division, then
   * binary steps when both are long).
   */
  static long cost(Value a, Value b) {
    if (!a.exact() || !b.exact()) {
      return 1;
    }
    long n = Math.max(a.numWords() + b.denWords(), a.denWords() + b.numWords());
    long d = a.denWords() + b.denWords();
    long m = Math.min(n, d) - 1;
    return n * d + 64 * m * m + a.numWords() * b.numWords() + a.denWords() * b.denWords();
  }

  Value add(Value o) {
    // a sum is a rounded decimal only when both terms are: pi + 0.0000001 is not pi rounded
    double u = decimalUlp > 0 && o.decimalUlp > 0 ? Math.max(decimalUlp, o.decimalUlp) : 0;
    if (exact() && o.exact()) {
      return of(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den), u);
    }
    if (pi != null && (o.pi != null || o.isZero())) {
      return piTimes(o.pi == null ? pi : pi.add(o.pi));
    }
    if (o.pi != null && isZero()) {
      return o;
    }
    return inexact(value() + o.value(), u);
  }

  private boolean isZero() {
    return exact() && num.signum() == 0;
  }

  Value negate() {
    if (exact()) {
      return new Value(num.negate(), den, -approx, decimalUlp, null);
    }
    return pi != null ? piTimes(pi.negate()) : undefined() ? this : inexact(-approx, decimalUlp);
  }

  Value mul(Value o) {
    double u = Math.max(decimalUlp, o.decimalUlp);
    if (exact() && o.exact()) {
      return of(num.multiply(o.num), den.multiply(o.den), u);
    }
    if (pi != null && o.exact()) {
      return piTimes(pi.mul(o));
    }
    if (o.pi != null && exact()) {
      return piTimes(o.pi.mul(this));
    }
    return inexact(value() * o.value(), u);
  }

  Value div(Value o) {
    if (o.undefined() || (o.exact() ? o.num.signum() == 0 : o.approx == 0)) {
      return UNDEFINED;
    }
    double u = Math.max(decimalUlp, o.decimalUlp);
    if (exact() && o.exact()) {
      return of(num.multiply(o.den), den.multiply(o.num), u);
    }
    if (pi != null && o.exact()) {
      return piTimes(pi.div(o));
    }
    if (pi != null && o.pi != null) {
      return pi.div(o.pi);
    }
    return inexact(value() / o.value(), u);
  }

  Value pow(Value e, Budget budget) {
    if (undefined() || e.undefined()) {
      return UNDEFINED;
    }
    double u = Math.max(decimalUlp, e.decimalUlp);
    if (exact() && e.isInteger()) {
      if (num.signum() == 0 && e.num.signum() < 0) {
        return UNDEFINED;
      }
      if (isZero() || num.abs().equals(den)) { // 0, 1 and -1 to any integer power
        return isZero() ? (e.num.signum() == 0 ? ONE : ZERO) : num.signum() > 0 || !e.num.testBit(0) ? ONE : integer(-1);
      }
      long bits = Math.max(num.bitLength(), den.bitLength()) - 1; // the result has at least bits * k + 1
      if (e.num.bitLength() <= 31 && bits * e.num.abs().longValue() < MAX_BITS) {
        int k = e.num.intValue();
        budget.charge(square(bits * Math.abs(k) / 64 + 1));
        Value r = of(num.pow(Math.abs(k)), den.pow(Math.abs(k)), u);
        return k >= 0 ? r : of(r.den, r.num, u);
      }
      // too large to hold exactly: a double if one holds it (inexact() refuses an overflow)
    }
    if (exact() && e.exact() && !e.isInteger() && e.den.bitLength() <= 7) {
      Value root = root(e.den.intValueExact(), budget);
      if (root != null) {
        return root.pow(new Value(e.num, BigInteger.ONE, e.num.doubleValue(), e.decimalUlp, null), budget);
      }
    }
    double b = value();
    double x = e.value();
    if (b < 0 && x != Math.rint(x)) {
      return UNDEFINED;
    }
    if (b == 0 && x < 0) {
      return UNDEFINED;
    }
    return inexact(Math.pow(b, x), u);
  }

  /** The exact n-th root when numerator and denominator are perfect powers, else null. */
  Value root(int n, Budget budget) {
    if (!exact() || n < 1 || n > 64 || num.signum() < 0) {
      return null;
    }
    budget.charge(4 + 20 * square(words() - 1)); // Newton's steps on long numbers
    BigInteger a = nthRoot(num, n);
    BigInteger b = nthRoot(den, n);
    return a != null && b != null ? of(a, b, decimalUlp) : null;
  }

  private static BigInteger nthRoot(BigInteger x, int n) {
    if (x.signum() == 0 || x.equals(BigInteger.ONE)) {
      return x;
    }
    double est = x.bitLength() < 1000 ? Math.pow(x.doubleValue(), 1.0 / n) : Math.pow(2, x.bitLength() / (double) n);
    if (x.bitLength() >= 1000 || est > 1e15) {
      // beyond doubles: Newton's method on integers
      BigInteger r = BigInteger.ONE.shiftLeft((x.bitLength() + n - 1) / n);
      BigInteger nn = BigInteger.valueOf(n);
      while (true) {
        BigInteger next = r.multiply(nn.subtract(BigInteger.ONE)).add(x.divide(r.pow(n - 1))).divide(nn);
        if (next.compareTo(r) >= 0) {
          break;
        }
        r = next;
      }
      return r.pow(n).equals(x) ? r : null;
    }
    BigInteger r = BigInteger.valueOf(Math.round(est));
    for (int d = -1; d <= 1; d++) {
      BigInteger c = r.add(BigInteger.valueOf(d));
      if (c.signum() > 0 && c.pow(n).equals(x)) {
        return c;
      }
    }
    return null;
  }

  static long square(long w) {
    return w * w;
  }
}
