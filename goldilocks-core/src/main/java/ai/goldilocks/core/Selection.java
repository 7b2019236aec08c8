package ai.goldilocks.core;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One question handed out by a {@link Sampler}, with the utility the sampler predicted for it.
 *
 * @param question the question to roll out
 * @param poolIndex the question's index in the sampler's {@link QuestionPool}
 * @param predictedUtility the predicted utility sqrt(p(1-p)) in [0, 0.5], or {@code NaN} when
 *     the sampler makes no prediction (uniform sampling)
 */
@API(status = API.Status.STABLE, since = "0.1.0")
public record Selection(Question question, int poolIndex, double predictedUtility) {

  /** Validates. */
  public Selection {
    Objects.requireNonNull(question, "question");
    if (poolIndex < 0) {
      throw new IllegalArgumentException("selection of question '" + question.id() + "': poolIndex must be >= 0, got " + poolIndex);
    }
    if (!Double.isNaN(predictedUtility) && (predictedUtility < 0 || predictedUtility > 0.5)) {
      throw new IllegalArgumentException("selection of question '" + question.id() + "': predictedUtility must be in [0, 0.5] or NaN, got "
          + predictedUtility);
    }
  }

  /** Whether the sampler predicted a utility for this question. */
  public boolean hasPrediction() {
    return !Double.isNaN(predictedUtility);
  }
}
