package ai.goldilocks.grpo.math;

import java.util.Locale;

/**
 * Normalises LaTeX and plain-text answers (see {@link MathAnswers#normalize}): delimiters, text
 * wrappers, spacing commands, units and trailing words, braces of single-character exponents,
 * thousands separators, a single assignment.
 */
final class AnswerNormalizer {
  private AnswerNormalizer() {}

  /** Normalises LaTeX and plain-text answers to a canonical compact form. */
  static String normalize(String raw) {
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
      int close = AnswerExtraction.matchingBrace(s, open);
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
            int close = AnswerExtraction.matchingBrace(s, i);
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
  }}
