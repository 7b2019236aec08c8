package ai.goldilocks.examples.snippets;

// snippet:start checkpoint-family
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.djl.ChatTemplate;
import ai.goldilocks.djl.HfTokenizer;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.djl.TransformerTeacher;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

// snippet:end

/**
 * One Hugging Face checkpoint directory as the student and as the paper's LM teacher
 * (docs/checkpoints.md): the teacher picks a question, the student samples a group for it.
 */
public final class CheckpointFamily {
  private CheckpointFamily() {}

  /** The teacher picks one question of {@code pool}; the student samples 8 completions of it. */
  public static List<Completion> sample(Path dir, QuestionPool pool, int maxNewTokens, long seed) throws IOException {
    // snippet:start checkpoint-family
    // dir holds config.json, tokenizer.json, tokenizer_config.json and *.safetensors
    ChatTemplate chat = ChatTemplate.fromCheckpoint(dir);           // recognises ChatML / Llama 3 / Phi, else plain
    try (HfTokenizer tok = HfTokenizer.fromCheckpoint(dir);         // eos and pad from tokenizer_config.json
        TransformerPolicy policy = TransformerPolicy.fromHuggingFace(dir, tok).learningRate(1e-6).build();
        TransformerTeacher teacher = TransformerTeacher.fromHuggingFace(dir, tok).learningRate(1e-5).build();
        GoldilocksSampler sampler = GoldilocksSampler.builder(pool).predictor(teacher).build()) {
      Selection pick = sampler.next(1).get(0);
      String prompt = chat.prompt(pick.question().text() + " Put the final answer in \\boxed{}.");
      return policy.generate(prompt, 8, new SamplingConfig(0.7, 1.0, maxNewTokens), seed);
    }
    // snippet:end
  }
}
