package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.testing.SamplerContract;
import org.junit.jupiter.api.Test;

class BetaThompsonSamplerTest extends SamplerContract {
  @Override
  protected Sampler create(QuestionPool pool, long seed, long maxPolicyLag) {
    return BetaThompsonSampler.builder(pool).seed(seed).maxPolicyLag(maxPolicyLag).build();
  }

  @Test
  void posteriorFollowsTheDecayedUpdateRule() {
    QuestionPool pool = pool(10);
    BetaThompsonSampler s = BetaThompsonSampler.builder(pool).decay(0.5).prior(1, 1).build();
    Selection sel = s.next(1).get(0);
    // 3 of 4 successes: alpha = 0.5*1 + 0.5*1 + 3 = 4, beta = 0.5*1 + 0.5*1 + 1 = 2 -> mean 2/3
    s.feedback(new RolloutFeedback(sel.question().id(), new double[] {1, 1, 1, 0}, 0));
    assertEquals(2.0 / 3, s.posteriorMean(sel.poolIndex()), 1e-6);
  }

  @Test
  void prefersQuestionsNearHalfOnceItHasSeenThem() {
    QuestionPool pool = pool(16);
    BetaThompsonSampler s = BetaThompsonSampler.builder(pool).candidates(16).decay(1.0).seed(7).build();
    // teach it: question 5 is at p = 0.5, all others always solved
    for (int round = 0; round < 30; round++) {
      for (Selection sel : s.next(16)) {
        double[] r = sel.poolIndex() == 5 ? new double[] {1, 0, 1, 0, 1, 0, 1, 0} : new double[] {1, 1, 1, 1, 1, 1, 1, 1};
        s.feedback(new RolloutFeedback(sel.question().id(), r, round));
      }
    }
    int hits = 0;
    for (int i = 0; i < 50; i++) {
      Selection sel = s.next(1).get(0);
      hits += sel.poolIndex() == 5 ? 1 : 0;
      s.feedback(new RolloutFeedback(sel.question().id(), new double[] {1, 0}, 40));
    }
    assertTrue(hits >= 45, "picked the p=0.5 question " + hits + " of 50 times");
  }
}
