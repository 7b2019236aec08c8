package ai.goldilocks.examples.integration;

// snippet:start djl-end-to-end
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
import java.util.Optional;
import java.util.stream.Collectors;

// snippet:end

/**
 * Case (c) of docs/integrating.md: the DJL transformer policy end to end, with the Goldilocks
 * sampler, the GRPO trainer, metrics and checkpoints.
 */
public final class DjlEndToEndExample {
  private DjlEndToEndExample() {}

  /**
   * Trains a small policy until {@code steps} GRPO steps are done; metrics and checkpoints go under
   * {@code dir}. A second call on the same directory resumes from the newest checkpoint.
   *
   * @return the metrics of the steps this call ran
   */
  public static List<StepMetrics> run(int steps, Path dir) throws Exception {
    // snippet:start djl-end-to-end
    CharTokenizer tok = CharTokenizer.arithmetic();
    QuestionPool pool = QuestionPool.of(ArithmeticTasks.generate(2000, 3, 1, "q").stream()
        .map(ArithmeticTask::toQuestion).collect(Collectors.toList()));
    try (TransformerPolicy policy = TransformerPolicy.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 32), tok)
            .learningRate(1e-4).build();
        GoldilocksSampler sampler = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).build()) {
      GrpoTrainer trainer = GrpoTrainer.builder(policy, sampler, new ReversedAnswerReward())
          .batchSize(8).groupSize(8).sampling(new SamplingConfig(1.0, 1.0, 6))
          .metricsFile(dir.resolve("metrics.jsonl"))
          .checkpoints(dir.resolve("checkpoints"), 3)                // every 3 steps
          .build();
      Optional<Path> last = GrpoTrainer.latestCheckpoint(dir.resolve("checkpoints"));
      if (last.isPresent()) {
        trainer.restoreCheckpoint(last.get());                      // throws IOException if it does not verify
      }
      return trainer.run(steps, m -> System.err.println(m.toJson()));   // up to step `steps` in all
    }
    // snippet:end
  }

  /** Runs a few steps into {@code ./results/djl-example}. */
  public static void main(String[] args) throws Exception {
    run(args.length > 0 ? Integer.parseInt(args[0]) : 5, Path.of("results/djl-example"));
  }
}
