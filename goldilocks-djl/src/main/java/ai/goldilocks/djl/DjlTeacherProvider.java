package ai.goldilocks.djl;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TeacherProvider;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.util.TreeSet;

/**
 * The teacher named {@code djl} (found through {@link java.util.ServiceLoader}): a small
 * transformer encoder with the utility head, over a character vocabulary built from the pool's
 * texts (d_model 64, 2 layers, 4 heads, 256 characters of text), trained from scratch.
 */
public final class DjlTeacherProvider implements TeacherProvider {
  /** For {@link java.util.ServiceLoader}. */
  public DjlTeacherProvider() {}

  @Override
  public String name() {
    return "djl";
  }

  @Override
  public UtilityPredictor create(QuestionPool pool, long seed) {
    DjlEngine.ensureOffline();
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
