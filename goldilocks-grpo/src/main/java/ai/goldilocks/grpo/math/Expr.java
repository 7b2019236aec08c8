package ai.goldilocks.grpo.math;

import java.math.BigInteger;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Evaluates a normalised expression: numbers (integers, decimals, scientific notation), + - * / ^,
 * parentheses and braces, {@code \frac{a}{b}}, {@code \sqrt{x}}, {@code \sqrt[n]{x}}, {@code \pi},
 * {@code e}, implicit multiplication ({@code 2\pi}, {@code 3x}), single-letter variables
 * ({@code x}, {@code \alpha}), which take the values the caller assigns, factorials ({@code 6!}),
 * binomials ({@code \binom{7}{3}}, also for a rational or variable upper argument), and the
 * functions {@code \sin \cos \tan \sec \csc \cot}, their inverses ({@code \arcsin}, {@code \sin^{-1}}),
 * {@code \sinh \cosh \tanh}, {@code \exp}, {@code \ln}, {@code \log_b} and {@code \log}.
 *
 * <p>Arithmetic is exact (rationals over {@link BigInteger}) as long as it can be: integers and
 * fractions of any size compare exactly. A rational multiple of {@code \pi} stays exact as such (so
 * {@code \arctan 1} is exactly {@code \frac{\pi}{4}}), and the trigonometric functions are exact at
 * multiples of {@code \pi/12} where the value is rational ({@code \cos\pi = -1},
 * {@code \sin\frac{\pi}{6} = \frac{1}{2}}, {@code \tan\frac{\pi}{2}} undefined). A logarithm is exact
 * when the argument is a rational power of the base ({@code \log_3 81 = 4},
 * {@code \log_4 8 = \frac{3}{2}}). Other values with an irrational part are inexact (a double). A
 * decimal literal is exact too, but remembers its last digit's place ({@link Value#decimalUlp}), so
 * that a comparison may treat it as a rounded approximation; products and quotients keep that place,
 * a sum keeps it only when both terms have one. {@code \log} without a base is read
 * with the base the caller chooses (see {@link #evaluate(String, Map, Budget, boolean)}).
 *
 * <p>A value outside a function's domain (a pole, the logarithm of a negative number) is
 * {@linkplain Value#undefined() undefined}, which propagates. A run of two or more letters that is
 * not a known name is a word, not a product of variables: such text does not evaluate. Linear-time
 * parsing; recursion depth and exact number sizes bounded; the arithmetic is charged to a
 * {@link Budget}, which stops any input that would take long.
 */
final class Expr {
  private static final int MAX_DEPTH = 64;
  /** Exact numbers stop growing here (bits of numerator or denominator). */
  static final int MAX_BITS = 20_000;
  /** The largest k of a binomial or of a factorial's loop that is attempted at all. */
  private static final int MAX_TERMS = 10_000;
  private static final Map<String, String> GREEK = Map.ofEntries(Map.entry("alpha", "α"), Map.entry("beta", "β"),
      Map.entry("gamma", "γ"), Map.entry("delta", "δ"), Map.entry("theta", "θ"), Map.entry("lambda", "λ"), Map.entry("mu", "μ"),
      Map.entry("phi", "φ"), Map.entry("omega", "ω"), Map.entry("sigma", "σ"), Map.entry("tau", "τ"));
  /** Functions written as commands ({@code \sin}) or, before a parenthesis, as words ({@code sin(x)}). */
  private static final Set<String> FUNCTIONS = Set.of("sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan",
      "sinh", "cosh", "tanh", "exp", "ln", "log");
  private static final Set<String> TRIG = Set.of("sin", "cos", "tan", "sec", "csc", "cot");

  /**
   * The work allowed for one comparison. Every arithmetic operation is charged roughly the number of
   * machine-word operations it costs, so that the verdict on a costly input is the same on every
   * machine; a wall-clock deadline backs this up for anything the charges miss.
   */
  static final class Budget {
    private final long limit;
    private long work;
    private final long deadline;
    private int calls;

    Budget(long work, long nanos) {
      this.limit = work;
      this.work = work;
      this.deadline = System.nanoTime() + nanos;
    }

    void charge(long units) {
      work -= units;
      if (work < 0) {
        throw new TooCostly("the work budget per comparison was spent");
      }
      if ((++calls & 63) == 0 && System.nanoTime() > deadline) {
        throw new TooCostly("the time limit per comparison was reached");
      }
    }

    /** The work charged so far. */
    long used() {
      return limit - work;
    }
  }

  /** Thrown when evaluating would exceed the budget or produce a number too large to hold. */
  static final class TooCostly extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooCostly(String message) {
      super(message, null, false, false);
    }
  }

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
  }

  private static long square(long w) {
    return w * w;
  }

  private final String s;
  private final Map<String, Value> vars;
  private final Budget budget;
  private final boolean log10;
  private final TreeSet<String> seen = new TreeSet<>();
  private boolean bareLog;
  private int i;
  private int depth;

  private Expr(String s, Map<String, Value> vars, Budget budget, boolean log10) {
    this.s = s;
    this.vars = vars;
    this.budget = budget;
    this.log10 = log10;
  }

  /** The value of a closed numeric expression, or null when the text is not one (test helper). */
  static Value evaluate(String text) {
    return evaluate(text, Map.of(), new Budget(Long.MAX_VALUE, Long.MAX_VALUE / 4), false);
  }

  /**
   * The value with the given variable values, or null when the text does not evaluate (a word, a
   * variable without a value, division by zero, a root of a negative number, ...). {@code \log}
   * without a base is the common logarithm when {@code log10}, else the natural one.
   *
   * @throws TooCostly when the budget runs out or a value grows too large to hold
   */
  static Value evaluate(String text, Map<String, Value> values, Budget budget, boolean log10) {
    if (text.isEmpty() || text.length() > 2000) {
      return null;
    }
    budget.charge(text.length());
    try {
      Expr e = new Expr(text, values, budget, log10);
      Value v = e.expr();
      return e.i == text.length() && !v.undefined() ? v : null;
    } catch (ParseError | ArithmeticException e) {
      return null;
    }
  }

  /**
   * What {@link #variables} finds: the variable names, whether {@code \log} appears without a base,
   * and, when there are no variables, the value (with the natural logarithm for {@code \log}; null
   * where undefined), so that a closed expression is evaluated once.
   */
  record Names(TreeSet<String> variables, boolean bareLog, Value value) {}

  /**
   * The variables an expression uses (sorted) and whether it has a {@code \log} without a base, or
   * null when it does not parse.
   */
  static Names variables(String text, Budget budget) {
    if (text.isEmpty() || text.length() > 2000) {
      return null;
    }
    budget.charge(text.length());
    try {
      Expr e = new Expr(text, null, budget, false);
      Value v = e.expr();
      if (e.i != text.length()) {
        return null;
      }
      return new Names(e.seen, e.bareLog, e.seen.isEmpty() && !v.undefined() ? v : null);
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

  // Arithmetic charged to the budget before it is done (Value.cost).
  private Value add(Value a, Value b) {
    budget.charge(Value.cost(a, b));
    return a.add(b);
  }

  private Value mul(Value a, Value b) {
    budget.charge(Value.cost(a, b));
    return a.mul(b);
  }

  private Value div(Value a, Value b) {
    budget.charge(Value.cost(a, b));
    return a.div(b);
  }

  private Value expr() {
    enter();
    Value v = term();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '+') {
        i++;
        v = add(v, term());
      } else if (c == '-') {
        i++;
        v = add(v, term().negate());
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
        v = mul(v, unary());
      } else if (c == '/') {
        i++;
        v = div(v, unary());
      } else if (startsAtom()) {
        v = mul(v, power()); // implicit multiplication
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
    if (eat('!')) {
      if (i < s.length() && s.charAt(i) == '!') {
        throw new ParseError(); // a double factorial, not a factorial of a factorial
      }
      base = factorial(base);
    }
    if (eat('^')) {
      enter();
      Value exp = s.startsWith("{", i) ? braced() : unary();
      depth--;
      return base.pow(exp, budget);
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
      return div(a, b);
    }
    if (s.startsWith("\\binom", i)) {
      i += 6;
      enter();
      Value n = braced();
      Value k = braced();
      depth--;
      return binomial(n, k);
    }
    if (s.startsWith("\\sqrt", i)) {
      i += 5;
      enter();
      Value n = Value.integer(2);
      if (eat('[')) {
        n = expr();
        if (!eat(']')) {
          throw new ParseError();
        }
      }
      Value x = s.startsWith("{", i) ? braced() : atom();
      depth--;
      if (!n.isInteger() || n.num.signum() <= 0 || n.num.bitLength() > 7) {
        throw new ParseError();
      }
      return root(x, n.num.intValue());
    }
    if (c == '\\') {
      int start = ++i;
      while (i < s.length() && Character.isLetter(s.charAt(i))) {
        i++;
      }
      String name = s.substring(start, i);
      if (name.equals("pi")) {
        return Value.piTimes(Value.ONE);
      }
      if (FUNCTIONS.contains(name)) {
        return function(name);
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
        return Value.piTimes(Value.ONE);
      }
      if (word.length() > 1) {
        if (i < s.length() && s.charAt(i) == '(' && FUNCTIONS.contains(word)) {
          return function(word);
        }
        if (word.equals("sqrt") && i < s.length() && s.charAt(i) == '(') {
          return root(atom(), 2);
        }
        throw new ParseError(); // a word, not a product of variables
      }
      if (word.equals("e")) {
        return Value.inexact(Math.E, 0);
      }
      return variable(word);
    }
    throw new ParseError();
  }

  private Value root(Value x, int k) {
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

  /** True at a function command or word, which ends an unparenthesised function argument. */
  private boolean startsFunction() {
    int j = i;
    if (j < s.length() && s.charAt(j) == '\\') {
      j++;
    }
    int start = j;
    while (j < s.length() && Character.isLetter(s.charAt(j))) {
      j++;
    }
    return j > start + 1 && FUNCTIONS.contains(s.substring(start, j));
  }

  /**
   * A function after its name: an optional power ({@code \sin^2 x}; {@code ^{-1}} on a
   * trigonometric function is its inverse) and, for {@code \log}, a base ({@code \log_3 81},
   * {@code \log_{10}}: one character or a braced group, as TeX reads a subscript), then the argument:
   * parenthesised, braced, or a product of factors up to the next operator or function
   * ({@code \sin 2x \cos x} is {@code \sin(2x)\cos(x)}).
   */
  private Value function(String name) {
    enter();
    Value power = null;
    Value base = null;
    boolean inverse = false;
    for (int round = 0; round < 2; round++) {
      if (eat('^')) {
        if (TRIG.contains(name) && s.startsWith("{-1}", i)) {
          i += 4;
          inverse = true;
        } else if (power == null) {
          power = scriptArgument();
        } else {
          throw new ParseError();
        }
      } else if (name.equals("log") && base == null && eat('_')) {
        base = scriptArgument();
      }
    }
    eat('*'); // "\sin x" was normalised to "\sin*x"
    Value arg = functionArgument();
    Value r = apply(inverse ? "arc" + name : name, base, arg);
    depth--;
    return power == null ? r : r.pow(power, budget);
  }

  private Value scriptArgument() {
    if (i >= s.length()) {
      throw new ParseError();
    }
    if (s.charAt(i) == '{') {
      return braced();
    }
    char c = s.charAt(i);
    if (Character.isDigit(c)) {
      i++;
      return Value.integer(c - '0');
    }
    if (Character.isLetter(c)) {
      i++;
      return c == 'e' ? Value.inexact(Math.E, 0) : variable(String.valueOf(c));
    }
    return atom();
  }

  private Value functionArgument() {
    if (i >= s.length()) {
      throw new ParseError();
    }
    char c = s.charAt(i);
    if (c == '(') {
      return atom();
    }
    if (c == '{') {
      return braced();
    }
    Value v = null;
    while (i < s.length() && startsAtom() && !startsFunction()) {
      Value f = power();
      v = v == null ? f : mul(v, f);
    }
    if (v == null) {
      throw new ParseError();
    }
    return v;
  }

  private Value apply(String name, Value base, Value x) {
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
        return x.exact() && x.num.signum() == 0 ? Value.ZERO : Value.inexact(Math.sinh(x.value()), x.decimalUlp());
      case "cosh":
        return x.exact() && x.num.signum() == 0 ? Value.ONE : Value.inexact(Math.cosh(x.value()), x.decimalUlp());
      case "tanh":
        return x.exact() && x.num.signum() == 0 ? Value.ZERO : Value.inexact(Math.tanh(x.value()), x.decimalUlp());
      case "exp":
        return x.exact() && x.num.signum() == 0 ? Value.ONE : Value.inexact(Math.exp(x.value()), x.decimalUlp());
      case "ln":
        return log(x, null);
      case "log":
        if (base == null) {
          bareLog = true;
          return log(x, log10 ? Value.integer(10) : null);
        }
        return log(x, base);
      default:
        throw new ParseError();
    }
  }

  /** The logarithm of x to an exact or inexact base, natural when base is null. */
  private Value log(Value x, Value base) {
    if (x.value() <= 0 || (base != null && (base.value() <= 0 || (base.exact() && base.num.equals(base.den))))) {
      return Value.UNDEFINED;
    }
    if (x.exact() && x.num.equals(x.den)) {
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
    return x.exact() ? lnBig(x.num) - lnBig(x.den) : Math.log(x.value());
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
    if (x.num.bitLength() + x.den.bitLength() > 2000 || b.num.bitLength() + b.den.bitLength() > 2000) {
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
    return a.num.equals(b.num) && a.den.equals(b.den);
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
    if (x.exact() && x.num.signum() == 0) {
      return switch (name) {
        case "sin", "tan" -> Value.ZERO;
        case "cos", "sec" -> Value.ONE;
        default -> Value.UNDEFINED; // csc 0, cot 0
      };
    }
    if (x.pi() != null) {
      Value twelfths = x.pi().mul(Value.integer(12));
      if (twelfths.isInteger()) {
        int k = twelfths.num.mod(BigInteger.valueOf(24)).intValue();
        Value sin = SIN_TWELFTHS[k];
        Value cos = SIN_TWELFTHS[(k + 6) % 24];
        Value r = switch (name) {
          case "sin" -> sin;
          case "cos" -> cos;
          case "tan" -> ratio(sin, cos, k);
          case "cot" -> ratio(cos, sin, 6 - k); // cot x = tan(pi/2 - x)
          case "sec" -> cos == null ? null : Value.ONE.div(cos);
          case "csc" -> sin == null ? null : Value.ONE.div(sin);
          default -> throw new ParseError();
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
      default -> throw new ParseError();
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
        if (x.exact() && x.num.signum() == 0) {
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
    int sign = x.num.signum();
    Value a = sign < 0 ? x.negate() : x;
    Integer t = null; // arcsin(a) or arctan(a) in twelfths of pi for a >= 0
    if (a.num.signum() == 0) {
      t = 0;
    } else if (a.num.equals(BigInteger.ONE) && a.den.equals(BigInteger.ONE)) {
      t = f.equals("arctan") ? 3 : 6;
    } else if (a.num.equals(BigInteger.ONE) && a.den.equals(BigInteger.TWO) && !f.equals("arctan")) {
      t = 2;
    }
    if (t == null) {
      return null;
    }
    int signed = sign < 0 ? -t : t;
    return Value.integer(f.equals("arccos") ? 6 - signed : signed);
  }

  /** n! for an exact non-negative integer n, within {@link #MAX_BITS}; undefined otherwise. */
  private Value factorial(Value n) {
    if (!n.isInteger() || n.num.signum() < 0) {
      return Value.UNDEFINED;
    }
    if (n.num.bitLength() > 20) {
      throw new TooCostly(n.num + "! is too large to evaluate");
    }
    int m = n.num.intValue();
    double bits = m < 2 ? 0 : (m * Math.log(m) - m + 0.5 * Math.log(2 * Math.PI * m)) / Math.log(2);
    if (bits > MAX_BITS) {
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
  private Value binomial(Value n, Value k) {
    if (n.undefined() || !k.isInteger() || k.num.signum() < 0) {
      return Value.UNDEFINED;
    }
    if (n.isInteger() && n.num.signum() >= 0 && k.num.compareTo(n.num) > 0) {
      return Value.ZERO;
    }
    BigInteger kk = k.num;
    if (n.isInteger() && n.num.signum() >= 0) {
      BigInteger other = n.num.subtract(kk);
      kk = kk.min(other);
      if (kk.compareTo(BigInteger.valueOf(MAX_BITS)) > 0) {
        throw new TooCostly("C(" + n.num + ", " + k.num + ") exceeds " + MAX_BITS + " bits");
      }
    }
    if (kk.compareTo(BigInteger.valueOf(MAX_TERMS)) > 0) {
      throw new TooCostly("a binomial with k = " + k.num + " is too costly");
    }
    int m = kk.intValue();
    Value r = Value.ONE;
    for (int j = 0; j < m; j++) {
      Value factor = div(add(n, Value.integer(-j)), Value.integer(j + 1));
      r = mul(r, factor);
    }
    return r;
  }

  private Value variable(String name) {
    seen.add(name);
    if (vars == null) {
      return Value.ONE; // only collecting names
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
    budget.charge(square((intPart.length() + frac.length() + Math.abs(shift)) / 19 + 1));
    return shift >= 0 ? Value.of(n.multiply(BigInteger.TEN.pow(shift)), BigInteger.ONE, ulp)
        : Value.of(n, BigInteger.TEN.pow(-shift), ulp);
  }
}
