package ai.goldilocks.grpo.math;

import java.math.BigInteger;
import java.util.Map;
import java.util.TreeSet;

/**
 * Evaluates a normalised expression: numbers (integers, decimals, scientific notation), + - * / ^,
 * parentheses and braces, {@code \frac{a}{b}}, {@code \sqrt{x}}, {@code \sqrt[n]{x}}, {@code \pi},
 * {@code e}, implicit multiplication ({@code 2\pi}, {@code 3x}) and single-letter variables
 * ({@code x}, {@code \alpha}), which take the values the caller assigns.
 *
 * <p>Arithmetic is exact (rationals over {@link BigInteger}) as long as it can be: integers and
 * fractions of any size compare exactly. Roots that are not rational, {@code \pi} and {@code e}
 * make a value inexact (a double). A decimal literal is exact too, but remembers its last digit's
 * place ({@link Value#decimalUlp}), so that a comparison may treat it as a rounded approximation.
 * A run of two or more letters that is not a known name is a word, not a product of variables:
 * such text does not evaluate. Linear time; recursion depth and number sizes bounded.
 */
final class Expr {
  private static final int MAX_DEPTH = 64;
  /** Exact numbers stop growing here (bits of numerator or denominator); beyond, the value is inexact. */
  private static final int MAX_BITS = 20_000;
  private static final Map<String, String> GREEK = Map.ofEntries(Map.entry("alpha", "α"), Map.entry("beta", "β"),
      Map.entry("gamma", "γ"), Map.entry("delta", "δ"), Map.entry("theta", "θ"), Map.entry("lambda", "λ"), Map.entry("mu", "μ"),
      Map.entry("phi", "φ"), Map.entry("omega", "ω"), Map.entry("sigma", "σ"), Map.entry("tau", "τ"));

  /**
   * A number: exact ({@code num / den}, den &gt; 0, lowest terms) or inexact ({@code approx} only).
   *
   * @param decimalUlp the place of the last digit of the coarsest decimal literal that went into the
   *     value (0.01 for "3.14"), or 0 when none did
   */
  record Value(BigInteger num, BigInteger den, double approx, double decimalUlp) {
    boolean exact() {
      return num != null;
    }

    static Value of(BigInteger n, BigInteger d, double ulp) {
      if (d.signum() == 0) {
        throw new ParseError();
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
        return inexact(n.doubleValue() / d.doubleValue(), ulp);
      }
      return new Value(n, d, n.doubleValue() / d.doubleValue(), ulp);
    }

    static Value inexact(double v, double ulp) {
      if (!Double.isFinite(v)) {
        throw new ParseError();
      }
      return new Value(null, null, v, ulp);
    }

    double value() {
      if (num != null && (num.bitLength() > 1000 || den.bitLength() > 1000)) {
        return new java.math.BigDecimal(num).divide(new java.math.BigDecimal(den), java.math.MathContext.DECIMAL64).doubleValue();
      }
      return approx;
    }

    Value add(Value o) {
      double u = Math.max(decimalUlp, o.decimalUlp);
      return exact() && o.exact() ? of(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den), u)
          : inexact(value() + o.value(), u);
    }

    Value negate() {
      return exact() ? new Value(num.negate(), den, -approx, decimalUlp) : inexact(-approx, decimalUlp);
    }

    Value mul(Value o) {
      double u = Math.max(decimalUlp, o.decimalUlp);
      return exact() && o.exact() ? of(num.multiply(o.num), den.multiply(o.den), u) : inexact(value() * o.value(), u);
    }

    Value div(Value o) {
      if (o.exact() ? o.num.signum() == 0 : o.approx == 0) {
        throw new ParseError();
      }
      double u = Math.max(decimalUlp, o.decimalUlp);
      return exact() && o.exact() ? of(num.multiply(o.den), den.multiply(o.num), u) : inexact(value() / o.value(), u);
    }

    Value pow(Value e) {
      double u = Math.max(decimalUlp, e.decimalUlp);
      if (exact() && e.exact() && e.den.equals(BigInteger.ONE) && e.num.abs().bitLength() <= 13
          && (long) Math.max(num.bitLength(), den.bitLength()) * e.num.abs().longValue() <= MAX_BITS) {
        int k = e.num.intValue();
        if (k < 0 && num.signum() == 0) {
          throw new ParseError();
        }
        Value r = of(num.pow(Math.abs(k)), den.pow(Math.abs(k)), u);
        return k >= 0 ? r : of(r.den, r.num, u);
      }
      if (exact() && e.exact() && !e.den.equals(BigInteger.ONE)) {
        Value root = root(e.den.intValueExact());
        if (root != null) {
          return root.pow(new Value(e.num, BigInteger.ONE, e.num.doubleValue(), e.decimalUlp));
        }
      }
      double b = value();
      double x = e.value();
      if (b < 0 && x != Math.rint(x)) {
        throw new ParseError();
      }
      return inexact(Math.pow(b, x), u);
    }

    /** The exact n-th root when numerator and denominator are perfect powers, else null. */
    Value root(int n) {
      if (!exact() || n < 1 || n > 64 || num.signum() < 0) {
        return null;
      }
      BigInteger a = nthRoot(num, n);
      BigInteger b = nthRoot(den, n);
      return a != null && b != null ? of(a, b, decimalUlp) : null;
    }

    private static BigInteger nthRoot(BigInteger x, int n) {
      if (x.signum() == 0) {
        return x;
      }
      BigInteger r = BigInteger.valueOf(Math.round(Math.pow(x.doubleValue(), 1.0 / n)));
      for (int d = -1; d <= 1; d++) {
        BigInteger c = r.add(BigInteger.valueOf(d));
        if (c.signum() > 0 && c.pow(n).equals(x)) {
          return c;
        }
      }
      return null;
    }
  }

  private final String s;
  private final Map<String, Value> vars;
  private final TreeSet<String> seen = new TreeSet<>();
  private int i;
  private int depth;

  private Expr(String s, Map<String, Value> vars) {
    this.s = s;
    this.vars = vars;
  }

  /** The value of a closed numeric expression, or null when the text is not one. */
  static Value evaluate(String text) {
    return evaluate(text, Map.of());
  }

  /**
   * The value with the given variable values, or null when the text does not evaluate (a word, a
   * variable without a value, division by zero, a root of a negative number, ...).
   */
  static Value evaluate(String text, Map<String, Value> values) {
    if (text.isEmpty() || text.length() > 2000) {
      return null;
    }
    try {
      Expr e = new Expr(text, values);
      Value v = e.expr();
      return e.i == text.length() ? v : null;
    } catch (ParseError | ArithmeticException e) {
      return null;
    }
  }

  /** The variables an expression uses (sorted), or null when it does not parse. */
  static TreeSet<String> variables(String text) {
    if (text.isEmpty() || text.length() > 2000) {
      return null;
    }
    try {
      Expr e = new Expr(text, null);
      e.expr();
      return e.i == text.length() ? e.seen : null;
    } catch (ParseError | ArithmeticException e) {
      return null;
    }
  }

  static final class ParseError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ParseError() {
      super(null, null, false, false);
    }
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw new ParseError();
    }
  }

  private boolean eat(char c) {
    if (i < s.length() && s.charAt(i) == c) {
      i++;
      return true;
    }
    return false;
  }

  private Value expr() {
    enter();
    Value v = term();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '+') {
        i++;
        v = v.add(term());
      } else if (c == '-') {
        i++;
        v = v.add(term().negate());
      } else {
        break;
      }
    }
    depth--;
    return v;
  }

  private Value term() {
    Value v = unary();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '*') {
        i++;
        v = v.mul(unary());
      } else if (c == '/') {
        i++;
        v = v.div(unary());
      } else if (startsAtom()) {
        v = v.mul(power()); // implicit multiplication
      } else {
        break;
      }
    }
    return v;
  }

  private boolean startsAtom() {
    char c = s.charAt(i);
    return c == '(' || c == '{' || c == '\\' || Character.isDigit(c) || c == '.' || Character.isLetter(c);
  }

  private Value unary() {
    enter();
    Value v;
    if (eat('-')) {
      v = unary().negate();
    } else if (eat('+')) {
      v = unary();
    } else {
      v = power();
    }
    depth--;
    return v;
  }

  private Value power() {
    Value base = atom();
    if (eat('^')) {
      enter();
      Value exp = s.startsWith("{", i) ? braced() : unary();
      depth--;
      return base.pow(exp);
    }
    return base;
  }

  private Value braced() {
    if (!eat('{')) {
      throw new ParseError();
    }
    Value v = expr();
    if (!eat('}')) {
      throw new ParseError();
    }
    return v;
  }

  private Value atom() {
    if (i >= s.length()) {
      throw new ParseError();
    }
    char c = s.charAt(i);
    if (c == '(') {
      i++;
      Value v = expr();
      if (!eat(')')) {
        throw new ParseError();
      }
      return v;
    }
    if (c == '{') {
      return braced();
    }
    if (Character.isDigit(c) || c == '.') {
      return number();
    }
    if (s.startsWith("\\frac", i)) {
      i += 5;
      enter();
      Value a = braced();
      Value b = braced();
      depth--;
      return a.div(b);
    }
    if (s.startsWith("\\sqrt", i)) {
      i += 5;
      enter();
      Value n = Value.of(BigInteger.TWO, BigInteger.ONE, 0);
      if (eat('[')) {
        n = expr();
        if (!eat(']')) {
          throw new ParseError();
        }
      }
      Value x = s.startsWith("{", i) ? braced() : atom();
      depth--;
      if (!n.exact() || !n.den.equals(BigInteger.ONE) || n.num.signum() <= 0 || n.num.bitLength() > 7) {
        throw new ParseError();
      }
      int k = n.num.intValue();
      if (x.value() < 0 && k % 2 == 0) {
        throw new ParseError();
      }
      Value r = x.value() < 0 ? (x.negate().root(k) == null ? null : x.negate().root(k).negate()) : x.root(k);
      if (r != null) {
        return r;
      }
      double v = x.value() < 0 ? -Math.pow(-x.value(), 1.0 / k) : Math.pow(x.value(), 1.0 / k);
      return Value.inexact(v, x.decimalUlp());
    }
    if (c == '\\') {
      int start = ++i;
      while (i < s.length() && Character.isLetter(s.charAt(i))) {
        i++;
      }
      String name = s.substring(start, i);
      if (name.equals("pi")) {
        return Value.inexact(Math.PI, 0);
      }
      String g = GREEK.get(name);
      if (g != null) {
        return variable(g);
      }
      throw new ParseError();
    }
    if (Character.isLetter(c)) {
      int start = i;
      while (i < s.length() && Character.isLetter(s.charAt(i))) {
        i++;
      }
      String word = s.substring(start, i);
      if (word.equals("pi")) {
        return Value.inexact(Math.PI, 0);
      }
      if (word.length() > 1) {
        throw new ParseError(); // a word, not a product of variables
      }
      if (word.equals("e")) {
        return Value.inexact(Math.E, 0);
      }
      return variable(word);
    }
    throw new ParseError();
  }

  private Value variable(String name) {
    seen.add(name);
    if (vars == null) {
      return Value.of(BigInteger.ONE, BigInteger.ONE, 0); // only collecting names
    }
    Value v = vars.get(name);
    if (v == null) {
      throw new ParseError();
    }
    return v;
  }

  /** Digits, an optional fraction and an optional exponent ({@code 1.5e-3}, {@code 2E10}). */
  private Value number() {
    int start = i;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    String intPart = s.substring(start, i);
    String frac = "";
    if (eat('.')) {
      int f = i;
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      frac = s.substring(f, i);
      if (intPart.isEmpty() && frac.isEmpty()) {
        throw new ParseError();
      }
      if (i < s.length() && s.charAt(i) == '.') {
        throw new ParseError(); // "1..2", "1.2.3"
      }
    }
    if (intPart.length() + frac.length() > 4000) {
      throw new ParseError();
    }
    BigInteger n = new BigInteger((intPart.isEmpty() ? "0" : intPart) + frac);
    int scale = frac.length();
    double ulp = s.charAt(i - 1) == '.' || !frac.isEmpty() ? Math.pow(10, -scale) : 0;
    int exponent = 0;
    if (i + 1 < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      int j = i + 1;
      boolean negative = false;
      if (s.charAt(j) == '+' || s.charAt(j) == '-') {
        negative = s.charAt(j) == '-';
        j++;
      }
      int d = j;
      while (j < s.length() && Character.isDigit(s.charAt(j)) && j - d < 5) {
        j++;
      }
      if (j > d && (j == s.length() || !Character.isLetterOrDigit(s.charAt(j)))) {
        exponent = Integer.parseInt(s.substring(d, j)) * (negative ? -1 : 1);
        i = j;
      }
    }
    int shift = exponent - scale;
    if (Math.abs(shift) > 4000) {
      throw new ParseError();
    }
    if (ulp > 0) {
      ulp *= Math.pow(10, exponent);
    }
    return shift >= 0 ? Value.of(n.multiply(BigInteger.TEN.pow(shift)), BigInteger.ONE, ulp)
        : Value.of(n, BigInteger.TEN.pow(-shift), ulp);
  }
}
