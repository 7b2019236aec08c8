package ai.goldilocks.core.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class SparseTextProperties {
  private static final String[] WORDS = {"apple", "velmar", "compute", "the", "drill", "quorn", "sum", "evaluate"};

  /** Texts from a few words and numbers, so that many share their numbers. */
  private static QuestionPool pool(List<@IntRange(min = 0, max = 63) Integer> codes) {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < codes.size(); i++) {
      int c = codes.get(i);
      qs.add(new Question("q" + i, WORDS[c % 8] + " " + (100 + c / 8 % 4) + " and " + (7 + c / 32) + " " + WORDS[(c / 4) % 8] + "."));
    }
    return QuestionPool.of(qs);
  }

  @Property(tries = 50)
  void clustersAreTheSmallestIndexStatingTheSameNumbers(@ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 63) Integer> codes) {
    QuestionPool pool = pool(codes);
    SparseText t = SparseText.of(pool);
    for (int i = 0; i < pool.size(); i++) {
      int c = t.cluster[i];
      assertTrue(c <= i, "the cluster is its smallest member");
      assertEquals(c, t.cluster[c], "a cluster's representative is in its own cluster");
      for (int j = 0; j < i; j++) {
        boolean sameNumbers = pool.text(i).replaceAll("[^0-9 ]", "").trim().equals(pool.text(j).replaceAll("[^0-9 ]", "").trim());
        assertEquals(sameNumbers, t.cluster[i] == t.cluster[j], pool.text(i) + " / " + pool.text(j));
      }
    }
  }

  @Property(tries = 50)
  void everyQuestionKeepsItsDistinctWordsUpToTheSlotsAndNoEmptySlotBeforeAFullOne(
      @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 63) Integer> codes) {
    QuestionPool pool = pool(codes);
    SparseText t = SparseText.of(pool);
    for (int i = 0; i < pool.size(); i++) {
      long distinct = java.util.Arrays.stream(pool.text(i).toLowerCase().split("[^a-z]+")).filter(w -> !w.isEmpty()).distinct().count();
      int words = 0;
      boolean gap = false;
      for (int s = 0; s < SparseText.WORDS; s++) {
        char id = t.ids[i * SparseText.SLOTS + s];
        if (id == 0) {
          gap = true;
        } else {
          assertTrue(!gap, "words fill the first slots");
          words++;
        }
      }
      // "and" is a word too; distinct hashes can collide only by chance (65,535 buckets)
      assertTrue(words <= distinct && words >= Math.min(SparseText.WORDS, distinct) - 1, pool.text(i) + ": " + words + " of " + distinct);
    }
  }

  @Property(tries = 200)
  void digitPairsAreTheDigitsInTheSamePlaceOfTheTwoLongestNumbersWithTheOperatorBetween(
      @ForAll @IntRange(min = 0, max = 999_999_999) int a, @ForAll @IntRange(min = 0, max = 999_999_999) int b,
      @ForAll @IntRange(min = 0, max = 4) int op, @ForAll @IntRange(min = 0, max = 9) int small) {
    String[] ops = {" and ", " + ", " - ", " * ", " / "};
    String sa = Integer.toString(a);
    String sb = Integer.toString(b);
    // a one-digit number after them is never one of the two longest unless a or b is as short
    String text = "Take " + sa + ops[op] + sb + ", then " + small + ".";
    char[] out = new char[SparseText.PAIRS];
    SparseText.pairs(text, out, 0);
    boolean smallCounts = sa.length() == 1 && sb.length() == 1;
    for (int k = 1; k <= SparseText.PAIRS; k++) {
      int expected = 0;
      if (!smallCounts && k <= Math.min(sa.length(), sb.length())) {
        int x = sa.charAt(sa.length() - k) - '0';
        int y = sb.charAt(sb.length() - k) - '0';
        expected = 1 + op * 100 + 10 * x + y;
      }
      if (!smallCounts) {
        assertEquals(expected, out[k - 1], text + ": place " + k);
      }
    }
    // fewer than two numbers: no pairs
    char[] none = new char[SparseText.PAIRS];
    SparseText.pairs("Spell " + sa + " in words.", none, 0);
    SparseText.pairs("No numbers at all.", none, 0);
    for (char c : none) {
      assertEquals(0, c);
    }
  }

  private static String pairs(String text) {
    char[] out = new char[SparseText.PAIRS];
    SparseText.pairs(text, out, 0);
    StringBuilder b = new StringBuilder();
    for (char c : out) {
      b.append(c == 0 ? "." : Integer.toString(c - 1)).append(' ');
    }
    return b.toString().trim();
  }

  /**
   * The documented edge cases: ties between numbers of the longest length keep the first ones; a
   * longer number later takes the first place it beats; past 8 places nothing; the minus,
   * multiplication and division signs are their operators, the letter x is none; a decimal point
   * splits a number (so "3.14" is the numbers 3 and 14).
   */
  @net.jqwik.api.Example
  void digitPairsEdgeCases() {
    assertEquals("124 113 . . . . . .", pairs("12 + 34 + 56 = ?")); // the first two of equal length
    assertEquals("120 115 . . . . . .", pairs("12 + 3 + 450")); // 12 and 450, aligned at the right, with the + after 12
    assertEquals("200 291 282 273 264 255 246 237", pairs("1234567890 - 9876543210")); // 8 places from the right
    assertEquals("209", pairs("10 \u2212 9").split(" ")[0]);
    assertEquals("327", pairs("2 \u00d7 7").split(" ")[0]);
    assertEquals("436", pairs("3 \u00f7 6").split(" ")[0]);
    assertEquals("27", pairs("2 x 7").split(" ")[0]); // the letter x is no operator
    assertEquals("141 117 . . . . . .", pairs("3.14 + 2.71")); // 14 and 71
  }
}
