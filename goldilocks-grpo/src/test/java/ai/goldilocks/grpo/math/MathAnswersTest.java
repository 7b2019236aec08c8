package ai.goldilocks.grpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MathAnswersTest {

  /** (gold, prediction, equal?) */
  static Stream<Arguments> table() {
    return Stream.concat(basics(), more());
  }

  /** Rows added with exact arithmetic, scientific notation, unit words, exponents and variables. */
  static Stream<Arguments> more() {
    return Stream.of(
        // integers compare exactly at any size: a relative tolerance would call these equal
        Arguments.of("1000000007", "1000000008", false),
        Arguments.of("1000000007", "1000000007", true),
        Arguments.of("123456789012345678901234567890", "123456789012345678901234567891", false),
        Arguments.of("123456789012345678901234567890", "123,456,789,012,345,678,901,234,567,890", true),
        Arguments.of("99999999999999999999", "100000000000000000000", false),
        Arguments.of("2^{64}", "18446744073709551616", true),
        Arguments.of("2^{64}", "18446744073709551617", false),
        Arguments.of("10^{18}+1", "1000000000000000001", true),
        Arguments.of("10^{18}", "1000000000000000001", false),
        Arguments.of("-987654321", "-987654322", false),
        Arguments.of("1000000007.0", "1000000008", false),
        Arguments.of("1000000007.0", "1000000007", true),
        // exact rationals
        Arguments.of("\\frac{1}{3}", "\\frac{2}{6}", true),
        Arguments.of("\\frac{1}{3}", "\\frac{1000000}{3000001}", false),
        Arguments.of("\\frac{22}{7}", "\\pi", false),
        Arguments.of("\\frac{355}{113}", "3.14159292", true),
        Arguments.of("\\frac{1}{7}", "0.142857142857", true),
        Arguments.of("\\frac{1}{7}", "0.1428", false),
        Arguments.of("\\frac{2}{3}", "0.666667", true),
        Arguments.of("\\frac{2}{3}", "0.67", false),
        Arguments.of("\\frac{1}{3}", "0.3", false),
        Arguments.of("\\frac{5}{2}", "2.5", true),
        Arguments.of("\\frac{5}{2}", "2.50", true),
        Arguments.of("-\\frac{7}{4}", "-1.75", true),
        Arguments.of("\\frac{7}{4}", "-1.75", false),
        Arguments.of("\\frac{1}{3}+\\frac{1}{6}", "\\frac{1}{2}", true),
        Arguments.of("\\frac{3}{4}", "75\\%", false), // the percent sign is dropped: 75 vs 3/4
        Arguments.of("0.1+0.2", "0.3", true),
        Arguments.of("0.1", "\\frac{1}{10}", true),
        // scientific notation
        Arguments.of("1.5\\times10^{3}", "1500", true),
        Arguments.of("1.5e3", "1500", true),
        Arguments.of("1.5E3", "1500", true),
        Arguments.of("2e-3", "0.002", true),
        Arguments.of("2e-3", "0.003", false),
        Arguments.of("6.02\\times10^{23}", "6.02e23", true),
        Arguments.of("6.02\\times10^{23}", "6.03e23", false),
        Arguments.of("1e2", "100", true),
        Arguments.of("1e2", "10", false),
        Arguments.of("3\\cdot10^{4}", "30000", true),
        Arguments.of("5e0", "5", true),
        // unit and noun words after a number
        Arguments.of("12", "12 apples", true),
        Arguments.of("12", "13 apples", false),
        Arguments.of("7", "7 red marbles", true),
        Arguments.of("40", "40 mph", true),
        Arguments.of("3", "3 liters", true),
        Arguments.of("250", "250 grams", true),
        Arguments.of("15", "15 \\text{ tickets}", true),
        Arguments.of("\\frac{1}{2}", "\\frac{1}{2} \\text{cup}", true),
        Arguments.of("2\\pi", "2 pi", true),
        Arguments.of("8", "8 pi", false),
        Arguments.of("6", "6 x", false), // a single letter is a variable, not a unit
        Arguments.of("9", "9 sheep", true),
        // braces in exponents and subscripts
        Arguments.of("e^{2}", "e^2", true),
        Arguments.of("x^{2}", "x^2", true),
        Arguments.of("x^{2}+1", "x^2+1", true),
        Arguments.of("a_{n}", "a_n", true),
        Arguments.of("a_{n}", "a_m", false),
        Arguments.of("e^{2}", "e^3", false),
        Arguments.of("2^{3}", "2^3", true),
        Arguments.of("x^{10}", "x^10", true),
        Arguments.of("x^{10}", "x^{1}0", false),
        Arguments.of("e^{2}", "7.389056", true),
        // expressions with variables: equal at random points
        Arguments.of("2x+1", "1+2x", true),
        Arguments.of("2x+1", "2x-1", false),
        Arguments.of("x^2-1", "(x-1)(x+1)", true),
        Arguments.of("x^2+1", "(x+1)^2", false),
        Arguments.of("(x+1)^2", "x^2+2x+1", true),
        Arguments.of("\\frac{x}{2}", "0.5x", true),
        Arguments.of("\\frac{x}{2}", "\\frac{1}{2}x", true),
        Arguments.of("\\frac{x^2-4}{x-2}", "x+2", true),
        Arguments.of("\\frac{1}{x}+\\frac{1}{y}", "\\frac{x+y}{xy}", false), // "xy" is a word, not x*y
        Arguments.of("\\frac{1}{x}+\\frac{1}{y}", "\\frac{x+y}{x y}", true),
        Arguments.of("3a+2b", "2b+3a", true),
        Arguments.of("3a+2b", "3b+2a", false),
        Arguments.of("a+b", "a+c", false),
        Arguments.of("x", "y", false),
        Arguments.of("2\\sqrt{x}", "\\sqrt{4x}", true),
        Arguments.of("\\sqrt{x^2}", "x", false), // |x| is not x for negative x
        Arguments.of("x^3", "x*x*x", true),
        Arguments.of("x^3", "3x", false),
        Arguments.of("\\alpha+1", "1+\\alpha", true),
        Arguments.of("2\\theta", "\\theta+\\theta", true),
        Arguments.of("n(n+1)/2", "\\frac{n^2+n}{2}", true),
        Arguments.of("n(n+1)/2", "\\frac{n^2-n}{2}", false),
        Arguments.of("y=2x+3", "2x+3", true),
        Arguments.of("x^2+2x+1", "x^2+2x+2", false),
        Arguments.of("\\pi r^2", "r^2\\pi", true),
        // decimals read as rounded values
        Arguments.of("\\sqrt{2}", "1.414", false),
        Arguments.of("\\sqrt{2}", "1.4142136", true),
        Arguments.of("\\sqrt{3}", "1.7320508", true),
        Arguments.of("\\pi", "3.1415927", true),
        Arguments.of("\\pi", "3.1416", false),
        Arguments.of("e", "2.7182818", true),
        Arguments.of("e", "2.72", false),
        Arguments.of("0.25", "\\frac{1}{4}", true),
        Arguments.of("0.125", "\\frac{1}{8}", true),
        Arguments.of("0.13", "\\frac{1}{8}", false),
        Arguments.of("1.5", "1.50", true),
        Arguments.of("1.5", "1.51", false),
        // roots and powers, exact where possible
        Arguments.of("\\sqrt{16}", "4", true),
        Arguments.of("\\sqrt{\\frac{9}{4}}", "\\frac{3}{2}", true),
        Arguments.of("\\sqrt[3]{-8}", "-2", true),
        Arguments.of("\\sqrt{8}", "2\\sqrt{2}", true),
        Arguments.of("\\sqrt{8}", "3\\sqrt{2}", false),
        Arguments.of("4^{\\frac{1}{2}}", "2", true),
        Arguments.of("8^{\\frac{2}{3}}", "4", true),
        Arguments.of("2^{-2}", "\\frac{1}{4}", true),
        Arguments.of("2^{-2}", "0.25", true),
        Arguments.of("(-2)^3", "-8", true),
        Arguments.of("(-2)^2", "-4", false),
        Arguments.of("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", true),
        Arguments.of("3^{40}", "12157665459056928801", true),
        Arguments.of("3^{40}", "12157665459056928800", false),
        // structures with the new comparisons inside
        Arguments.of("(1e3, 2)", "(1000, 2)", true),
        Arguments.of("\\{x+1, 2\\}", "\\{2, 1+x\\}", true),
        Arguments.of("(1000000007, 1)", "(1000000008, 1)", false),
        Arguments.of("[0, 2^{10}]", "[0, 1024]", true),
        Arguments.of("(\\frac{1}{3}, 1)", "(0.3333333333, 1)", true),
        Arguments.of("(\\frac{1}{3}, 1)", "(0.33, 1)", false),
        Arguments.of("\\{1, 2\\}", "\\{2, 1.0\\}", true),
        // words and text answers
        Arguments.of("\\text{yes}", "\\text{sey}", false),
        Arguments.of("\\text{no}", "\\text{on}", false),
        Arguments.of("\\text{even}", "even", true),
        Arguments.of("Monday", "\\text{Monday}", true),
        Arguments.of("Monday", "Tuesday", false),
        Arguments.of("x", "\\text{x}", true),
        // garbage never matches a number
        Arguments.of("5", "5^", false),
        Arguments.of("5", "e^e^e^e^e", false),
        Arguments.of("5", "10^{100000}", false),
        Arguments.of("5", "1e99999", false),
        Arguments.of("0", "0^{-1}", false),
        Arguments.of("5", "x", false),
        Arguments.of("x y", "y x", true),
        Arguments.of("2 x y", "2xy", false), // "xy" without a space is a word
        Arguments.of("\\frac{a}{b}", "a/b", true),
        Arguments.of("\\frac{a}{b}", "b/a", false),
        Arguments.of("(x-2)(x-3)", "x^2-5x+6", true),
        Arguments.of("(x-2)(x-3)", "x^2-5x-6", false),
        Arguments.of("\\frac{1}{x-1}", "\\frac{1}{1-x}", false),
        Arguments.of("4.0", "4", true),
        Arguments.of("4.01", "4", false),
        Arguments.of("10000000000000000000000", "1e22", true));
  }

  /** The first rows (issue 6). */
  static Stream<Arguments> basics() {
    return Stream.of(
        // plain numbers
        Arguments.of("19", "19", true),
        Arguments.of("19", "19.0", true),
        Arguments.of("19", "20", false),
        Arguments.of("-3", "-3", true),
        Arguments.of("-3", "3", false),
        Arguments.of("0.5", ".5", true),
        Arguments.of("0.5", "1/2", true),
        Arguments.of("0.3333", "1/3", false),
        Arguments.of("0.3333333333", "1/3", true),
        Arguments.of("1000000", "1,000,000", true),
        Arguments.of("1234", "1,234", true),
        Arguments.of("1234.5", "1,234.5", true),
        Arguments.of("12345", "12,34,5", false),
        Arguments.of("7", "07", true),
        Arguments.of("2", "2.0000001", true),
        Arguments.of("2", "2.001", false),
        Arguments.of("1e3", "1000", true),
        // LaTeX delimiters
        Arguments.of("\\(\\frac{3}{4}\\)", "0.75", true),
        Arguments.of("$\\frac{3}{4}$", "\\frac{3}{4}", true),
        Arguments.of("\\[ 12 \\]", "12", true),
        Arguments.of("$$5$$", "5", true),
        Arguments.of("\\(5\\)", "$6$", false),
        // fractions
        Arguments.of("\\frac{3}{4}", "\\dfrac{3}{4}", true),
        Arguments.of("\\frac{3}{4}", "\\tfrac{3}{4}", true),
        Arguments.of("\\frac{3}{4}", "\\frac34", true),
        Arguments.of("\\frac{3}{4}", "3/4", true),
        Arguments.of("\\frac{6}{8}", "\\frac{3}{4}", true),
        Arguments.of("\\frac{3}{4}", "\\frac{4}{3}", false),
        Arguments.of("\\frac{1}{2}", "\\frac12", true),
        Arguments.of("\\frac{10}{3}", "\\frac{10}3", true),
        Arguments.of("-\\frac{1}{2}", "-0.5", true),
        Arguments.of("\\frac{-1}{2}", "-\\frac{1}{2}", true),
        Arguments.of("\\frac{1}{2}", "\\frac{1}{3}", false),
        Arguments.of("1\\frac{1}{2}", "1.5", false), // mixed number reads as 1 x 1/2: not equal
        // roots, powers, pi
        Arguments.of("\\sqrt{2}", "1.41421356237", true),
        Arguments.of("2\\sqrt{3}", "\\sqrt{12}", true),
        Arguments.of("\\sqrt{2}", "\\sqrt{3}", false),
        Arguments.of("\\sqrt[3]{27}", "3", true),
        Arguments.of("3\\sqrt{2}", "\\sqrt{18}", true),
        Arguments.of("\\frac{\\sqrt{3}}{2}", "0.8660254", true),
        Arguments.of("2^{10}", "1024", true),
        Arguments.of("2^10", "1024", true),
        Arguments.of("2^{10}", "1000", false),
        Arguments.of("x^2", "x^2", true),
        Arguments.of("x^2", "x^3", false),
        Arguments.of("\\pi", "3.14159265359", true),
        Arguments.of("2\\pi", "6.283185307", true),
        Arguments.of("\\frac{\\pi}{2}", "\\frac{1}{2}\\pi", true),
        Arguments.of("\\pi", "3.14", false),
        Arguments.of("4\\pi", "4 \\pi", true),
        Arguments.of("π", "\\pi", true),
        Arguments.of("\\frac{\\pi}{4}", "\\frac{\\pi}{3}", false),
        // \left \right, \text, spacing
        Arguments.of("\\left(1, 2\\right)", "(1,2)", true),
        Arguments.of("\\text{5}", "5", true),
        Arguments.of("\\text{yes}", "yes", true),
        Arguments.of("\\text{yes}", "no", false),
        Arguments.of("\\mathrm{12}", "12", true),
        Arguments.of("5\\,000", "5000", true),
        Arguments.of("10\\!", "10", true),
        Arguments.of("\\textbf{7}", "7", true),
        // units, degrees, percent, currency
        Arguments.of("12", "12 cm", true),
        Arguments.of("12", "12 \\text{ cm}", true),
        Arguments.of("5", "5 dollars", true),
        Arguments.of("90", "90^\\circ", true),
        Arguments.of("90", "90^{\\circ}", true),
        Arguments.of("90^\\circ", "90 degrees", true),
        Arguments.of("45", "45°", true),
        Arguments.of("90", "45^\\circ", false),
        Arguments.of("50\\%", "50", true),
        Arguments.of("50", "50%", true),
        Arguments.of("25\\%", "50\\%", false),
        Arguments.of("\\$12.50", "12.5", true),
        Arguments.of("12", "12 square units", true),
        Arguments.of("36", "36 \\text{ square units}", true),
        Arguments.of("3", "3 m", true),
        Arguments.of("3", "3m", false), // "3m" may be 3 times m
        // assignments
        Arguments.of("5", "x = 5", true),
        Arguments.of("5", "x=5", true),
        Arguments.of("5", "y = 6", false),
        Arguments.of("x = 5", "5", true),
        // tuples
        Arguments.of("(1, 2)", "(1,2)", true),
        Arguments.of("(1, 2)", "(2, 1)", false),
        Arguments.of("(1, 2)", "(1, 2, 3)", false),
        Arguments.of("(\\frac{1}{2}, 3)", "(0.5, 3)", true),
        Arguments.of("(1,2)", "1, 2", true),
        Arguments.of("(3, -4)", "\\left( 3, -4 \\right)", true),
        Arguments.of("(0, 0)", "(0, 0.0)", true),
        // sets
        Arguments.of("\\{1, 2, 3\\}", "\\{3, 2, 1\\}", true),
        Arguments.of("\\{1, 2\\}", "\\{1, 3\\}", false),
        Arguments.of("\\{1, 2\\}", "\\{1, 2, 2\\}", false),
        Arguments.of("\\{\\frac{1}{2}, 1\\}", "\\{1, 0.5\\}", true),
        Arguments.of("\\{1,2\\}", "(1,2)", false),
        // intervals
        Arguments.of("[0, 1)", "[0,1)", true),
        Arguments.of("[0, 1)", "[0, 1]", false),
        Arguments.of("(0, 1]", "(0, 1]", true),
        Arguments.of("(-\\infty, 2)", "(-\\infty,2)", true),
        Arguments.of("[1, 5]", "[1, 5.0]", true),
        Arguments.of("[1, 5]", "[1, 6]", false),
        Arguments.of("(0, \\frac{1}{2}]", "(0, 0.5]", true),
        // expressions that are not numbers
        Arguments.of("x+1", "x+1", true),
        Arguments.of("x+1", "1+x", true), // equal at random points
        Arguments.of("a", "b", false),
        Arguments.of("\\text{even}", "\\text{odd}", false),
        // garbage
        Arguments.of("5", "", false),
        Arguments.of("5", "}}}{{{", false),
        Arguments.of("5", "\\frac{1}{0}", false),
        Arguments.of("5", "\\sqrt{-1}", false),
        Arguments.of("5", "((((((((((", false),
        Arguments.of("5", "1..2", false),
        Arguments.of("5", "\\frac{", false),
        Arguments.of("\\frac{", "\\frac{", true));
  }

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @MethodSource("table")
  void goldPredictionTable(String gold, String predicted, boolean equal) {
    MathAnswers.Verdict v = MathAnswers.verify(gold, predicted);
    assertEquals(equal, v.equal(), () -> gold + " vs " + predicted + ": " + v.reason());
    assertFalse(v.reason().isEmpty());
  }

  @Test
  void tableHasAtLeastTwoHundredFiftyPairsWithBothOutcomes() {
    long equal = table().filter(a -> (boolean) a.get()[2]).count();
    long total = table().count();
    assertTrue(total >= 250, "pairs: " + total);
    assertTrue(equal >= 30 && total - equal >= 30, equal + " equal of " + total);
  }

  @Test
  void extractsTheLastBoxedAnswerWithNestedBraces() {
    assertEquals(Optional.of("\\frac{1}{2}"), MathAnswers.extract("First \\boxed{3}, then finally \\boxed{\\frac{1}{2}}."));
    assertEquals(Optional.of("\\{1, \\{2\\}\\}"), MathAnswers.extract("so \\boxed{\\{1, \\{2\\}\\}}"));
    assertEquals(Optional.of("7"), MathAnswers.extract("... therefore the answer is 7."));
    assertEquals(Optional.of("x = 3"), MathAnswers.extract("Work.\nFinal answer: x = 3\n"));
    assertEquals(Optional.of("12"), MathAnswers.extract("\\fbox{12}"));
    assertEquals(Optional.empty(), MathAnswers.extract("no answer here"));
    assertEquals(Optional.empty(), MathAnswers.extract("unbalanced \\boxed{12"));
  }

  @Test
  void verifiesWholeSolutions() {
    assertTrue(MathAnswers.verifySolution("\\(\\frac{3}{4}\\)", "Adding gives $\\boxed{\\dfrac{3}{4}}$.").equal());
    MathAnswers.Verdict none = MathAnswers.verifySolution("3", "I think it is three");
    assertFalse(none.equal());
    assertTrue(none.reason().contains("no final answer"), none.reason());
  }

  @Test
  void garbageNeverThrowsOrHangs() {
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      deep.append("\\frac{");
    }
    String huge = "9".repeat(MathAnswers.MAX_LENGTH + 1);
    String[] nasty = {deep.toString(), "(".repeat(3000) + ")".repeat(3000), "\\sqrt".repeat(2000), "{".repeat(10000),
        "1^".repeat(3000) + "1", huge, "\\boxed{" + "{".repeat(4000), "\u0000\uffff\ud800", "1,2,3,".repeat(500)};
    Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      for (String n : nasty) {
        assertFalse(MathAnswers.verify("5", n).equal());
        MathAnswers.extract(n);
        MathAnswers.verifySolution("5", n);
      }
      assertFalse(MathAnswers.verify("5", null).equal());
      assertFalse(MathAnswers.verify(huge, huge).equal());
    });
  }
}
