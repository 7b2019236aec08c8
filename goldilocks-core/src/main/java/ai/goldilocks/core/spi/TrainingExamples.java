package ai.goldilocks.core.spi;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Labelled rollout groups a {@link UtilityPredictor} trains on, oldest first: for each example the
 * question's pool index, the observed utility (reward standard deviation over the reward range, in
 * [0, 0.5]), the success rate p_hat (mean reward mapped to [0, 1]) and the group size G. The newest
 * {@link #fresh()} examples arrived since the previous training call; the others were seen before.
 * Examples made by {@link #ofUtilities} carry utilities only ({@link #hasOutcomes()} is false).
 *
 * <p>Immutable: the arrays are copied on construction and accessors return single values.
 */
@API(status = API.Status.STABLE, since = "0.1.0")
public final class TrainingExamples {
  private final int[] questions;
  private final double[] utilities;
  private final double[] successRates;
  private final int[] groupSizes;
  private final int fresh;
  private final boolean outcomes;

  /**
   * @param questions pool indices
   * @param utilities observed utilities in [0, 0.5]
   * @param successRates success rates in [0, 1]
   * @param groupSizes group sizes, each at least 2
   * @param count how many leading entries of the arrays are examples
   * @param fresh how many of the newest examples are new since the previous training call
   * @throws IllegalArgumentException naming the first offending example or count
   */
  public TrainingExamples(int[] questions, double[] utilities, double[] successRates, int[] groupSizes, int count,
      int fresh) {
    Objects.requireNonNull(questions, "questions");
    Objects.requireNonNull(utilities, "utilities");
    Objects.requireNonNull(successRates, "successRates");
    Objects.requireNonNull(groupSizes, "groupSizes");
    if (count < 0 || count > questions.length || count > utilities.length || count > successRates.length
        || count > groupSizes.length) {
      throw new IllegalArgumentException("count " + count + " does not fit arrays of lengths " + questions.length + ", "
          + utilities.length + ", " + successRates.length + ", " + groupSizes.length);
    }
    if (fresh < 0 || fresh > count) {
      throw new IllegalArgumentException("fresh must be in [0, " + count + "], got " + fresh);
    }
    for (int i = 0; i < count; i++) {
      if (questions[i] < 0) {
        throw new IllegalArgumentException("example " + i + ": negative question index " + questions[i]);
      }
      if (!(utilities[i] >= 0 && utilities[i] <= 0.5)) {
        throw new IllegalArgumentException("example " + i + ": utility " + utilities[i] + " is outside [0, 0.5]");
      }
      if (!(successRates[i] >= 0 && successRates[i] <= 1)) {
        throw new IllegalArgumentException("example " + i + ": success rate " + successRates[i] + " is outside [0, 1]");
      }
      if (groupSizes[i] < 2) {
        throw new IllegalArgumentException("example " + i + ": group size " + groupSizes[i] + " is below 2");
      }
    }
    this.questions = java.util.Arrays.copyOf(questions, count);
    this.utilities = java.util.Arrays.copyOf(utilities, count);
    this.successRates = java.util.Arrays.copyOf(successRates, count);
    this.groupSizes = java.util.Arrays.copyOf(groupSizes, count);
    this.fresh = fresh;
    this.outcomes = true;
  }

  private TrainingExamples(int[] questions, double[] utilities, int count) {
    Objects.requireNonNull(questions, "questions");
    Objects.requireNonNull(utilities, "utilities");
    if (count < 0 || count > questions.length || count > utilities.length) {
      throw new IllegalArgumentException("count " + count + " does not fit arrays of lengths " + questions.length + ", "
          + utilities.length);
    }
    for (int i = 0; i < count; i++) {
      if (questions[i] < 0) {
        throw new IllegalArgumentException("example " + i + ": negative question index " + questions[i]);
      }
      if (!(utilities[i] >= 0 && utilities[i] <= 0.5)) {
        throw new IllegalArgumentException("example " + i + ": utility " + utilities[i] + " is outside [0, 0.5]");
      }
    }
    this.questions = java.util.Arrays.copyOf(questions, count);
    this.utilities = java.util.Arrays.copyOf(utilities, count);
    this.successRates = new double[count];
    java.util.Arrays.fill(this.successRates, Double.NaN);
    this.groupSizes = new int[count];
    this.fresh = count;
    this.outcomes = false;
  }

  /**
   * Examples that carry utilities only (no success rates or group sizes), all fresh: what a
   * predictor that regresses the utility needs.
   */
  public static TrainingExamples ofUtilities(int[] questions, double[] utilities, int count) {
    return new TrainingExamples(questions, utilities, count);
  }

  /** Whether success rates and group sizes are known (false for {@link #ofUtilities}). */
  public boolean hasOutcomes() {
    return outcomes;
  }

  /** Number of examples. */
  public int size() {
    return questions.length;
  }

  /** How many of the newest examples arrived since the previous training call. */
  public int fresh() {
    return fresh;
  }

  /** Pool index of example {@code i}. */
  public int question(int i) {
    return questions[i];
  }

  /** Observed utility of example {@code i}, in [0, 0.5]. */
  public double utility(int i) {
    return utilities[i];
  }

  /** Observed success rate of example {@code i}, in [0, 1]; NaN without {@link #hasOutcomes()}. */
  public double successRate(int i) {
    return successRates[i];
  }

  /** Group size of example {@code i}; 0 without {@link #hasOutcomes()}. */
  public int groupSize(int i) {
    return groupSizes[i];
  }

  /** A copy of the pool indices. */
  public int[] questions() {
    return questions.clone();
  }

  /** A copy of the observed utilities. */
  public double[] utilities() {
    return utilities.clone();
  }
}
