package ai.goldilocks.grpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MathAnswersTest {

  /** (gold, prediction, equal?, stops at the budget?) from {@code pairs.tsv}. */
  static Stream<Arguments> table() {
    return Table.pairs().stream().map(r -> Arguments.of(r.gold(), r.predicted(), r.equal(), r.timeout()));
  }

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @MethodSource("table")
  void goldPredictionTable(String gold, String predicted, boolean equal, boolean timeout) {
    MathAnswers.Verdict v = MathAnswers.verify(gold, predicted);
    assertEquals(equal, v.equal(), () -> gold + " vs " + predicted + ": " + v.reason());
    assertEquals(timeout, v.timedOut(), () -> gold + " vs " + predicted + ": " + v.reason());
    assertFalse(v.reason().isEmpty());
  }

  @Test
  void tableHasAtLeastFourHundredPairsHalfOfThemNotEqual() {
    List<Table.Pair> pairs = Table.pairs();
    long notEqual = pairs.stream().filter(r -> !r.equal()).count();
    assertTrue(pairs.size() >= 400, "pairs: " + pairs.size());
    assertTrue(2 * notEqual >= pairs.size(), notEqual + " not equal of " + pairs.size());
    assertEquals(pairs.size(), pairs.stream().map(r -> r.gold() + "\t" + r.predicted()).distinct().count(), "a pair twice");
  }

  /** The budget stops only costly inputs: every other pair of the table uses under 2% of it. */
  @Test
  void everyTablePairFitsFarWithinTheWorkBudget() {
    for (Table.Pair r : Table.pairs()) {
      if (r.timeout()) {
        continue;
      }
      Budget budget = new Budget(Long.MAX_VALUE / 2, Long.MAX_VALUE / 4);
      MathAnswers.verify(r.gold(), r.predicted(), budget);
      assertTrue(budget.used() < MathAnswers.WORK_BUDGET / 50, () -> r.gold() + " vs " + r.predicted() + " used " + budget.used());
    }
  }

  @Test
  void aComparisonStoppedAtTheBudgetIsCountedAndNotEqual() {
    MathAnswers.Stats before = MathAnswers.stats();
    MathAnswers.Verdict v = MathAnswers.verify("5", "2^{2^{2^{2^{2}}}}");
    MathAnswers.Stats after = MathAnswers.stats();
    assertFalse(v.equal());
    assertTrue(v.timedOut(), v.reason());
    assertTrue(after.timedOut() >= before.timedOut() + 1 && after.pairs() >= before.pairs() + 1, before + " -> " + after);
    // the same work, allowed a larger budget, is decided; a smaller one stops even a modest factorial
    assertTrue(MathAnswers.verify("720", "6!", new Budget(Long.MAX_VALUE / 2, Long.MAX_VALUE / 4)).equal());
    MathAnswers.Verdict small = MathAnswers.verify("720", "6!", new Budget(3, Long.MAX_VALUE / 4));
    assertFalse(small.equal());
    assertTrue(small.timedOut(), small.reason());
  }

  /** A row break followed by a space was read as a break's backslash and the spacing command "\ ". */
  @Test
  void aMatrixRowBreakFollowedByASpaceIsARowBreak() {
    assertEquals("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", MathAnswers.normalize("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}"));
    assertEquals(MathAnswers.normalize("a\\\\b"), MathAnswers.normalize("a \\\\ b"));
    assertEquals("1000", MathAnswers.normalize("1\\ 000")); // a spacing command alone still disappears
  }

  /** {@code \log} without a base is decided only where the base does not matter. */
  @Test
  void aLogWithoutABaseIsDecidedOnlyWhereTheBaseDoesNotMatter() {
    assertTrue(MathAnswers.verify("\\log 8", "3\\log 2").equal());
    assertFalse(MathAnswers.verify("\\log 100", "2").equal());
    assertFalse(MathAnswers.verify("\\log 100", "2\\ln 10").equal());
    assertTrue(MathAnswers.verify("\\log_{10} 100", "2").equal());
    assertFalse(MathAnswers.verify("\\log x", "\\ln x").equal());
    assertTrue(MathAnswers.verify("\\log(x^3)", "\\log x+2\\log x").equal());
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
        "1^".repeat(3000) + "1", huge, "\\boxed{" + "{".repeat(4000), "\u0000\uffff\ud800", "1,2,3,".repeat(500), "\\begin{pmatrix", "\\begin{pmatrix}1&\\end{pmatrix}",
        "\\begin{x}\\\\\\end{x}", "\\log_", "\\sin^", "\\binom{", "3!!", "\\sin^{-1}", "\\log_{1}2", "\\arcsin 2"};
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
