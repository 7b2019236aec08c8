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

/** Invariants of the answer checker: no false positives on integers, reordering never matters. */
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
