package ai.goldilocks.grpo.sim;

import org.apiguardian.api.API;

/**
 * Settings of a sampler simulation. All samplers get the same rollout budget:
 * {@code steps * batchSize * groupSize} rollouts.
 *
 * @param steps GRPO steps of the uniform baseline (sets the budget)
 * @param batchSize questions per step, B
 * @param groupSize rollouts per question, G
 * @param candidates candidates per pick, K
 * @param questions training questions in the pool, N
 * @param validationQuestions held-out questions for the final accuracy
 * @param difficultyNoise standard deviation of the hidden difficulty's part that the text does not show
 * @param maxDigits longest operand of the arithmetic tasks
 * @param initialSkill the student's starting skill
 * @param slope steepness of the student's success curve
 * @param learningRate skill gained per unit of mean group reward std
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record SimulationConfig(int steps, int batchSize, int groupSize, int candidates, int questions,
    int validationQuestions, double difficultyNoise, int maxDigits, double initialSkill, double slope,
    double learningRate) {

  /** Validates. */
  public SimulationConfig {
    if (steps < 1 || batchSize < 1 || groupSize < 2 || candidates < 1 || validationQuestions < 1) {
      throw new IllegalArgumentException("need steps >= 1, batchSize >= 1, groupSize >= 2, candidates >= 1, validation >= 1; got "
          + steps + ", " + batchSize + ", " + groupSize + ", " + candidates + ", " + validationQuestions);
    }
    if (questions < batchSize + candidates) {
      throw new IllegalArgumentException("questions (" + questions + ") must be at least batchSize + candidates");
    }
    if (!(difficultyNoise >= 0) || !(slope > 0) || !(learningRate >= 0)) {
      throw new IllegalArgumentException("difficultyNoise >= 0, slope > 0, learningRate >= 0 required");
    }
  }

  /** The default scenario: 300 steps, B 32, G 8, K 16, 20,000 questions, noise 0.5. */
  public static SimulationConfig defaults() {
    return new SimulationConfig(300, 32, 8, 16, 20_000, 2_000, 0.5, 8, 4.0, 1.0, 0.02);
  }

  /** The rollout budget. */
  public long rolloutBudget() {
    return (long) steps * batchSize * groupSize;
  }

  /** A copy with other steps, questions, K, G and noise (the settings the CLI exposes). */
  public SimulationConfig with(int steps, int questions, int candidates, int groupSize, double noise) {
    return new SimulationConfig(steps, batchSize, groupSize, candidates, questions, validationQuestions, noise, maxDigits,
        initialSkill, slope, learningRate);
  }
}
