package ai.goldilocks.core.sampler;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.testing.SamplerContract;

/**
 * The sampler contract (determinism for a seed, a restored state continuing exactly, bad input
 * refused) with a teacher whose later epochs train on the newest 32 samples of a 128-sample window
 * ({@link FeaturePredictor.Builder#laterEpochsOn}).
 */
class LaterEpochsSamplerTest extends SamplerContract {
  @Override
  protected Sampler create(QuestionPool pool, long seed, long maxPolicyLag) {
    return GoldilocksSampler.builder(pool).seed(seed).maxPolicyLag(maxPolicyLag)
        .predictor(FeaturePredictor.builder().seed(seed).laterEpochsOn(32).build())
        .updateEvery(16).window(128).epochs(3).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
  }
}
