package ai.goldilocks.grpo.math;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
 * expression can backtrack catastrophically. Thread-safe (stateless).
 */
public final class MathAnswers {
  /** Longest answer or solution text examined. */
  public static final int MAX_LENGTH = 20_000;
  private static final double REL_TOL = 1e-6;
  private static final double ABS_TOL = 1e-9;

  private MathAnswers() {}

  /**
   * The outcome of a comparison.
   *
   * @param equal whether the answers match
   * @param reason how it was decided, or why it could not be
   */
  public record Verdict(boolean equal, String reason) {}

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
    return compare(g, p, 0);
  }

  private static Verdict compare(String g, String p, int depth) {
    if (depth > 8) {
      return new Verdict(false, "nesting too deep");
    }
    if (g.equals(p)) {
      return new Verdict(true, "equal after normalisation");
    }
    java.util.TreeSet<String> gVars = Expr.variables(g);
    java.util.TreeSet<String> pVars = Expr.variables(p);
    boolean gv = gVars != null;
    boolean pv = pVars != null;
    if (gv && pv) {
      if (!gVars.equals(pVars)) {
        return new Verdict(false, "different variables: " + gVars + " vs " + pVars);
      }
      return gVars.isEmpty() ? numbers(Expr.evaluate(g), Expr.evaluate(p)) : atRandomPoints(g, p, gVars);
    }
    Structure gs = Structure.parse(g);
    Structure ps = Structure.parse(p);
    if (gs != null && ps != null) {
      if (gs.kind != ps.kind) {
        return new Verdict(false, "different structures: " + gs.kind + " vs " + ps.kind);
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
            if (compare(item, remaining.get(j), depth + 1).equal()) {
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
        if (!compare(gs.items.get(i), ps.items.get(i), depth + 1).equal()) {
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
   * roots) match within floating-point noise.
   */
  static Verdict numbers(Expr.Value a, Expr.Value b) {
    if (a == null || b == null) {
      return new Verdict(false, "does not evaluate");
    }
    if (a.exact() && b.exact() && a.num().equals(b.num()) && a.den().equals(b.den())) {
      return new Verdict(true, "exactly equal");
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
  private static Verdict atRandomPoints(String g, String p, java.util.Set<String> vars) {
    ai.goldilocks.core.Rng rng = new ai.goldilocks.core.Rng(String.join(",", vars).hashCode() * 31L + 17);
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
      Expr.Value a = Expr.evaluate(g, values);
      Expr.Value b = Expr.evaluate(p, values);
      if (a == null && b == null) {
        continue; // outside both domains (a pole, a root of a negative number)
      }
      if (a == null || b == null) {
        return new Verdict(false, "defined at different points: " + g + " vs " + p + " at " + describe(values));
      }
      if (!numbers(a, b).equal()) {
        return new Verdict(false, "expressions differ at " + describe(values) + ": " + a.value() + " vs " + b.value());
      }
      compared++;
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

  private enum Kind { TUPLE, SET, INTERVAL }

  private static final class Structure {
    Kind kind;
    char open;
    char close;
    final List<String> items = new ArrayList<>();

    /** Splits "(a,b)", "[a,b)", "{a,b}" (after normalisation) or a bare "a,b" at top-level commas. */
    static Structure parse(String s) {
      if (s.length() < 2) {
        return null;
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
    return s;
  }

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

  /** {@code \frac34} and {@code \frac3{4}} and {@code \frac{3}4} become {@code \frac{3}{4}}. */
  private static String fixFracShorthand(String s) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      if (s.startsWith("\\frac", i)) {
        b.append("\\frac");
        i += 5;
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
