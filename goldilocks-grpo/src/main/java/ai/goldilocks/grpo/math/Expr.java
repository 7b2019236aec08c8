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
  private static final Map<String, String> GREEK = Map.ofEntries(Map.entry("alpha", "α"), Map.entry("beta", "β"),
      Map.entry("gamma", "γ"), Map.entry("delta", "δ"), Map.entry("theta", "θ"), Map.entry("lambda", "λ"), Map.entry("mu", "μ"),
      Map.entry("phi", "φ"), Map.entry("omega", "ω"), Map.entry("sigma", "σ"), Map.entry("tau", "τ"));
  /** Functions written as commands ({@code \sin}) or, before a parenthesis, as words ({@code sin(x)}). */
  private static final Set<String> FUNCTIONS = Set.of("sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan",
      "sinh", "cosh", "tanh", "exp", "ln", "log");
  private static final Set<String> TRIG = Set.of("sin", "cos", "tan", "sec", "csc", "cot");


  private final String s;
  private final Map<String, Value> vars;
  private final Budget budget;
  private final ExprFunctions functions;
  private final boolean log10;
  private final TreeSet<String> seen = new TreeSet<>();
  private boolean bareLog;
  private int i;
  private int depth;

  private Expr(String s, Map<String, Value> vars, Budget budget, boolean log10) {
    this.s = s;
    this.vars = vars;
    this.budget = budget;
    this.functions = new ExprFunctions(budget);
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

  private Value expr() {
    enter();
    Value v = term();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '+') {
        i++;
        v = functions.add(v, term());
      } else if (c == '-') {
        i++;
        v = functions.add(v, term().negate());
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
        v = functions.mul(v, unary());
      } else if (c == '/') {
        i++;
        v = functions.div(v, unary());
      } else if (startsAtom()) {
        v = functions.mul(v, power()); // implicit multiplication
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
      base = functions.factorial(base);
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
      return functions.div(a, b);
    }
    if (s.startsWith("\\binom", i)) {
      i += 6;
      enter();
      Value n = braced();
      Value k = braced();
      depth--;
      return functions.binomial(n, k);
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
      if (!n.isInteger() || n.num().signum() <= 0 || n.num().bitLength() > 7) {
        throw new ParseError();
      }
      return functions.root(x, n.num().intValue());
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
          return functions.root(atom(), 2);
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

  /** A function's value; a {@code \\log} without a base on a defined argument is noted ({@link Names#bareLog}). */
  private Value apply(String name, Value base, Value x) {
    Value v = functions.apply(name, base, x, log10);
    if (name.equals("log") && base == null && !x.undefined()) {
      bareLog = true;
    }
    return v;
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
      v = v == null ? f : functions.mul(v, f);
    }
    if (v == null) {
      throw new ParseError();
    }
    return v;
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
    budget.charge(Value.square((intPart.length() + frac.length() + Math.abs(shift)) / 19 + 1));
    return shift >= 0 ? Value.of(n.multiply(BigInteger.TEN.pow(shift)), BigInteger.ONE, ulp)
        : Value.of(n, BigInteger.TEN.pow(-shift), ulp);
  }
}

