package ai.goldilocks.examples.snippets;

// snippet:start sampler-parameters
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.GoldilocksSampler.Exploration;
import ai.goldilocks.core.sampler.GoldilocksSampler.UpdateMode;
import ai.goldilocks.core.spi.UtilityPredictor;

// snippet:end

/** Every setting of {@link GoldilocksSampler}, at its default (docs/parameters.md). */
public final class SamplerParameters {
  private SamplerParameters() {}

  /** A sampler with every setting written out at its default value. */
  public static GoldilocksSampler withDefaults(QuestionPool pool, UtilityPredictor teacher) {
    // snippet:start sampler-parameters
    GoldilocksSampler sampler = GoldilocksSampler.builder(pool)
        .predictor(teacher)                     // default: FeaturePredictor with the sampler's seed
        .candidates(16)                         // K: random candidates the teacher scores per pick
        .epsilon(0.1)                           // share of exploring picks
        .exploration(Exploration.PROPORTIONAL)  // an exploring pick takes a candidate in proportion to its utility
        .window(4096)                           // replay window: the newest samples the teacher trains on
        .updateEvery(64)                        // N: new samples between teacher updates
        .epochs(3)                              // passes over the window per update
        .updateMode(UpdateMode.ASYNCHRONOUS)    // train on the "goldilocks-teacher" thread
        .maxTeacherLag(2 * 64)                  // asynchronous: feedback waits while the teacher lags more
        .rewardRange(0, 1)                      // rewards outside it are refused
        .maxPolicyLag(Long.MAX_VALUE)           // feedback older than this many policy versions is stale
        .seed(0)
        .build();
    // snippet:end
    return sampler;
  }
}
