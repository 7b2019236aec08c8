package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.Offline;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerTeacher;
import java.util.TreeSet;

/**
 * {@code --teacher djl}: a small transformer encoder with the utility head, over a character
 * vocabulary built from the pool's texts (d_model 64, 2 layers, 4 heads, 256 characters of text).
 */
final class DjlTeacher {
  private DjlTeacher() {}

  static UtilityPredictor create(QuestionPool pool, long seed) {
    Offline.ensure();
    TreeSet<Character> seen = new TreeSet<>();
    for (int i = 0; i < pool.size(); i++) {
      for (char c : pool.text(i).toCharArray()) {
        seen.add(c);
      }
    }
    StringBuilder chars = new StringBuilder();
    seen.forEach(chars::append);
    CharTokenizer tok = new CharTokenizer(chars.toString());
    return TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 256), tok).seed(seed).build();
  }
}
