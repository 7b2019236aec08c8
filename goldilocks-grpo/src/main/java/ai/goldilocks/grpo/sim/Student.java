package ai.goldilocks.grpo.sim;

import ai.goldilocks.core.internal.Rng;
import org.apiguardian.api.API;

/**
 * A simulated student: a true success probability per question (pool indices, and the validation
 * questions after them) that moves as the student trains on groups of rollouts. GRPO learns only
 * from groups whose rewards differ, so {@link #train} receives the groups' reward spreads.
 *
 * <p>Implementations are not thread-safe.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public interface Student {
  /** True success probability on question {@code index} now. */
  double successProbability(int index);

  /** True utility sqrt(p (1 - p)) of question {@code index} now. */
  default double utility(int index) {
    double p = successProbability(index);
    return Math.sqrt(p * (1 - p));
  }

  /** Rolls out {@code g} attempts: 1 for success, 0 for failure. */
  default double[] rollout(int index, int g, Rng rng) {
    double p = successProbability(index);
    double[] r = new double[g];
    for (int j = 0; j < g; j++) {
      r[j] = rng.nextDouble() < p ? 1 : 0;
    }
    return r;
  }

  /**
   * One GRPO update on a step's groups: {@code indices[i]} was rolled out and its rewards had
   * population standard deviation {@code groupStds[i]}.
   */
  void train(int[] indices, double[] groupStds);

  /** Expected accuracy (mean success probability) over the given questions. */
  default double expectedAccuracy(int[] indices) {
    double s = 0;
    for (int i : indices) {
      s += successProbability(i);
    }
    return s / indices.length;
  }
}
