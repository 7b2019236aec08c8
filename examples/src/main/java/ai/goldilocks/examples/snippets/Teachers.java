package ai.goldilocks.examples.snippets;

// snippet:start teachers
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.FeatureSet;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.HfTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerTeacher;
import ai.goldilocks.grpo.nd4j.Nd4jMlpPredictor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.IntStream;

// snippet:end

/** Every teacher the SDK ships, built as docs/teachers.md describes. */
public final class Teachers {
  private Teachers() {}

  // snippet:start teachers
  /** The teacher named {@code name}; {@code lm} reads the checkpoint {@code lmDir} with its tokenizer {@code lmTok}. */
  public static UtilityPredictor teacher(String name, QuestionPool pool, Path lmDir, HfTokenizer lmTok, long seed) throws IOException {
    return switch (name) {
      // the default: any text, a 32x32 MLP over text features plus sparse words and memory; milliseconds per update
      case "features" -> FeaturePredictor.builder().seed(seed).build();
      // arithmetic questions only: carry and borrow statistics instead of six general features
      case "features-arithmetic" -> FeaturePredictor.builder().features(FeatureSet.ARITHMETIC).seed(seed).build();
      // the same features through ND4J (goldilocks-grpo's optional nd4j-native dependency)
      case "nd4j" -> Nd4jMlpPredictor.builder().seed(seed).build();
      // a small transformer encoder over the characters, trained from scratch (goldilocks-djl)
      case "djl" -> {
        String alphabet = IntStream.range(0, pool.size()).mapToObj(pool::text).flatMapToInt(String::chars).distinct().sorted()
            .collect(StringBuilder::new, (b, c) -> b.append((char) c), StringBuilder::append).toString();
        CharTokenizer tok = new CharTokenizer(alphabet);       // every character of the pool
        yield TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 256), tok)
            .target(TeacherTarget.SUCCESS_RATE).learningRate(1e-3).seed(seed).build();
      }
      // the paper's LM teacher: a pretrained checkpoint's encoder, mean-pooled, with a new head
      case "lm" -> TransformerTeacher.fromHuggingFace(lmDir, lmTok)
          .target(TeacherTarget.SUCCESS_RATE).learningRate(1e-5).seed(seed).build();
      default -> throw new IllegalArgumentException("unknown teacher '" + name + "'");
    };
  }
  // snippet:end
}
