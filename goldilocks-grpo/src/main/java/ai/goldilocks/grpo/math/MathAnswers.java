package ai.goldilocks.grpo.math;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checks mathematical answers in the spirit of Math-Verify: extracts the final answer of a
 * solution, normalises LaTeX (delimiters, text wrappers, units and trailing words, braces of
 * single-character exponents), then compares: as text; as numbers, exactly for integers and
 * fractions of any size and with a rounding tolerance only where a side is a decimal (see
 * {@link #numbers}); as expressions in the same variables, at random rational points evaluated
 * exactly; structurally (tuples, sets, intervals). A false positive is a wrong reward, so every
 * doubtful case is "not equal".
 *
 * <p>Never throws on content and never hangs: inputs longer than {@value #MAX_LENGTH} characters
 * are refused with a reason, parsing is linear with a bounded recursion depth, and no regular
 * expression can backtrack catastrophically. Every comparison runs under a budget of work (charged
 * per arithmetic operation, so the same on every machine) and a wall-clock limit of
 * {@value #TIME_LIMIT_MS} ms: an input such as {@code 100000!} or a tower of exponents is answered
 * "not equal" with {@link Verdict#timedOut()} set, and counted in {@link #stats()}. Thread-safe
 * (stateless apart from those counters).
 */
public final class MathAnswers {
  /** Longest answer or solution text examined. */
  public static final int MAX_LENGTH = 20_000;
  private static final double REL_TOL = 1e-6;
  private static final double ABS_TOL = 1e-9;
  /** The largest denominator of a rational that may equal a value held as a double. */
  private static final int MAX_DENOMINATOR = 10_000;
  /** The wall-clock limit per comparison, a backstop behind the work budget. */
  public static final long TIME_LIMIT_MS = 1000;
  /** Work units per comparison (about one machine-word operation each). */
  static final long WORK_BUDGET = 1_000_000;
  private static final LongAdder PAIRS = new LongAdder();
  private static final LongAdder TIMED_OUT = new LongAdder();

  private MathAnswers() {}

  /**
   * The outcome of a comparison.
   *
   * @param equal whether the answers match
   * @param reason how it was decided, or why it could not be
   * @param timedOut whether the comparison stopped at its work budget or time limit (then not equal)
   */
  public record Verdict(boolean equal, String reason, boolean timedOut) {
    /** A verdict that was reached within the budget. */
    public Verdict(boolean equal, String reason) {
      this(equal, reason, false);
    }
  }

  /**
   * Counters since the class was loaded, for a metrics line.
   *
   * @param pairs comparisons made by {@link #verify} (and so by {@link #verifySolution} when an
   *     answer was found)
   * @param timedOut those that stopped at the work budget or time limit and were judged not equal
   */
  public record Stats(long pairs, long timedOut) {}

  /** The counters of all comparisons in this JVM so far. */
  public static Stats stats() {
    return new Stats(PAIRS.sum(), TIMED_OUT.sum());
  }

  /**
   * The final answer of a solution: the content of the last {@code \boxed{...}} (or {@code \fbox}),
   * with nested braces; else the text after the last "answer is" / "Answer:" / "final answer".
   */
  public static Optional<String> extract(String solution) {
    if (solution == null || solution.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    int best = -1;
    String boxed = null;
    for (String cmd : new String[] {"\\boxed", "\\fbox"}) {
      int at = solution.lastIndexOf(cmd);
      if (at > best) {
        int i = at + cmd.length();
        while (i < solution.length() && solution.charAt(i) == ' ') {
          i++;
        }
        if (i < solution.length() && solution.charAt(i) == '{') {
          int end = matchingBrace(solution, i);
          if (end > 0) {
            best = at;
            boxed = solution.substring(i + 1, end);
          }
        }
      }
    }
    if (boxed != null) {
      return Optional.of(boxed.trim());
    }
    String lower = solution.toLowerCase(Locale.ROOT);
    int pos = -1;
    int skip = 0;
    for (String key : new String[] {"final answer is", "final answer:", "the answer is", "answer is", "answer:"}) {
      int at = lower.lastIndexOf(key);
      if (at > pos) {
        pos = at;
        skip = key.length();
      }
    }
    if (pos < 0) {
      return Optional.empty();
    }
    String rest = solution.substring(pos + skip);
    int nl = rest.indexOf('\n');
    if (nl >= 0) {
      rest = rest.substring(0, nl);
    }
    rest = rest.trim();
    while (rest.endsWith(".") || rest.endsWith(":")) {
      rest = rest.substring(0, rest.length() - 1).trim();
    }
    return rest.isEmpty() ? Optional.empty() : Optional.of(rest);
  }

  private static int matchingBrace(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        i++; // escaped brace
        continue;
      }
      if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }

  /** Extracts the prediction's final answer (if it has one) and compares it with the gold answer. */
  public static Verdict verifySolution(String gold, String solution) {
    Optional<String> answer = extract(solution);
    if (answer.isEmpty()) {
      return new Verdict(false, "no final answer found (no \\boxed{} and no answer line)");
    }
    return verify(gold, answer.get());
  }

  /** Compares a gold answer with a predicted answer. */
  public static Verdict verify(String gold, String predicted) {
    return verify(gold, predicted, new Expr.Budget(WORK_BUDGET, TIME_LIMIT_MS * 1_000_000L));
  }

  /** {@link #verify(String, String)} under the given budget (tests read what it used). */
  static Verdict verify(String gold, String predicted, Expr.Budget budget) {
    PAIRS.increment();
    if (gold == null || predicted == null) {
      return new Verdict(false, "missing answer");
    }
    if (gold.length() > MAX_LENGTH || predicted.length() > MAX_LENGTH) {
      return new Verdict(false, "answer longer than " + MAX_LENGTH + " characters");
    }
    String g = normalize(gold);
    String p = normalize(predicted);
    if (g.isEmpty() || p.isEmpty()) {
      return new Verdict(false, "empty answer after normalisation");
    }
    if (g.equals(p)) {
      return new Verdict(true, "equal after normalisation");
    }
    try {
      return compare(g, p, 0, budget);
    } catch (Expr.TooCostly e) {
      TIMED_OUT.increment();
      return new Verdict(false, "not decided within the budget per comparison: " + e.getMessage(), true);
    }
  }

  private static Verdict compare(String gold, String predicted, int depth, Expr.Budget budget) {
    if (depth > 8) {
      return new Verdict(false, "nesting too deep");
    }
    String g = mixedNumber(gold);
    String p = mixedNumber(predicted);
    if (g.equals(p)) {
      return new Verdict(true, "equal after normalisation");
    }
    Expr.Names gNames = Expr.variables(g, budget);
    Expr.Names pNames = Expr.variables(p, budget);
    boolean gv = gNames != null;
    boolean pv = pNames != null;
    if (gv && pv) {
      TreeSet<String> vars = new TreeSet<>(gNames.variables());
      vars.addAll(pNames.variables());
      boolean bareLog = gNames.bareLog() || pNames.bareLog();
      if (!vars.isEmpty()) {
        return atRandomPoints(g, p, vars, bareLog, budget);
      }
      Verdict v = numbers(gNames.value(), pNames.value());
      if (v.equal() && bareLog && !numbers(Expr.evaluate(g, Map.of(), budget, true), Expr.evaluate(p, Map.of(), budget, true)).equal()) {
        return new Verdict(false, "equal only if \\log is the natural logarithm; \\log without a base may be base 10");
      }
      return v;
    }
    Structure gs = Structure.parse(g);
    Structure ps = Structure.parse(p);
    if (gs != null && ps != null) {
      if (gs.kind != ps.kind) {
        return new Verdict(false, "different structures: " + gs.kind + " vs " + ps.kind);
      }
      if (gs.kind == Kind.MATRIX && gs.columns != ps.columns) {
        return new Verdict(false, "different matrix shapes: " + gs.items.size() / gs.columns + "x" + gs.columns + " vs "
            + ps.items.size() / ps.columns + "x" + ps.columns);
      }
      if (gs.kind == Kind.INTERVAL && (gs.open != ps.open || gs.close != ps.close)) {
        return new Verdict(false, "interval ends differ: " + gs.open + gs.close + " vs " + ps.open + ps.close);
      }
      if (gs.items.size() != ps.items.size()) {
        return new Verdict(false, "different sizes: " + gs.items.size() + " vs " + ps.items.size());
      }
      if (gs.kind == Kind.SET) {
        List<String> remaining = new ArrayList<>(ps.items);
        for (String item : gs.items) {
          int match = -1;
          for (int j = 0; j < remaining.size() && match < 0; j++) {
            if (compare(item, remaining.get(j), depth + 1, budget).equal()) {
              match = j;
            }
          }
          if (match < 0) {
            return new Verdict(false, "set element " + item + " not matched");
          }
          remaining.remove(match);
        }
        return new Verdict(true, "sets equal");
      }
      for (int i = 0; i < gs.items.size(); i++) {
        if (!compare(gs.items.get(i), ps.items.get(i), depth + 1, budget).equal()) {
          return new Verdict(false, gs.kind.name().toLowerCase(Locale.ROOT) + " element " + i + " differs");
        }
      }
      return new Verdict(true, gs.kind.name().toLowerCase(Locale.ROOT) + "s equal");
    }
    if (gv || pv) {
      return new Verdict(false, "one side is an expression, the other is not: " + g + " vs " + p);
    }
    return new Verdict(false, "different expressions: " + g + " vs " + p);
  }

  /**
   * Two numbers. Exact values (integers and fractions of any size) must be equal exactly. A side
   * with a decimal literal is read as a rounded value: it matches when the difference is at most
   * one unit in its last digit and at most {@value #REL_TOL} relative (so 0.3333333333 matches 1/3,
   * 0.3333 and 1000000007.0 vs 1000000008 do not). Values with an irrational part ({@code \pi},
   * roots) match within floating-point noise, and an exact rational matches such a value only with a
   * denominator up to {@value #MAX_DENOMINATOR}. Rational multiples of {@code \pi} compare by their
   * rational factors, and never equal an exact rational that is not a decimal approximation.
   */
  static Verdict numbers(Expr.Value a, Expr.Value b) {
    if (a == null || b == null) {
      return new Verdict(false, "does not evaluate");
    }
    if (a.exact() && b.exact() && a.num().equals(b.num()) && a.den().equals(b.den())) {
      return new Verdict(true, "exactly equal");
    }
    if (a.pi() != null && b.pi() != null) {
      Verdict v = numbers(a.pi(), b.pi());
      return new Verdict(v.equal(), v.equal() ? "equal multiples of pi" : "different multiples of pi");
    }
    if ((a.pi() != null && b.exact() && b.decimalUlp() == 0) || (b.pi() != null && a.exact() && a.decimalUlp() == 0)) {
      return new Verdict(false, "a multiple of pi is not rational");
    }
    double diff;
    if (a.exact() && b.exact()) {
      Expr.Value d = a.add(b.negate());
      diff = Math.abs(d.value());
    } else {
      diff = Math.abs(a.value() - b.value());
    }
    double scale = Math.max(Math.abs(a.value()), Math.abs(b.value()));
    double ulp = Math.max(a.decimalUlp(), b.decimalUlp());
    boolean eq;
    String how;
    if (ulp > 0) {
      eq = diff <= ulp * (1 + 1e-9) && diff <= REL_TOL * scale;
      how = "equal as a rounded decimal";
    } else if (a.exact() && b.exact()) {
      eq = false;
      how = "";
    } else if (a.exact() || b.exact()) {
      // a rational against a value held as a double (a root, a logarithm): close rationals with large
      // denominators approximate irrationals (665857/470832 is within 1e-12 of sqrt 2), so only a
      // small denominator, and a difference under a quarter of its unit, may count as equal
      Expr.Value q = a.exact() ? a : b;
      eq = q.den().bitLength() <= 14 && q.den().intValue() <= MAX_DENOMINATOR
          && diff <= Math.max(ABS_TOL * 1e-3, 1e-9 * scale) && diff < 0.25 / q.den().intValue();
      how = "numerically equal";
    } else {
      eq = diff <= Math.max(ABS_TOL * 1e-3, 1e-9 * scale);
      how = "numerically equal";
    }
    return new Verdict(eq, eq ? how : "numbers differ: " + a.value() + " vs " + b.value());
  }

  private static final int POINTS = 6;

  /**
   * Expressions in the same variables: equal when they agree at random rational points, evaluated
   * exactly where possible (a polynomial or rational identity that fails is caught with
   * overwhelming probability: Schwartz-Zippel). The points are fixed by the variable names, so a
   * verdict never changes between runs.
   */
  private static Verdict atRandomPoints(String g, String p, java.util.Set<String> vars, boolean bareLog, Expr.Budget budget) {
    ai.goldilocks.core.internal.Rng rng = new ai.goldilocks.core.internal.Rng(String.join(",", vars).hashCode() * 31L + 17);
    int compared = 0;
    for (int point = 0; point < 3 * POINTS && compared < POINTS; point++) {
      java.util.Map<String, Expr.Value> values = new java.util.HashMap<>();
      int k = 0;
      for (String v : vars) {
        long num = 1 + rng.nextInt(97);
        long den = 1 + rng.nextInt(13);
        boolean negative = (point + k++) % 2 == 1; // every variable takes both signs
        values.put(v, Expr.Value.of(java.math.BigInteger.valueOf(negative ? -num : num), java.math.BigInteger.valueOf(den), 0));
      }
      boolean skipped = false;
      for (boolean log10 : bareLog ? new boolean[] {false, true} : new boolean[] {false}) {
        Expr.Value a = Expr.evaluate(g, values, budget, log10);
        Expr.Value b = Expr.evaluate(p, values, budget, log10);
        if (a == null && b == null) {
          skipped = true; // outside both domains (a pole, a root of a negative number)
          break;
        }
        if (a == null || b == null) {
          return new Verdict(false, "defined at different points: " + g + " vs " + p + " at " + describe(values));
        }
        if (!numbers(a, b).equal()) {
          return new Verdict(false, "expressions differ at " + describe(values) + (log10 ? " (\\log in base 10)" : "") + ": "
              + a.value() + " vs " + b.value());
        }
      }
      compared += skipped ? 0 : 1;
    }
    if (compared < 3) {
      return new Verdict(false, "could not evaluate " + g + " and " + p + " at enough points");
    }
    return new Verdict(true, "equal at " + compared + " random points in " + vars);
  }

  private static String describe(java.util.Map<String, Expr.Value> values) {
    StringBuilder b = new StringBuilder();
    new java.util.TreeMap<>(values).forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(" = ").append(v.num())
        .append('/').append(v.den()));
    return b.toString();
  }

  private static final java.util.regex.Pattern MIXED = java.util.regex.Pattern.compile("(-?)([0-9]{1,18})\\\\frac\\{([0-9]{1,18})\\}\\{([0-9]{1,18})\\}");

  /**
   * A mixed number as competition answers write it, the whole answer (or element) being an integer
   * followed by a proper fraction: {@code 5\frac{2}{3}} is 5 + 2/3, {@code -2\frac{1}{4}} is
   * -(2 + 1/4). Anything else is left as it is (so {@code 2\frac{5}{4}} stays a product).
   */
  static String mixedNumber(String s) {
    if (s.length() > 80 || s.indexOf("\\frac") < 0) {
      return s;
    }
    java.util.regex.Matcher m = MIXED.matcher(s);
    if (!m.matches()) {
      return s;
    }
    long whole = Long.parseLong(m.group(2));
    long num = Long.parseLong(m.group(3));
    long den = Long.parseLong(m.group(4));
    if (whole == 0 || num == 0 || num >= den) {
      return s;
    }
    return m.group(1) + "(" + m.group(2) + "+\\frac{" + m.group(3) + "}{" + m.group(4) + "})";
  }

  private enum Kind { TUPLE, SET, INTERVAL, MATRIX }

  /** LaTeX matrix environments compared as matrices ({@code vmatrix} is a determinant: not one). */
  private static final List<String> MATRICES = List.of("pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix");

  private static final class Structure {
    Kind kind;
    char open;
    char close;
    int columns;
    final List<String> items = new ArrayList<>();

    /**
     * Splits "(a,b)", "[a,b)", "{a,b}" (after normalisation) or a bare "a,b" at top-level commas; a
     * matrix environment into its cells, row by row.
     */
    static Structure parse(String s) {
      if (s.length() < 2) {
        return null;
      }
      if (s.startsWith("\\begin{")) {
        return matrix(s);
      }
      char o = s.charAt(0);
      char c = s.charAt(s.length() - 1);
      Structure st = new Structure();
      String inner;
      if (o == '{' && c == '}') {
        st.kind = Kind.SET;
        inner = s.substring(1, s.length() - 1);
      } else if ((o == '(' || o == '[') && (c == ')' || c == ']')) {
        inner = s.substring(1, s.length() - 1);
        st.open = o;
        st.close = c;
        st.kind = o == '(' && c == ')' ? Kind.TUPLE : Kind.INTERVAL;
        if (!balanced(inner)) {
          return null;
        }
      } else if (s.indexOf(',') >= 0) {
        st.kind = Kind.TUPLE;
        inner = s;
      } else {
        return null;
      }
      int depth = 0;
      int start = 0;
      for (int i = 0; i < inner.length(); i++) {
        char ch = inner.charAt(i);
        if (ch == '(' || ch == '[' || ch == '{') {
          depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
          depth--;
        } else if (ch == ',' && depth == 0) {
          st.items.add(inner.substring(start, i));
          start = i + 1;
        }
      }
      st.items.add(inner.substring(start));
      if (st.items.stream().anyMatch(String::isEmpty)) {
        return null;
      }
      if (st.kind == Kind.TUPLE && st.items.size() < 2 && inner == s) {
        return null;
      }
      if (st.kind == Kind.INTERVAL && st.items.size() != 2) {
        // "[1,2,3]" is a list: treat as a tuple
        st.kind = Kind.TUPLE;
      }
      return st;
    }

    /** {@code \begin{pmatrix}a&b\\c&d\end{pmatrix}}: rows at top-level {@code \\}, cells at {@code &}. */
    private static Structure matrix(String s) {
      int close = s.indexOf('}');
      if (close < 0) {
        return null;
      }
      String env = s.substring(7, close);
      String end = "\\end{" + env + "}";
      if (!MATRICES.contains(env) || !s.endsWith(end) || close + 1 > s.length() - end.length()) {
        return null;
      }
      String body = s.substring(close + 1, s.length() - end.length());
      if (!balanced(body)) {
        return null;
      }
      List<List<String>> rows = new ArrayList<>();
      List<String> row = new ArrayList<>();
      int depth = 0;
      int start = 0;
      for (int i = 0; i <= body.length(); i++) {
        char ch = i < body.length() ? body.charAt(i) : '\0';
        if (ch == '(' || ch == '[' || ch == '{') {
          depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
          depth--;
        } else if (depth == 0 && (ch == '&' || i == body.length() || body.startsWith("\\\\", i))) {
          row.add(body.substring(start, i));
          if (ch != '&') {
            rows.add(row);
            row = new ArrayList<>();
            i++; // the second backslash
          }
          start = i + 1;
        }
      }
      List<String> last = rows.get(rows.size() - 1);
      if (rows.size() > 1 && last.size() == 1 && last.get(0).isEmpty()) {
        rows.remove(rows.size() - 1); // a trailing row separator
      }
      Structure st = new Structure();
      st.kind = Kind.MATRIX;
      st.columns = rows.get(0).size();
      for (List<String> r : rows) {
        if (r.size() != st.columns || r.stream().anyMatch(String::isEmpty)) {
          return null;
        }
        st.items.addAll(r);
      }
      return st;
    }

    private static boolean balanced(String s) {
      int depth = 0;
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        if (ch == '(' || ch == '[' || ch == '{') {
          depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
          depth--;
          if (depth < 0) {
            return false;
          }
        }
      }
      return depth == 0;
    }
  }

  /** Normalises LaTeX and plain-text answers to a canonical compact form. */
  public static String normalize(String raw) {
    String s = raw.trim();
    s = stripDelimiters(s);
    // a row break "\\" first, so that "\\ " (a break, then a space) is not read as a break's
    // backslash followed by the spacing command "\ "
    s = replaceAll(s, "\\\\", ROW);
    s = unwrap(s, "\\text");
    s = unwrap(s, "\\textbf");
    s = unwrap(s, "\\mathrm");
    s = unwrap(s, "\\mathbf");
    s = unwrap(s, "\\mbox");
    s = unwrap(s, "\\boxed");
    s = replaceAll(s, "\\displaystyle", "");
    s = replaceAll(s, "\\left", "");
    s = replaceAll(s, "\\right", "");
    s = replaceAll(s, "\\dfrac", "\\frac");
    s = replaceAll(s, "\\tfrac", "\\frac");
    s = replaceAll(s, "\\dbinom", "\\binom");
    s = replaceAll(s, "\\tbinom", "\\binom");
    s = replaceAll(s, "\\!", "");
    s = replaceAll(s, "\\,", "");
    s = replaceAll(s, "\\;", "");
    s = replaceAll(s, "\\:", "");
    s = replaceAll(s, "\\ ", "");
    s = replaceAll(s, "\\{", "{");
    s = replaceAll(s, "\\}", "}");
    s = replaceAll(s, "\\%", "");
    s = replaceAll(s, "%", "");
    s = replaceAll(s, "^{\\circ}", "");
    s = replaceAll(s, "^\\circ", "");
    s = replaceAll(s, "\\circ", "");
    s = replaceAll(s, "\u00b0", "");
    s = replaceAll(s, "\\$", "");
    s = replaceAll(s, "~", "");
    s = replaceAll(s, "\\cdot", "*");
    s = replaceAll(s, "\\times", "*");
    s = replaceAll(s, "\u00d7", "*");
    s = replaceAll(s, "\\div", "/");
    s = replaceAll(s, "\\infty", "oo");
    s = replaceAll(s, "\u221e", "oo");
    s = replaceAll(s, "\u03c0", "\\pi");
    s = dropUnits(s);
    s = removeWhitespace(s);
    s = fixFracShorthand(s);
    s = unbraceSingles(s);
    s = replaceAll(s, "\\sqrt", "\\sqrt");
    s = dropThousandsSeparators(s);
    s = dropAssignment(s);
    while (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    return replaceAll(s, ROW, "\\\\");
  }

  /** Stands for a row break while the spacing commands are removed (a character no answer uses). */
  private static final String ROW = "\u0001";

  private static String stripDelimiters(String s) {
    boolean changed = true;
    while (changed) {
      changed = false;
      s = s.trim();
      for (String[] d : new String[][] {{"\\(", "\\)"}, {"\\[", "\\]"}, {"$$", "$$"}, {"$", "$"}}) {
        if (s.length() >= d[0].length() + d[1].length() && s.startsWith(d[0]) && s.endsWith(d[1])) {
          s = s.substring(d[0].length(), s.length() - d[1].length());
          changed = true;
        }
      }
    }
    return s;
  }

  private static String replaceAll(String s, String from, String to) {
    return s.indexOf(from) < 0 ? s : s.replace(from, to);
  }

  /** {@code \cmd{x}} becomes {@code x}, for every occurrence. */
  private static String unwrap(String s, String cmd) {
    int guard = 0;
    int at;
    while ((at = s.indexOf(cmd + "{")) >= 0 && guard++ < 1000) {
      int open = at + cmd.length();
      int close = matchingBrace(s, open);
      if (close < 0) {
        break;
      }
      s = s.substring(0, at) + s.substring(open + 1, close) + s.substring(close + 1);
    }
    return s;
  }

  /** Removes whitespace; a space between two letters ({@code x y}, {@code \\pi r}) is a product and becomes {@code *}. */
  private static String removeWhitespace(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isWhitespace(c)) {
        b.append(c);
      } else if (b.length() > 0 && Character.isLetter(b.charAt(b.length() - 1))) {
        int j = i;
        while (j < s.length() && Character.isWhitespace(s.charAt(j))) {
          j++;
        }
        if (j < s.length() && Character.isLetter(s.charAt(j))) {
          b.append('*');
        }
        i = j - 1;
      }
    }
    return b.toString();
  }

  /**
   * {@code \frac34} and {@code \frac3{4}} and {@code \frac{3}4} become {@code \frac{3}{4}}, and
   * the same for {@code \binom}.
   */
  private static String fixFracShorthand(String s) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      String cmd = s.startsWith("\\frac", i) ? "\\frac" : s.startsWith("\\binom", i) ? "\\binom" : null;
      if (cmd != null) {
        b.append(cmd);
        i += cmd.length();
        for (int arg = 0; arg < 2 && i < s.length(); arg++) {
          char c = s.charAt(i);
          if (c == '{') {
            int close = matchingBrace(s, i);
            if (close < 0) {
              b.append(s, i, s.length());
              return b.toString();
            }
            b.append(s, i, close + 1);
            i = close + 1;
          } else {
            b.append('{').append(c).append('}');
            i++;
          }
        }
      } else {
        b.append(s.charAt(i++));
      }
    }
    return b.toString();
  }

  private static final String[] UNITS = {"squareunits", "square units", "sq units", "units", "unit", "cm", "mm", "km", "meters", "meter",
      "m", "inches", "inch", "feet", "foot", "ft", "miles", "mile", "dollars", "dollar", "cents", "degrees", "degree", "hours", "hour",
      "minutes", "minute", "seconds", "second", "days", "day", "kg", "g", "pounds", "lbs", "people", "students", "ways", "years"};

  /** Removes a trailing unit word after a number ("12 cm", "5 dollars", "30 degrees"). */
  private static String dropUnits(String s) {
    String t = s.trim();
    for (int round = 0; round < 2; round++) {
      String lower = t.toLowerCase(Locale.ROOT);
      for (String u : UNITS) {
        if (lower.endsWith(u) && lower.length() > u.length()) {
          String head = t.substring(0, t.length() - u.length());
          String trimmed = head.trim();
          if (!trimmed.isEmpty() && (Character.isDigit(trimmed.charAt(trimmed.length() - 1)) || trimmed.endsWith("}"))
              && (head.endsWith(" ") || head.endsWith("^2") || u.length() > 1 || Character.isDigit(head.charAt(head.length() - 1)))) {
            // a single-letter unit ("m", "g") only directly after a digit with a space: "5 m"
            if (u.length() == 1 && !head.endsWith(" ")) {
              continue;
            }
            t = trimmed;
            if (t.endsWith("^2") || t.endsWith("^3")) {
              t = t.substring(0, t.length() - 2);
            }
            break;
          }
        }
      }
    }
    return dropTrailingWords(t);
  }

  private static final java.util.Set<String> MATH_WORDS = java.util.Set.of("pi", "oo", "inf", "infinity", "sin", "cos", "tan", "log",
      "ln", "exp", "sqrt", "and", "or", "mod", "i", "e");

  /**
   * "12 apples", "7 red marbles": words after a number are units or nouns, not part of the value.
   * Only letter words of two or more letters that are not mathematical names, after a number.
   */
  private static String dropTrailingWords(String t) {
    int end = t.length();
    int cut = end;
    int words = 0;
    while (words < 4) {
      int j = cut;
      while (j > 0 && t.charAt(j - 1) == ' ') {
        j--;
      }
      int k = j;
      while (k > 0 && Character.isLetter(t.charAt(k - 1))) {
        k--;
      }
      if (k == j || k == 0 || t.charAt(k - 1) != ' ') {
        break;
      }
      String w = t.substring(k, j).toLowerCase(Locale.ROOT);
      if (w.length() < 2 || MATH_WORDS.contains(w)) {
        break;
      }
      cut = k;
      words++;
    }
    if (words == 0) {
      return t;
    }
    String head = t.substring(0, cut).trim();
    return !head.isEmpty() && (Character.isDigit(head.charAt(head.length() - 1)) || head.endsWith("}")) ? head : t;
  }

  /** {@code x^{2}} becomes {@code x^2}: braces around a single character of an exponent or subscript. */
  private static String unbraceSingles(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c == '^' || c == '_') && i + 3 < s.length() && s.charAt(i + 1) == '{' && s.charAt(i + 3) == '}'
          && Character.isLetterOrDigit(s.charAt(i + 2)) && (i + 4 == s.length() || !Character.isLetterOrDigit(s.charAt(i + 4)))) {
        b.append(c).append(s.charAt(i + 2));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** "1,234,567" becomes "1234567" when the whole answer is such a number. */
  private static String dropThousandsSeparators(String s) {
    String body = s.startsWith("-") ? s.substring(1) : s;
    int dot = body.indexOf('.');
    String intPart = dot >= 0 ? body.substring(0, dot) : body;
    String frac = dot >= 0 ? body.substring(dot) : "";
    if (intPart.indexOf(',') < 0) {
      return s;
    }
    String[] groups = intPart.split(",", -1);
    if (groups[0].isEmpty() || groups[0].length() > 3 || !digits(groups[0])) {
      return s;
    }
    for (int i = 1; i < groups.length; i++) {
      if (groups[i].length() != 3 || !digits(groups[i])) {
        return s;
      }
    }
    if (!frac.isEmpty() && !digits(frac.substring(1))) {
      return s;
    }
    return (s.startsWith("-") ? "-" : "") + String.join("", groups) + frac;
  }

  private static boolean digits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** "x=5" becomes "5" (a single assignment to a variable name). */
  private static String dropAssignment(String s) {
    int eq = s.indexOf('=');
    if (eq <= 0 || s.indexOf('=', eq + 1) >= 0 || s.indexOf(',') >= 0) {
      return s;
    }
    String lhs = s.substring(0, eq);
    if (lhs.length() <= 3 && Character.isLetter(lhs.charAt(0))) {
      return s.substring(eq + 1);
    }
    return s;
  }
}
