package ai.goldilocks.core.predictor;

import org.apiguardian.api.API;

/** What a learned teacher's output is trained on. */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public enum TeacherTarget {
  /**
   * The student's success rate p, by the binomial likelihood of each group's outcomes; the
   * utility is derived as sqrt(p (1 - p)). Tells a too-easy question from a too-hard one and uses
   * the G outcomes rather than only their spread.
   */
  SUCCESS_RATE,
  /** The utility itself, 0.5 sigmoid(z) regressed on sqrt(p_hat (1 - p_hat)) by mean squared error (the paper's recipe). */
  UTILITY
}
