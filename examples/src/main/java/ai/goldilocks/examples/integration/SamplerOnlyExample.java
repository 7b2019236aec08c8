package ai.goldilocks.examples.integration;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Case (a) of docs/integrating.md: only the sampler, inside your own training loop. Your loop asks
 * for questions, rolls them out with its own policy, and sends the rewards back.
 */
public final class SamplerOnlyExample {
  private SamplerOnlyExample() {}

  /** Stand-in for your policy: succeeds more often on shorter questions. */
  static double[] yourRollouts(Question q, int g, Random rnd, double skill) {
    double p = 1 / (1 + Math.exp(q.text().length() / 4.0 - skill));
    double[] r = new double[g];
    for (int i = 0; i < g; i++) {
      r[i] = rnd.nextDouble() < p ? 1 : 0;
    }
    return r;
  }

  /** Runs {@code steps} steps of a toy loop and returns the sampler's metrics. */
  public static SamplerMetrics run(int steps) throws Exception {
    List<Question> questions = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      questions.add(new Question("q" + i, "What is " + "9".repeat(1 + i % 12) + " + " + (i % 97) + "?"));
    }
    QuestionPool pool = QuestionPool.of(questions);
    Random rnd = new Random(1);
    double skill = 4;
    try (GoldilocksSampler sampler = GoldilocksSampler.builder(pool)
        .predictor(FeaturePredictor.builder().build())
        .candidates(16)
        .epsilon(0.1)
        .build()) {
      for (long step = 0; step < steps; step++) {
        for (Selection s : sampler.next(32)) {
          double[] rewards = yourRollouts(s.question(), 8, rnd, skill);
          FeedbackStatus status = sampler.feedback(new RolloutFeedback(s.question().id(), rewards, step));
          if (status != FeedbackStatus.ACCEPTED) {
            throw new IllegalStateException("unexpected " + status);
          }
        }
        skill += 0.01; // your policy update would go here
      }
      sampler.awaitUpdates();
      return sampler.metrics();
    }
  }

  /** Prints the metrics of a short run. */
  public static void main(String[] args) throws Exception {
    System.out.println(run(args.length > 0 ? Integer.parseInt(args[0]) : 50));
  }
}
