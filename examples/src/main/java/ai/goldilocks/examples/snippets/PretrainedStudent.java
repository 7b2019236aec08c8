package ai.goldilocks.examples.snippets;

// snippet:start pretrained-student
import ai.goldilocks.core.Sampler;
import ai.goldilocks.djl.ChatTemplate;
import ai.goldilocks.djl.HfTokenizer;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.RewardFunction;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.StepMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

// snippet:end

/**
 * A pretrained student (a Hugging Face checkpoint of the Llama / Qwen2 family) prompted through its
 * chat template, trained by {@link GrpoTrainer} (docs/integrating.md; {@code omr --model} does the
 * same with more options).
 */
public final class PretrainedStudent {
  private PretrainedStudent() {}

  /** Trains the checkpoint in {@code modelDir} for {@code steps} GRPO steps of B x G rollouts. */
  public static List<StepMetrics> train(Path modelDir, Sampler sampler, RewardFunction reward, int batch, int group, int maxNewTokens,
      long steps) throws IOException {
    // snippet:start pretrained-student
    ChatTemplate chat = ChatTemplate.fromCheckpoint(modelDir);       // ChatML, Llama 3 or Phi; else plain
    try (HfTokenizer tok = HfTokenizer.fromCheckpoint(modelDir);     // tokenizer.json; eos and pad of tokenizer_config.json
        TransformerPolicy policy = TransformerPolicy.fromHuggingFace(modelDir, tok)
            .learningRate(1e-6).microBatchSize(4).build()) {
      GrpoTrainer trainer = GrpoTrainer.builder(policy, sampler, reward)
          .batchSize(batch).groupSize(group)
          .prompt(q -> chat.prompt(q.text() + "\n\nPlease reason step by step, and put your final answer within \\boxed{}."))
          .sampling(new SamplingConfig(1.0, 1.0, maxNewTokens, Set.of(tok.eosId())))
          .build();
      return trainer.run(steps, m -> System.err.println(m.toJson()));
    }
    // snippet:end
  }
}
