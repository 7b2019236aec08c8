package ai.goldilocks.core.sampler;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.testing.SamplerContract;

class UniformSamplerTest extends SamplerContract {
  @Override
  protected Sampler create(QuestionPool pool, long seed, long maxPolicyLag) {
    return UniformSampler.builder(pool).seed(seed).maxPolicyLag(maxPolicyLag).build();
  }
}
