package ai.goldilocks.grpo.math;

import ai.goldilocks.grpo.math.AnswerStructure.Kind;
import ai.goldilocks.grpo.math.AnswerStructure.Structure;
import ai.goldilocks.grpo.math.MathAnswers.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Compares two normalised answers: as mixed numbers, as numbers (exactly, or with a rounding
 * tolerance where a side is a decimal), as expressions at random rational points, and structurally
 * (tuples, sets, intervals, matrices, item by item). Every doubtful case is "not equal".
 */
final class AnswerComparison {
  private static final double REL_TOL = 1e-6;
  private static final double ABS_TOL = 1e-9;
  /** The largest denominator of a rational that may equal a value held as a double. */
  private static final int MAX_DENOMINATOR = 10_000;

  private AnswerComparison() {}

  static Verdict compare(String gold, String predicted, int depth, Budget budget) {
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
  static Verdict numbers(Value a, Value b) {
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
      Value d = a.add(b.negate());
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
      Value q = a.exact() ? a : b;
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
  private static Verdict atRandomPoints(String g, String p, java.util.Set<String> vars, boolean bareLog, Budget budget) {
    ai.goldilocks.core.internal.Rng rng = new ai.goldilocks.core.internal.Rng(String.join(",", vars).hashCode() * 31L + 17);
    int compared = 0;
    for (int point = 0; point < 3 * POINTS && compared < POINTS; point++) {
      java.util.Map<String, Value> values = new java.util.HashMap<>();
      int k = 0;
      for (String v : vars) {
        long num = 1 + rng.nextInt(97);
        long den = 1 + rng.nextInt(13);
        boolean negative = (point + k++) % 2 == 1; // every variable takes both signs
        values.put(v, Value.of(java.math.BigInteger.valueOf(negative ? -num : num), java.math.BigInteger.valueOf(den), 0));
      }
      boolean skipped = false;
      for (boolean log10 : bareLog ? new boolean[] {false, true} : new boolean[] {false}) {
        Value a = Expr.evaluate(g, values, budget, log10);
        Value b = Expr.evaluate(p, values, budget, log10);
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

  private static String describe(java.util.Map<String, Value> values) {
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
}
