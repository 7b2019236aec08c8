package ai.goldilocks.grpo.math;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.constraints.IntRange;

/**
 * Invariants of the answer checker: no false positives on integers, reordering never matters, and
 * the evaluation rules (binomials, factorials, logarithms, trigonometric values, mixed numbers, the
 * size bound) agree with values computed independently here.
 */
class MathAnswersProperties {

  @Provide
  Arbitrary<BigInteger> integers() {
    return Arbitraries.oneOf(Arbitraries.bigIntegers().between(BigInteger.valueOf(-1_000_000), BigInteger.valueOf(1_000_000)),
        Arbitraries.bigIntegers().between(BigInteger.TEN.pow(15).negate(), BigInteger.TEN.pow(40)));
  }

  @Property(tries = 300)
  void anIntegerNeverEqualsItsSuccessor(@ForAll("integers") BigInteger n) {
    String a = n.toString();
    String b = n.add(BigInteger.ONE).toString();
    assertFalse(MathAnswers.verify(a, b).equal(), a + " vs " + b);
    assertFalse(MathAnswers.verify(b, a).equal(), b + " vs " + a);
    assertTrue(MathAnswers.verify(a, a).equal(), a);
  }

  @Property(tries = 200)
  void aFractionEqualsItselfScaledAndNotItsNeighbour(@ForAll("integers") BigInteger p, @ForAll("positive") BigInteger q,
      @ForAll("positive") BigInteger k) {
    String f = "\\frac{" + p + "}{" + q + "}";
    String scaled = "\\frac{" + p.multiply(k) + "}{" + q.multiply(k) + "}";
    String next = "\\frac{" + p.multiply(k).add(BigInteger.ONE) + "}{" + q.multiply(k) + "}";
    assertTrue(MathAnswers.verify(f, scaled).equal(), f + " vs " + scaled);
    assertFalse(MathAnswers.verify(f, next).equal(), f + " vs " + next);
  }

  @Provide
  Arbitrary<BigInteger> positive() {
    return Arbitraries.bigIntegers().between(BigInteger.ONE, BigInteger.TEN.pow(12));
  }

  @Provide
  Arbitrary<String> term() {
    Arbitrary<Integer> coef = Arbitraries.integers().between(-30, 30).filter(c -> c != 0);
    Arbitrary<String> power = Arbitraries.of("", "x", "x^2", "x^{3}", "y", "y^2", "x y", "\\frac{x}{2}", "\\sqrt{5}", "\\pi");
    return Combinators.combine(coef, power).as((c, p) -> p.isEmpty() ? Integer.toString(c) : c + p);
  }

  @Property(tries = 200)
  void anyGeneratedExpressionEqualsItselfReordered(@ForAll("termsAndAReordering") Tuple2<List<String>, List<String>> pair) {
    List<String> terms = pair.get1();
    List<String> shuffled = pair.get2();
    String a = sum(terms);
    String b = sum(shuffled);
    assertTrue(MathAnswers.verify(a, b).equal(), a + " vs " + b + ": " + MathAnswers.verify(a, b).reason());
    String off = b + "+1";
    assertFalse(MathAnswers.verify(a, off).equal(), a + " vs " + off);
  }

  @Provide
  Arbitrary<List<String>> terms() {
    return term().list().ofMinSize(1).ofMaxSize(6);
  }

  /** Terms and one of their permutations, both from jqwik, so a failure shrinks to a minimal pair. */
  @Provide
  Arbitrary<Tuple2<List<String>, List<String>>> termsAndAReordering() {
    return terms().flatMap(t -> Arbitraries.shuffle(t).map(s -> Tuple.of(t, s)));
  }

  @Property(tries = 150)
  void aBinomialEqualsItsValueAndNotItsNeighbour(@ForAll @IntRange(min = 0, max = 80) int n, @ForAll @IntRange(min = 0, max = 80) int k) {
    BigInteger value = BigInteger.ZERO;
    if (k <= n) {
      value = BigInteger.ONE;
      for (int j = 0; j < k; j++) {
        value = value.multiply(BigInteger.valueOf(n - j)).divide(BigInteger.valueOf(j + 1)); // exact at each step
      }
    }
    String b = "\\binom{" + n + "}{" + k + "}";
    assertTrue(MathAnswers.verify(b, value.toString()).equal(), b + " vs " + value);
    assertFalse(MathAnswers.verify(b, value.add(BigInteger.ONE).toString()).equal(), b + " vs " + value + "+1");
    assertTrue(MathAnswers.verify(b, "\\binom{" + n + "}{" + (n - k) + "}").equal() == (k <= n), b + " vs its mirror");
  }

  @Property(tries = 100)
  void aFactorialNeverEqualsItselfPlusOne(@ForAll @IntRange(min = 0, max = 400) int a) {
    BigInteger f = BigInteger.ONE;
    for (int j = 2; j <= a; j++) {
      f = f.multiply(BigInteger.valueOf(j));
    }
    assertFalse(MathAnswers.verify(a + "!", a + "!+1").equal(), a + "! vs " + a + "!+1");
    assertTrue(MathAnswers.verify(a + "!", f.toString()).equal(), a + "! vs its value");
    assertFalse(MathAnswers.verify(a + "!", f.add(BigInteger.ONE).toString()).equal(), a + "! vs its value + 1");
  }

  /** log_b of b^k (written as an integer or a fraction) is exactly k, and not k + 1. */
  @Property(tries = 150)
  void theLogarithmOfAPowerIsItsExponent(@ForAll @IntRange(min = 2, max = 40) int b, @ForAll @IntRange(min = -30, max = 30) int k) {
    BigInteger p = BigInteger.valueOf(b).pow(Math.abs(k));
    String x = k >= 0 ? p.toString() : "\\frac{1}{" + p + "}";
    String log = "\\log_{" + b + "}{" + x + "}";
    MathAnswers.Verdict v = MathAnswers.verify(log, Integer.toString(k));
    assertTrue(v.equal() && v.reason().equals("exactly equal"), log + " vs " + k + ": " + v.reason());
    assertFalse(MathAnswers.verify(log, Integer.toString(k + 1)).equal(), log + " vs " + (k + 1));
  }

  /** sin and cos at multiples of pi/6 where rational, from a table of their own; the opposite sign never matches. */
  @Property(tries = 100)
  void trigonometricValuesAtMultiplesOfPiOverSix(@ForAll @IntRange(min = -48, max = 48) int k) {
    String[] cosThirds = {"1", "\\frac{1}{2}", "-\\frac{1}{2}", "-1", "-\\frac{1}{2}", "\\frac{1}{2}"}; // cos(j pi / 3)
    String angle = "\\frac{" + (2 * k) + "\\pi}{6}";
    String cos = cosThirds[Math.floorMod(k, 6)];
    assertTrue(MathAnswers.verify("\\cos" + angle, cos).equal(), "cos " + angle + " vs " + cos);
    assertFalse(MathAnswers.verify("\\cos" + angle, "-(" + cos + ")").equal(), "cos " + angle + " vs -(" + cos + ")");
    // sin(j pi / 3 + pi / 2) = cos(j pi / 3)
    String shifted = "\\frac{" + (2 * k + 3) + "\\pi}{6}";
    assertTrue(MathAnswers.verify("\\sin" + shifted, cos).equal(), "sin " + shifted + " vs " + cos);
  }

  @Property(tries = 150)
  void aMixedNumberIsItsSumNeverItsProduct(@ForAll @IntRange(min = 1, max = 1_000_000) int whole,
      @ForAll @IntRange(min = 2, max = 1000) int den, @ForAll @IntRange(min = 1, max = 999) int n, @ForAll boolean negative) {
    int num = 1 + n % (den - 1); // 1 <= num < den
    String sign = negative ? "-" : "";
    String mixed = sign + whole + "\\frac{" + num + "}{" + den + "}";
    String sum = sign + "\\frac{" + ((long) whole * den + num) + "}{" + den + "}";
    String product = sign + "\\frac{" + ((long) whole * num) + "}{" + den + "}";
    assertTrue(MathAnswers.verify(mixed, sum).equal(), mixed + " vs " + sum);
    assertFalse(MathAnswers.verify(mixed, product).equal(), mixed + " vs " + product);
  }

  /**
   * A tower a^(b^c) is evaluated exactly while its value fits the size bound (compared with its
   * decimal digits here, where they fit an answer) and beyond the bound stops at the budget: not
   * equal, marked as timed out.
   */
  @Property(tries = 120)
  void aTowerIsExactWithinTheBoundAndStopsBeyondIt(@ForAll @IntRange(min = 2, max = 12) int a, @ForAll @IntRange(min = 2, max = 12) int b,
      @ForAll @IntRange(min = 1, max = 6) int c) {
    String tower = a + "^{" + b + "^{" + c + "}}";
    BigInteger e = BigInteger.valueOf(b).pow(c);
    double bits = e.doubleValue() * Math.log(a) / Math.log(2);
    if (bits < 6_000) { // up to 1,800 digits: an answer text is read up to 2,000 characters
      BigInteger v = BigInteger.valueOf(a).pow(e.intValueExact());
      assertTrue(MathAnswers.verify(tower, v.toString()).equal(), tower);
      assertFalse(MathAnswers.verify(tower, v.subtract(BigInteger.ONE).toString()).equal(), tower + " - 1");
    } else if (bits > Value.MAX_BITS + 64) {
      MathAnswers.Verdict v = MathAnswers.verify(tower, "1");
      assertFalse(v.equal(), tower);
      assertTrue(v.timedOut(), tower + ": " + v.reason());
    }
  }

  private static String sum(List<String> terms) {
    StringBuilder b = new StringBuilder();
    for (String t : terms) {
      if (b.length() > 0 && !t.startsWith("-")) {
        b.append('+');
      }
      b.append(t);
    }
    return b.toString();
  }
}
