package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.testing.SamplerContract;
import java.util.List;
import org.junit.jupiter.api.Test;

class GoldilocksSamplerTest extends SamplerContract {
  @Override
  protected Sampler create(QuestionPool pool, long seed, long maxPolicyLag) {
    return GoldilocksSampler.builder(pool).seed(seed).maxPolicyLag(maxPolicyLag)
        .predictor(FeaturePredictor.builder().seed(seed).build())
        .updateEvery(16).window(128).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
  }

  @Test
  void recordsTeacherMaeOnUnseenSamplesBeforeEachUpdate() {
    QuestionPool pool = pool(200);
    try (GoldilocksSampler s = (GoldilocksSampler) create(pool, 1, Long.MAX_VALUE)) {
      for (int round = 0; round < 8; round++) {
        for (Selection sel : s.next(8)) {
          s.feedback(new RolloutFeedback(sel.question().id(), rewards(sel, round, 8), round));
        }
      }
      // 64 samples, an update every 16: 4 updates, 4 MAE measurements
      assertEquals(4, s.metrics().teacherUpdates());
      List<double[]> h = s.maeHistory();
      assertEquals(4, h.size());
      assertEquals(16.0, h.get(0)[0]);
      assertEquals(64.0, h.get(3)[0]);
      for (double[] row : h) {
        assertTrue(row[1] >= 0 && row[1] <= 0.5, "MAE " + row[1]);
      }
      assertEquals(h.get(3)[1], s.metrics().teacherMaeUnseen());
    }
  }

  @Test
  void asynchronousUpdatesHappenOffTheCallersThread() {
    QuestionPool pool = pool(200);
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build())
        .updateEvery(8).window(64).build()) {
      for (int round = 0; round < 4; round++) {
        for (Selection sel : s.next(8)) {
          s.feedback(new RolloutFeedback(sel.question().id(), rewards(sel, round, 8), round));
        }
      }
      s.awaitUpdates();
      long updates = s.metrics().teacherUpdates();
      assertTrue(updates >= 1 && updates <= 4, "updates " + updates);
      assertFalse(Double.isNaN(s.metrics().teacherMaeUnseen()));
    }
  }

  @Test
  void builderRejectsBadSettingsNamingThem() {
    QuestionPool pool = pool(10);
    IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> GoldilocksSampler.builder(pool).candidates(0));
    assertTrue(k.getMessage().contains("candidates"));
    assertThrows(IllegalArgumentException.class, () -> GoldilocksSampler.builder(pool).epsilon(1.5));
    assertThrows(IllegalStateException.class, () -> GoldilocksSampler.builder(pool).build());
    assertThrows(IllegalStateException.class,
        () -> GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).window(8).updateEvery(16).build());
  }
}
