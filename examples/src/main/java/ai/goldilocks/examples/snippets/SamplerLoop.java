package ai.goldilocks.examples.snippets;

// snippet:start sampler-loop
import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import java.util.List;

// snippet:end

/**
 * The sampler in a host's own training loop (README's quick start, docs/integrating.md (a)). The
 * host's policy is the two abstract methods.
 */
public abstract class SamplerLoop {
  /** For subclasses. */
  protected SamplerLoop() {}

  /** Your policy: G rollouts of one question, scored; G rewards, finite, in [0, 1]. */
  protected abstract double[] yourRollouts(Question question, int g);

  /** Your policy's update after a step. */
  protected abstract void yourPolicyUpdate(long step);

  /** Trains for {@code steps} steps of 32 questions with 8 rollouts each. */
  public void train(List<Question> questions, long steps) {
    // snippet:start sampler-loop
    QuestionPool pool = QuestionPool.of(questions);               // ids must be unique and stable
    try (GoldilocksSampler sampler = GoldilocksSampler.builder(pool)
        .predictor(FeaturePredictor.builder().build())            // CPU teacher over text features
        .candidates(16).epsilon(0.1)
        .build()) {
      for (long step = 0; step < steps; step++) {
        for (Selection s : sampler.next(32)) {
          double[] rewards = yourRollouts(s.question(), 8);       // G rewards, finite, in [0, 1]
          sampler.feedback(new RolloutFeedback(s.question().id(), rewards, step));
        }
        yourPolicyUpdate(step);
      }
    }
    // snippet:end
  }
}
