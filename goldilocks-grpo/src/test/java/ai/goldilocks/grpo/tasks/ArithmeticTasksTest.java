package ai.goldilocks.grpo.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArithmeticTasksTest {

  @Test
  void carriesAndBorrowsByHand() {
    // 999 + 1: units 9+1=10 carry, tens 9+0+1=10 carry, hundreds 9+0+1=10 carry -> 3
    assertEquals(3, ArithmeticTasks.addCarries(999, 1));
    // 123 + 456: no column reaches 10 -> 0
    assertEquals(0, ArithmeticTasks.addCarries(123, 456));
    // 1000 - 1: units 0-1 borrow, tens 0-0-1 borrow, hundreds 0-0-1 borrow, thousands 1-0-1=0 -> 3
    assertEquals(3, ArithmeticTasks.subBorrows(1000, 1));
    // 58 * 7: 8*7=56 carry 5, 5*7+5=40 carry 4 -> 2 columns with a carry
    assertEquals(2, ArithmeticTasks.mulCarries(58, 7));
  }

  @Test
  void answersAreCorrectAndGenerationIsDeterministic() {
    List<ArithmeticTask> a = ArithmeticTasks.generate(2000, 8, 5, "t");
    List<ArithmeticTask> b = ArithmeticTasks.generate(2000, 8, 5, "t");
    assertEquals(a, b);
    for (ArithmeticTask t : a) {
      String expr = t.prompt().substring(0, t.prompt().length() - 1);
      BigInteger value;
      if (expr.contains("*")) {
        String[] p = expr.split("\\*");
        value = new BigInteger(p[0]).multiply(new BigInteger(p[1]));
      } else if (expr.contains("-")) {
        String[] p = expr.split("-");
        value = new BigInteger(p[0]).subtract(new BigInteger(p[1]));
      } else {
        value = BigInteger.ZERO;
        for (String p : expr.split("\\+")) {
          value = value.add(new BigInteger(p));
        }
      }
      assertEquals(value.toString(), t.answer(), t.prompt());
      assertEquals(1.0, ArithmeticTasks.reward(t, " " + t.answer() + "\n"));
      assertEquals(0.0, ArithmeticTasks.reward(t, t.answer() + "0"));
      assertTrue(t.structuralDifficulty() > 0 && t.structuralDifficulty() < 20, t.toString());
    }
  }

  @org.junit.jupiter.api.Test
  void addOrSubtractKeepsItsBandAndVariesDifficultyWithinIt() {
    ai.goldilocks.core.internal.Rng rng = new ai.goldilocks.core.internal.Rng(4);
    for (int digits = 1; digits <= 6; digits++) {
      java.util.Set<Integer> carries = new java.util.TreeSet<>();
      int subs = 0;
      for (int i = 0; i < 600; i++) {
        ArithmeticTask t = ArithmeticTasks.addOrSubtract(rng, digits, "x" + i);
        org.junit.jupiter.api.Assertions.assertEquals(digits, t.maxDigits(), t.prompt());
        String[] ops = t.prompt().substring(0, t.prompt().length() - 1).split("[+-]");
        long a = Long.parseLong(ops[0]);
        long b = Long.parseLong(ops[1]);
        long expected = t.operation().equals("add") ? a + b : a - b;
        org.junit.jupiter.api.Assertions.assertEquals(Long.toString(expected), t.answer(), t.prompt());
        org.junit.jupiter.api.Assertions.assertTrue(expected >= 0, t.prompt());
        carries.add(t.carries());
        subs += t.operation().equals("sub") ? 1 : 0;
      }
      org.junit.jupiter.api.Assertions.assertTrue(subs > 150 && subs < 250, "subtractions " + subs);
      if (digits >= 3) {
        // from no carry at all to a carry or borrow at most digits
        org.junit.jupiter.api.Assertions.assertTrue(carries.contains(0) && carries.size() >= digits, digits + ": " + carries);
      }
    }
  }

  @Test
  void zeroPaddingGivesEveryQuestionOfABandOneLayoutAndKeepsTheAnswer() {
    ai.goldilocks.core.internal.Rng plain = new ai.goldilocks.core.internal.Rng(9);
    ai.goldilocks.core.internal.Rng padded = new ai.goldilocks.core.internal.Rng(9);
    for (int digits = 1; digits <= 6; digits++) {
      for (int i = 0; i < 300; i++) {
        ArithmeticTask a = ArithmeticTasks.addOrSubtract(plain, digits, "x" + i);
        ArithmeticTask b = ArithmeticTasks.addOrSubtract(padded, digits, "x" + i, true);
        // the same draws: the same numbers and answer, only the written operands differ
        assertEquals(a.answer(), b.answer(), b.prompt());
        assertEquals(a.carries(), b.carries());
        assertEquals(2 * digits + 2, b.prompt().length(), b.prompt());
        String[] ops = b.prompt().substring(0, b.prompt().length() - 1).split("[+-]");
        assertEquals(digits, ops[0].length(), b.prompt());
        assertEquals(digits, ops[1].length(), b.prompt());
        assertEquals(a.prompt().replaceAll("(^|[+-])0+(?=\\d)", "$1"), b.prompt().replaceAll("(^|[+-])0+(?=\\d)", "$1"));
      }
    }
  }
}
