package ai.goldilocks.grpo.sim;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A simulated student for measuring samplers in milliseconds: each question has a hidden
 * difficulty d; the student has a latent skill s; its success probability is
 * p = sigmoid(slope (s - d)). Training on a batch moves the skill by
 * {@code learningRate * mean(group reward std)}: groups with equal rewards teach nothing, exactly
 * as in GRPO. Rewards are Bernoulli(p) per rollout.
 *
 * <p>Not thread-safe.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class SimulatedStudent implements Student {
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

  @Override
  public double successProbability(int index) {
    return 1.0 / (1.0 + Math.exp(-slope * (skill - difficulty[index])));
  }

  /** The skill moves with the mean spread of all groups, whatever questions they were. */
  @Override
  public void train(int[] indices, double[] groupStds) {
    train(groupStds);
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
}
