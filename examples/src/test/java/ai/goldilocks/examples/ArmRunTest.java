package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.Sequence;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArmRunTest {
  @Test
  void warmStartEndsWhereTheStopRuleSaysAndAsksAfterEveryStep() {
    CharTokenizer tok = CharTokenizer.arithmetic();
    try (TransformerPolicy p = TransformerPolicy.builder(new TransformerConfig(tok.vocabSize(), 16, 1, 2, 32, 16), tok).seed(3).build()) {
      List<Integer> batches = new ArrayList<>();
      List<Integer> asked = new ArrayList<>();
      Sequence item = new Sequence(tok.encode("12+34="), new int[] {tok.encode("64")[0], tok.encode("64")[1], tok.eosId()});
      int skipped = ArmRun.warmStart(p, 50, 1e-3, s -> {
        batches.add(s);
        return List.of(item, item);
      }, done -> {
        asked.add(done);
        return done == 3;
      });
      assertEquals(0, skipped);
      assertEquals(List.of(0, 1, 2), batches, "three steps, then the rule stops it");
      assertEquals(List.of(1, 2, 3), asked);

      asked.clear();
      ArmRun.warmStart(p, 4, 1e-3, s -> List.of(item), done -> {
        asked.add(done);
        return false;
      });
      assertEquals(List.of(1, 2, 3, 4), asked, "a rule that never stops is still asked after the last step");
    }
  }
}
