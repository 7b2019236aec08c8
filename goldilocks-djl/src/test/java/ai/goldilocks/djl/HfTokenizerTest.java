package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.grpo.SamplingConfig;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HfTokenizerTest {
  static Path tokenizerFile() throws Exception {
    return Path.of(HfTokenizerTest.class.getResource("/tiny-tokenizer.json").toURI());
  }

  @Test
  void loadsALocalTokenizerJsonAndDrivesAPolicy() throws Exception {
    try (HfTokenizer t = HfTokenizer.load(tokenizerFile(), "<eos>", "<pad>")) {
      assertEquals(10, t.vocabSize());
      assertEquals(1, t.eosId());
      assertEquals(0, t.padId());
      assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8}, t.encode("What is two plus three ?"));
      assertEquals(2, t.encode("seven")[0]);
      try (TransformerPolicy p = TransformerPolicy.builder(new TransformerConfig(t.vocabSize(), 16, 1, 2, 32, 16), t).build()) {
        assertEquals(3, p.generate("what is two plus three ?", 3, new SamplingConfig(1, 1, 4), 1).size());
      }
    }
  }

  @Test
  void missingFilesAndTokensAreNamed() throws Exception {
    IOException e = assertThrows(IOException.class, () -> HfTokenizer.load(Path.of("/no/such/tokenizer.json"), "<eos>", null));
    assertTrue(e.getMessage().contains("/no/such/tokenizer.json"), e.getMessage());
    IOException t = assertThrows(IOException.class, () -> HfTokenizer.load(tokenizerFile(), "</s> <s>", null));
    assertTrue(t.getMessage().contains("</s> <s>"), t.getMessage());
  }
}
