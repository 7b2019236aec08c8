package ai.goldilocks.grpo.math;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks mathematical answers in the spirit of Math-Verify: extracts the final answer of a
 * solution, normalises LaTeX, and compares exactly, then numerically (relative tolerance), then
 * structurally (tuples, sets, intervals).
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
    Double gv = Expr.evaluate(g);
    Double pv = Expr.evaluate(p);
    if (gv != null && pv != null) {
      boolean eq = Math.abs(gv - pv) <= Math.max(ABS_TOL, REL_TOL * Math.max(Math.abs(gv), Math.abs(pv)));
      return new Verdict(eq, eq ? "numerically equal" : "numbers differ: " + gv + " vs " + pv);
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
    if (gv != null || pv != null) {
      return new Verdict(false, "one side is a number, the other is not: " + g + " vs " + p);
    }
    return new Verdict(false, "different expressions: " + g + " vs " + p);
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

  private static String removeWhitespace(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isWhitespace(s.charAt(i))) {
        b.append(s.charAt(i));
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
    return t;
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
