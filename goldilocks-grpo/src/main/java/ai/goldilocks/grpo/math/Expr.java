package ai.goldilocks.grpo.math;

/**
 * Evaluates a normalised numeric expression: numbers, + - * / ^, parentheses and braces,
 * {@code \frac{a}{b}}, {@code \sqrt{x}}, {@code \sqrt[n]{x}}, {@code \pi}, and implicit
 * multiplication ({@code 2\pi}, {@code 3\sqrt{2}}). Anything else (variables, infinity) gives null.
 * Linear time; recursion depth bounded.
 */
final class Expr {
  private static final int MAX_DEPTH = 64;
  private final String s;
  private int i;
  private int depth;

  private Expr(String s) {
    this.s = s;
  }

  /** The value, or null when the text is not a closed numeric expression. */
  static Double evaluate(String text) {
    if (text.isEmpty() || text.length() > 2000) {
      return null;
    }
    try {
      Expr e = new Expr(text);
      double v = e.expr();
      if (e.i != text.length() || !Double.isFinite(v)) {
        return null;
      }
      return v;
    } catch (ParseError | ArithmeticException e) {
      return null;
    }
  }

  private static final class ParseError extends RuntimeException {
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

  private double expr() {
    enter();
    double v = term();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '+') {
        i++;
        v += term();
      } else if (c == '-') {
        i++;
        v -= term();
      } else {
        break;
      }
    }
    depth--;
    return v;
  }

  private double term() {
    double v = unary();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '*') {
        i++;
        v *= unary();
      } else if (c == '/') {
        i++;
        double d = unary();
        if (d == 0) {
          throw new ParseError();
        }
        v /= d;
      } else if (startsAtom()) {
        v *= power(); // implicit multiplication
      } else {
        break;
      }
    }
    return v;
  }

  private boolean startsAtom() {
    char c = s.charAt(i);
    return c == '(' || c == '{' || c == '\\' || Character.isDigit(c) || c == '.' || s.startsWith("pi", i);
  }

  private double unary() {
    enter();
    double v;
    if (eat('-')) {
      v = -unary();
    } else if (eat('+')) {
      v = unary();
    } else {
      v = power();
    }
    depth--;
    return v;
  }

  private double power() {
    double base = atom();
    if (eat('^')) {
      enter();
      double exp = s.startsWith("{", i) ? braced() : unary();
      depth--;
      return Math.pow(base, exp);
    }
    return base;
  }

  private double braced() {
    if (!eat('{')) {
      throw new ParseError();
    }
    double v = expr();
    if (!eat('}')) {
      throw new ParseError();
    }
    return v;
  }

  private double atom() {
    if (i >= s.length()) {
      throw new ParseError();
    }
    char c = s.charAt(i);
    if (c == '(') {
      i++;
      double v = expr();
      if (!eat(')')) {
        throw new ParseError();
      }
      return v;
    }
    if (c == '{') {
      return braced();
    }
    if (Character.isDigit(c) || c == '.') {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String num = s.substring(start, i);
      if (num.equals(".") || num.indexOf('.') != num.lastIndexOf('.')) {
        throw new ParseError();
      }
      return Double.parseDouble(num);
    }
    if (s.startsWith("\\frac", i)) {
      i += 5;
      enter();
      double a = braced();
      double b = braced();
      depth--;
      if (b == 0) {
        throw new ParseError();
      }
      return a / b;
    }
    if (s.startsWith("\\sqrt", i)) {
      i += 5;
      enter();
      double n = 2;
      if (eat('[')) {
        n = expr();
        if (!eat(']')) {
          throw new ParseError();
        }
      }
      double x = s.startsWith("{", i) ? braced() : atom();
      depth--;
      if (x < 0 || n == 0) {
        throw new ParseError();
      }
      return Math.pow(x, 1.0 / n);
    }
    if (s.startsWith("\\pi", i)) {
      i += 3;
      return Math.PI;
    }
    if (s.startsWith("pi", i)) {
      i += 2;
      return Math.PI;
    }
    throw new ParseError();
  }
}
