package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.spi.TeacherOptions;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code djl} teacher honours the host's head, text length and local model. */
class DjlTeacherProviderTest {
  private static final QuestionPool POOL = QuestionPool.of(List.of(new Question("a", "what is two plus three ?"),
      new Question("b", "what is five ?"), new Question("c", "two plus two")));

  private static void predictsUtilities(UtilityPredictor t) {
    double[] out = new double[3];
    t.predict(POOL, new int[] {0, 1, 2}, 3, out);
    for (double u : out) {
      assertTrue(u >= 0 && u <= 0.5, "a utility in [0, 0.5]: " + u);
    }
  }

  @Test
  void fromScratchWithTheChosenHeadAndTextLength() throws Exception {
    DjlTeacherProvider p = new DjlTeacherProvider();
    UtilityPredictor byDefault = p.create(POOL, 1);
    assertEquals("djl-transformer(success-rate)", byDefault.name(), "the same default head as benchmark and omr");
    ((AutoCloseable) byDefault).close();
    try (TransformerTeacher t = (TransformerTeacher) p.create(POOL, new TeacherOptions(1, TeacherTarget.UTILITY, 8, null))) {
      assertEquals("djl-transformer", t.name());
      predictsUtilities(t); // texts of 24 characters, read up to 8
    }
  }

  @Test
  void aLocalHuggingFaceCheckpointIsTheEncoder(@TempDir Path dir) throws Exception {
    Path src = Path.of(getClass().getResource("/hf/tiny-qwen2/config.json").toURI()).getParent();
    Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
    Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
    Files.copy(Path.of(getClass().getResource("/tiny-tokenizer.json").toURI()), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<eos>\", \"pad_token\": \"<pad>\"}");
    DjlTeacherProvider p = new DjlTeacherProvider();
    HfTokenizer tok;
    try (TransformerTeacher t = (TransformerTeacher) p.create(POOL, new TeacherOptions(2, null, 0, dir))) {
      assertEquals("djl-transformer(success-rate)", t.name());
      predictsUtilities(t);
      tok = (HfTokenizer) t.tokenizer();
      assertFalse(tok.isClosed());
    }
    assertTrue(tok.isClosed(), "the teacher made its tokenizer, and closing the teacher frees it");
    IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
        () -> p.create(POOL, new TeacherOptions(2, null, 64, dir)));
    assertTrue(length.getMessage().contains("its own context"), length.getMessage());
    IllegalArgumentException notModel = assertThrows(IllegalArgumentException.class,
        () -> p.create(POOL, new TeacherOptions(2, null, 0, dir.resolve("nothing"))));
    assertTrue(notModel.getMessage().contains("not a Hugging Face checkpoint"), notModel.getMessage());
  }
}
