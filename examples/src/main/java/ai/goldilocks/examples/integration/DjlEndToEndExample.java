package ai.goldilocks.examples.integration;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.StepMetrics;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import ai.goldilocks.grpo.tasks.ReversedAnswerReward;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Case (c) of docs/integrating.md: the DJL transformer policy end to end, with the Goldilocks
 * sampler, the GRPO trainer, metrics and checkpoints.
 */
public final class DjlEndToEndExample {
  private DjlEndToEndExample() {}

  /** Trains a small policy for {@code steps} GRPO steps; metrics and checkpoints go under {@code dir}. */
  public static List<StepMetrics> run(int steps, Path dir) throws Exception {
    CharTokenizer tok = CharTokenizer.arithmetic();
    QuestionPool pool = QuestionPool.of(ArithmeticTasks.generate(2000, 3, 1, "q").stream()
        .map(ArithmeticTask::toQuestion).collect(Collectors.toList()));
    try (TransformerPolicy policy = TransformerPolicy.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 32), tok)
            .learningRate(1e-4).build();
        GoldilocksSampler sampler = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).build()) {
      GrpoTrainer trainer = GrpoTrainer.builder(policy, sampler, new ReversedAnswerReward())
          .batchSize(8).groupSize(8).sampling(new SamplingConfig(1.0, 1.0, 6))
          .metricsFile(dir.resolve("metrics.jsonl")).checkpoints(dir.resolve("checkpoints"), steps)
          .build();
      return trainer.run(steps, m -> System.err.println(m.toJson()));
    }
  }

  /** Runs a few steps into {@code ./results/djl-example}. */
  public static void main(String[] args) throws Exception {
    run(args.length > 0 ? Integer.parseInt(args[0]) : 5, Path.of("results/djl-example"));
  }
}
