package ai.goldilocks.djl;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.spi.TeacherOptions;
import ai.goldilocks.core.spi.TeacherProvider;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.TreeSet;
import org.apiguardian.api.API;

/**
 * The teacher named {@code djl} (found through {@link java.util.ServiceLoader}): a
 * {@link TransformerTeacher}. Without a model, a small transformer encoder over a character
 * vocabulary built from the pool's texts (d_model 64, 2 layers, 4 heads), trained from scratch,
 * reading {@link TeacherOptions#textLength} characters (default 256) with learning rate 1e-3; with
 * {@link TeacherOptions#model}, the encoder of that local Hugging Face checkpoint (Llama / Qwen2,
 * with its {@code tokenizer.json}) with a new head, learning rate 1e-5, reading up to the model's
 * context. The head is {@link TeacherOptions#head} (default: the success-rate head, as the
 * {@code benchmark} and {@code omr} commands use).
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class DjlTeacherProvider implements TeacherProvider {
  /** Characters a teacher trained from scratch reads by default. */
  public static final int DEFAULT_TEXT_LENGTH = 256;

  /** For {@link java.util.ServiceLoader}. */
  public DjlTeacherProvider() {}

  @Override
  public String name() {
    return "djl";
  }

  @Override
  public UtilityPredictor create(QuestionPool pool, long seed) {
    return create(pool, TeacherOptions.seed(seed));
  }

  @Override
  public UtilityPredictor create(QuestionPool pool, TeacherOptions options) {
    DjlEngine.ensureOffline();
    TeacherTarget head = options.head() != null ? options.head() : TeacherTarget.SUCCESS_RATE;
    if (options.model() != null) {
      if (options.textLength() != 0) {
        throw new IllegalArgumentException("a text length applies to the teacher trained from scratch; a pretrained "
            + "model (" + options.model() + ") reads up to its own context");
      }
      if (!Files.isRegularFile(options.model().resolve("config.json"))
          || !Files.isRegularFile(options.model().resolve("tokenizer.json"))) {
        throw new IllegalArgumentException(options.model() + " is not a Hugging Face checkpoint directory (it needs "
            + "config.json, tokenizer.json and the weights as safetensors)");
      }
      HfTokenizer tok;
      try {
        tok = HfTokenizer.fromCheckpoint(options.model());
      } catch (IOException e) {
        throw new UncheckedIOException("could not load the teacher model " + options.model() + ": " + e.getMessage(), e);
      }
      try {
        // the teacher owns the tokenizer: closing the teacher frees its native memory too
        return TransformerTeacher.fromHuggingFace(options.model(), tok).target(head).learningRate(1e-5)
            .seed(options.seed()).closeWith(tok).build();
      } catch (IOException e) {
        tok.close();
        throw new UncheckedIOException("could not load the teacher model " + options.model() + ": " + e.getMessage(), e);
      } catch (RuntimeException | Error e) {
        tok.close();
        throw e;
      }
    }
    TreeSet<Character> seen = new TreeSet<>();
    for (int i = 0; i < pool.size(); i++) {
      for (char c : pool.text(i).toCharArray()) {
        seen.add(c);
      }
    }
    StringBuilder chars = new StringBuilder();
    seen.forEach(chars::append);
    CharTokenizer tok = new CharTokenizer(chars.toString());
    int length = options.textLength() > 0 ? options.textLength() : DEFAULT_TEXT_LENGTH;
    return TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, length), tok).target(head)
        .learningRate(1e-3).seed(options.seed()).build();
  }
}
