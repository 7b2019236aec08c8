package ai.goldilocks.grpo.math;

import java.math.BigInteger;

/**
 * The functions {@link Expr} evaluates, exact where the value is rational: roots, the
 * trigonometric functions at multiples of {@code \\pi/12} and their inverses, logarithms of rational
 * powers, factorials and binomials; otherwise a double. Every costly step is charged to the budget.
 */
final class ExprFunctions {
  /** The largest k of a binomial or of a factorial's loop that is attempted at all. */
  private static final int MAX_TERMS = 10_000;

  private final Budget budget;

  ExprFunctions(Budget budget) {
    this.budget = budget;
  }

  // Arithmetic charged to the budget before it is done (Value.cost).
  Value add(Value a, Value b) {
    budget.charge(Value.cost(a, b));
    return a.add(b);
  }

  Value mul(Value a, Value b) {
    budget.charge(Value.cost(a, b));
    return a.mul(b);
  }

  Value div(Value a, Value b) {
    budget.charge(Value.cost(a, b));
    return a.div(b);
  }

  /** The k-th root, exact where it is rational; undefined for an even root of a negative number. */
  Value root(Value x, int k) {
    if (x.undefined()) {
      return x;
    }
    if (x.value() < 0 && k % 2 == 0) {
      return Value.UNDEFINED;
    }
    Value r = x.value() < 0 ? x.negate().root(k, budget) : x.root(k, budget);
    if (r != null) {
      return x.value() < 0 ? r.negate() : r;
    }
    double v = x.value() < 0 ? -Math.pow(-x.value(), 1.0 / k) : Math.pow(x.value(), 1.0 / k);
    return Value.inexact(v, x.decimalUlp());
  }

  /**
   * A function of the parser's: {@code name} at {@code x}, {@code base} for a logarithm (null: the
   * natural logarithm, or the common one for a bare {@code \\log} when {@code log10}).
   */
  Value apply(String name, Value base, Value x, boolean log10) {
    if (x.undefined() || (base != null && base.undefined())) {
      return Value.UNDEFINED;
    }
    budget.charge(8);
    switch (name) {
      case "sin", "cos", "tan", "sec", "csc", "cot":
        return trig(name, x);
      case "arcsin", "arccos", "arctan", "arcsec", "arccsc", "arccot":
        return inverseTrig(name, x);
      case "sinh":
        return x.exact() && x.num().signum() == 0 ? Value.ZERO : Value.inexact(Math.sinh(x.value()), x.decimalUlp());
      case "cosh":
        return x.exact() && x.num().signum() == 0 ? Value.ONE : Value.inexact(Math.cosh(x.value()), x.decimalUlp());
      case "tanh":
        return x.exact() && x.num().signum() == 0 ? Value.ZERO : Value.inexact(Math.tanh(x.value()), x.decimalUlp());
      case "exp":
        return x.exact() && x.num().signum() == 0 ? Value.ONE : Value.inexact(Math.exp(x.value()), x.decimalUlp());
      case "ln":
        return log(x, null);
      case "log":
        if (base == null) {
          return log(x, log10 ? Value.integer(10) : null);
        }
        return log(x, base);
      default:
        throw new Expr.ParseError();
    }
  }

  /** The logarithm of x to an exact or inexact base, natural when base is null. */
  private Value log(Value x, Value base) {
    if (x.value() <= 0 || (base != null && (base.value() <= 0 || (base.exact() && base.num().equals(base.den()))))) {
      return Value.UNDEFINED;
    }
    if (x.exact() && x.num().equals(x.den())) {
      return Value.ZERO;
    }
    if (base != null && x.exact() && base.exact()) {
      Value exact = exactLog(x, base);
      if (exact != null) {
        return exact;
      }
    }
    double u = Math.max(x.decimalUlp(), base == null ? 0 : base.decimalUlp());
    double lx = ln(x);
    return Value.inexact(base == null ? lx : lx / ln(base), u);
  }

  private static double ln(Value x) {
    return x.exact() ? lnBig(x.num()) - lnBig(x.den()) : Math.log(x.value());
  }

  private static double lnBig(BigInteger v) {
    int shift = Math.max(0, v.bitLength() - 60);
    return Math.log(v.shiftRight(shift).doubleValue()) + shift * Math.log(2);
  }

  /**
   * log_b(x) when it is rational: x and b are powers of one base g ({@code 81 = 3^4}, {@code 8 = 2^3},
   * {@code 4 = 2^2}), found as the smallest root of each; else null.
   */
  private Value exactLog(Value x, Value b) {
    if (x.num().bitLength() + x.den().bitLength() > 2000 || b.num().bitLength() + b.den().bitLength() > 2000) {
      return null;
    }
    Value[] gx = perfectPower(x);
    Value[] gb = perfectPower(b);
    Value k = gx[1].div(gb[1]);
    if (sameRational(gx[0], gb[0])) {
      return k;
    }
    return sameRational(gx[0], Value.ONE.div(gb[0])) ? k.negate() : null;
  }

  private static boolean sameRational(Value a, Value b) {
    return a.num().equals(b.num()) && a.den().equals(b.den());
  }

  private static final int[] PRIMES = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61};

  /**
   * {g, k} with a = g^k and k as large as possible over exponents made of primes up to 61 (a
   * positive rational, not 1; a larger prime exponent leaves the logarithm to doubles).
   */
  private Value[] perfectPower(Value a) {
    long k = 1;
    Value g = a;
    for (int p : PRIMES) {
      Value r;
      while ((r = g.root(p, budget)) != null) {
        g = r;
        k *= p;
      }
    }
    return new Value[] {g, Value.integer(k)};
  }

  private static final Value[] SIN_TWELFTHS = new Value[24];

  static {
    // sin(k pi / 12) for k = 0..23 where it is rational; null where it is not
    for (int k = 0; k < 24; k++) {
      SIN_TWELFTHS[k] = switch (k) {
        case 0, 12 -> Value.ZERO;
        case 6 -> Value.ONE;
        case 18 -> Value.integer(-1);
        case 2, 10 -> Value.of(BigInteger.ONE, BigInteger.TWO, 0);
        case 14, 22 -> Value.of(BigInteger.ONE.negate(), BigInteger.TWO, 0);
        default -> null;
      };
    }
  }

  /** Trigonometric functions, exact at the multiples of pi/12 where the value is rational or a pole. */
  private Value trig(String name, Value x) {
    if (x.exact() && x.num().signum() == 0) {
      return switch (name) {
        case "sin", "tan" -> Value.ZERO;
        case "cos", "sec" -> Value.ONE;
        default -> Value.UNDEFINED; // csc 0, cot 0
      };
    }
    if (x.pi() != null) {
      Value twelfths = x.pi().mul(Value.integer(12));
      if (twelfths.isInteger()) {
        int k = twelfths.num().mod(BigInteger.valueOf(24)).intValue();
        Value sin = SIN_TWELFTHS[k];
        Value cos = SIN_TWELFTHS[(k + 6) % 24];
        Value r = switch (name) {
          case "sin" -> sin;
          case "cos" -> cos;
          case "tan" -> ratio(sin, cos, k);
          case "cot" -> ratio(cos, sin, 6 - k); // cot x = tan(pi/2 - x)
          case "sec" -> cos == null ? null : Value.ONE.div(cos);
          case "csc" -> sin == null ? null : Value.ONE.div(sin);
          default -> throw new Expr.ParseError();
        };
        if (r != null) {
          return r;
        }
      }
    }
    double v = x.value();
    double r = switch (name) {
      case "sin" -> Math.sin(v);
      case "cos" -> Math.cos(v);
      case "tan" -> Math.tan(v);
      case "cot" -> 1 / Math.tan(v);
      case "sec" -> 1 / Math.cos(v);
      case "csc" -> 1 / Math.sin(v);
      default -> throw new Expr.ParseError();
    };
    return Value.inexact(r, x.decimalUlp());
  }

  /** a / b at k pi / 12 when exact: a pole where b is 0, and 1 or -1 at odd multiples of pi/4. */
  private static Value ratio(Value a, Value b, int k) {
    if (a != null && b != null) {
      return a.div(b);
    }
    int m = Math.floorMod(k, 12);
    return m == 3 ? Value.ONE : m == 9 ? Value.integer(-1) : null;
  }

  /** Inverse trigonometric functions, exact (as rational multiples of pi) at 0, +-1/2, +-1. */
  private Value inverseTrig(String name, Value x) {
    Value arg = x;
    String f = name;
    switch (name) {
      case "arcsec", "arccsc" -> {
        arg = Value.ONE.div(x);
        f = name.equals("arcsec") ? "arccos" : "arcsin";
      }
      case "arccot" -> {
        if (x.exact() && x.num().signum() == 0) {
          return Value.piTimes(Value.of(BigInteger.ONE, BigInteger.TWO, 0));
        }
        arg = Value.ONE.div(x); // principal value in (-pi/2, pi/2]
        f = "arctan";
      }
      default -> { }
    }
    if (arg.undefined()) {
      return arg;
    }
    double v = arg.value();
    if (!f.equals("arctan") && Math.abs(v) > 1) {
      return Value.UNDEFINED;
    }
    if (arg.exact()) {
      Value twelfths = exactInverse(f, arg);
      if (twelfths != null) {
        return Value.piTimes(twelfths.div(Value.integer(12)));
      }
    }
    return Value.inexact(switch (f) {
      case "arcsin" -> Math.asin(v);
      case "arccos" -> Math.acos(v);
      default -> Math.atan(v);
    }, arg.decimalUlp());
  }

  /** The result in twelfths of pi where it is a rational multiple of pi for a rational argument. */
  private static Value exactInverse(String f, Value x) {
    int sign = x.num().signum();
    Value a = sign < 0 ? x.negate() : x;
    Integer t = null; // arcsin(a) or arctan(a) in twelfths of pi for a >= 0
    if (a.num().signum() == 0) {
      t = 0;
    } else if (a.num().equals(BigInteger.ONE) && a.den().equals(BigInteger.ONE)) {
      t = f.equals("arctan") ? 3 : 6;
    } else if (a.num().equals(BigInteger.ONE) && a.den().equals(BigInteger.TWO) && !f.equals("arctan")) {
      t = 2;
    }
    if (t == null) {
      return null;
    }
    int signed = sign < 0 ? -t : t;
    return Value.integer(f.equals("arccos") ? 6 - signed : signed);
  }

  /** n! for an exact non-negative integer n, within {@link Value#Value.MAX_BITS}; undefined otherwise. */
  Value factorial(Value n) {
    if (!n.isInteger() || n.num().signum() < 0) {
      return Value.UNDEFINED;
    }
    if (n.num().bitLength() > 20) {
      throw new TooCostly(n.num() + "! is too large to evaluate");
    }
    int m = n.num().intValue();
    double bits = m < 2 ? 0 : (m * Math.log(m) - m + 0.5 * Math.log(2 * Math.PI * m)) / Math.log(2);
    if (bits > Value.MAX_BITS) {
      throw new TooCostly(m + "! has about " + Math.round(bits) + " bits");
    }
    BigInteger r = BigInteger.ONE;
    for (int k = 2; k <= m; k++) {
      r = r.multiply(BigInteger.valueOf(k));
      budget.charge(r.bitLength() / 64 + 1);
    }
    return Value.of(r, BigInteger.ONE, 0);
  }

  /**
   * C(n, k) for an integer k &gt;= 0 as the polynomial n(n-1)...(n-k+1)/k!, which is also defined
   * for a rational or inexact n (so {@code \binom{n}{2}} equals {@code \frac{n(n-1)}{2}}); undefined
   * for any other k.
   */
  Value binomial(Value n, Value k) {
    if (n.undefined() || !k.isInteger() || k.num().signum() < 0) {
      return Value.UNDEFINED;
    }
    if (n.isInteger() && n.num().signum() >= 0 && k.num().compareTo(n.num()) > 0) {
      return Value.ZERO;
    }
    BigInteger kk = k.num();
    if (n.isInteger() && n.num().signum() >= 0) {
      BigInteger other = n.num().subtract(kk);
      kk = kk.min(other);
      if (kk.compareTo(BigInteger.valueOf(Value.MAX_BITS)) > 0) {
        throw new TooCostly("C(" + n.num() + ", " + k.num() + ") exceeds " + Value.MAX_BITS + " bits");
      }
    }
    if (kk.compareTo(BigInteger.valueOf(MAX_TERMS)) > 0) {
      throw new TooCostly("a binomial with k = " + k.num() + " is too costly");
    }
    int m = kk.intValue();
    Value r = Value.ONE;
    for (int j = 0; j < m; j++) {
      Value factor = div(add(n, Value.integer(-j)), Value.integer(j + 1));
      r = mul(r, factor);
    }
    return r;
  }
}
