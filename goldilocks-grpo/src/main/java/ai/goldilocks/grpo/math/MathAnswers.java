package ai.goldilocks.grpo.math;

import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.apiguardian.api.API;

/**
 * Checks mathematical answers in the spirit of Math-Verify: extracts the final answer of a
 * solution, normalises LaTeX (delimiters, text wrappers, units and trailing words, braces of
 * single-character exponents), then compares: as text; as numbers, exactly for integers and
 * fractions of any size and with a rounding tolerance only where a side is a decimal (see
 * the comparison); as expressions in the same variables, at random rational points evaluated
 * exactly; structurally (tuples, sets, intervals). A false positive is a wrong reward, so every
 * doubtful case is "not equal".
 *
 * <p>Never throws on content and never hangs: inputs longer than {@value #MAX_LENGTH} characters
 * are refused with a reason, parsing is linear with a bounded recursion depth, and no regular
 * expression can backtrack catastrophically. Every comparison runs under a budget of work (charged
 * per arithmetic operation, so the same on every machine) and a wall-clock limit of
 * {@value #TIME_LIMIT_MS} ms: an input such as {@code 100000!} or a tower of exponents is answered
 * "not equal" with {@link Verdict#timedOut()} set, and counted in {@link #stats()}. Thread-safe
 * (stateless apart from those counters).
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class MathAnswers {
  /** Longest answer or solution text examined. */
  public static final int MAX_LENGTH = 20_000;
  /** The wall-clock limit per comparison, a backstop behind the work budget. */
  public static final long TIME_LIMIT_MS = 1000;
  /** Work units per comparison (about one machine-word operation each). */
  static final long WORK_BUDGET = 1_000_000;
  private static final LongAdder PAIRS = new LongAdder();
  private static final LongAdder TIMED_OUT = new LongAdder();

  private MathAnswers() {}

  /**
   * The outcome of a comparison.
   *
   * @param equal whether the answers match
   * @param reason how it was decided, or why it could not be
   * @param timedOut whether the comparison stopped at its work budget or time limit (then not equal)
   */
  public record Verdict(boolean equal, String reason, boolean timedOut) {
    /** A verdict that was reached within the budget. */
    public Verdict(boolean equal, String reason) {
      this(equal, reason, false);
    }
  }

  /**
   * Counters since the class was loaded, for a metrics line.
   *
   * @param pairs comparisons made by {@link #verify} (and so by {@link #verifySolution} when an
   *     answer was found)
   * @param timedOut those that stopped at the work budget or time limit and were judged not equal
   */
  public record Stats(long pairs, long timedOut) {}

  /** The counters of all comparisons in this JVM so far. */
  public static Stats stats() {
    return new Stats(PAIRS.sum(), TIMED_OUT.sum());
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
    return verify(gold, predicted, new Budget(WORK_BUDGET, TIME_LIMIT_MS * 1_000_000L));
  }

  /** {@link #verify(String, String)} under the given budget (tests read what it used). */
  static Verdict verify(String gold, String predicted, Budget budget) {
    PAIRS.increment();
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
    try {
      return AnswerComparison.compare(g, p, 0, budget);
    } catch (TooCostly e) {
      TIMED_OUT.increment();
      return new Verdict(false, "not decided within the budget per comparison: " + e.getMessage(), true);
    }
  }

  /**
   * The final answer of a solution: the content of the last {@code \boxed{...}} (or {@code \fbox}),
   * with nested braces; else the text after the last "answer is" / "Answer:" / "final answer".
   */
  public static Optional<String> extract(String solution) {
    return AnswerExtraction.extract(solution);
  }

  /** Normalises LaTeX and plain-text answers to a canonical compact form. */
  public static String normalize(String raw) {
    return AnswerNormalizer.normalize(raw);
  }
}
