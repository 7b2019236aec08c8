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
        Arguments.of("1e3", "1000", false), // scientific notation is not parsed: different expressions
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
        Arguments.of("x+1", "1+x", false), // no symbolic algebra: reported as different expressions
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
  void tableHasAtLeastAHundredPairsWithBothOutcomes() {
    long equal = table().filter(a -> (boolean) a.get()[2]).count();
    long total = table().count();
    assertTrue(total >= 100, "pairs: " + total);
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
