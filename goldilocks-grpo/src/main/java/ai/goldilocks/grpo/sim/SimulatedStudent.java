package ai.goldilocks.grpo.sim;

import ai.goldilocks.core.Rng;
import java.util.Objects;

/**
 * A simulated student for measuring samplers in milliseconds: each question has a hidden
 * difficulty d; the student has a latent skill s; its success probability is
 * p = sigmoid(slope (s - d)). Training on a batch moves the skill by
 * {@code learningRate * mean(group reward std)}: groups with equal rewards teach nothing, exactly
 * as in GRPO. Rewards are Bernoulli(p) per rollout.
 *
 * <p>Not thread-safe.
 */
public final class SimulatedStudent {
  private final double[] difficulty;
  private final double slope;
  private final double learningRate;
  private double skill;

  /**
   * @param difficulty hidden difficulty per pool index (copied)
   * @param initialSkill starting skill
   * @param slope steepness of the success curve, &gt; 0
   * @param learningRate skill gained per unit of mean group reward std, &ge; 0
   */
  public SimulatedStudent(double[] difficulty, double initialSkill, double slope, double learningRate) {
    this.difficulty = Objects.requireNonNull(difficulty, "difficulty").clone();
    if (!(slope > 0) || !(learningRate >= 0)) {
      throw new IllegalArgumentException("slope must be > 0 and learningRate >= 0, got " + slope + ", " + learningRate);
    }
    this.skill = initialSkill;
    this.slope = slope;
    this.learningRate = learningRate;
  }

  /** The current skill. */
  public double skill() {
    return skill;
  }

  /** True success probability on question {@code index}. */
  public double successProbability(int index) {
    return 1.0 / (1.0 + Math.exp(-slope * (skill - difficulty[index])));
  }

  /** True utility sqrt(p (1 - p)) of question {@code index}. */
  public double utility(int index) {
    double p = successProbability(index);
    return Math.sqrt(p * (1 - p));
  }

  /** Rolls out {@code g} attempts: 1 for success, 0 for failure. */
  public double[] rollout(int index, int g, Rng rng) {
    double p = successProbability(index);
    double[] r = new double[g];
    for (int j = 0; j < g; j++) {
      r[j] = rng.nextDouble() < p ? 1 : 0;
    }
    return r;
  }

  /** One GRPO update on groups whose population reward standard deviations are given. */
  public void train(double[] groupStds) {
    if (groupStds.length == 0) {
      return;
    }
    double s = 0;
    for (double x : groupStds) {
      s += x;
    }
    skill += learningRate * s / groupStds.length;
  }

  /** Expected accuracy (mean success probability) over the given questions. */
  public double expectedAccuracy(int[] indices) {
    double s = 0;
    for (int i : indices) {
      s += successProbability(i);
    }
    return s / indices.length;
  }
}
