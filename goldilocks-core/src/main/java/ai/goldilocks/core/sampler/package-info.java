/**
 * The samplers: which questions a step rolls out.
 *
 * <p>{@link ai.goldilocks.core.sampler.GoldilocksSampler} is the method: K random candidates
 * scored by a teacher, the best one taken (or, with probability epsilon, an exploring one), the
 * teacher trained online on the rewards; its builder documents every setting
 * (docs/parameters.md explains how to choose them). The baselines share the same
 * {@link ai.goldilocks.core.Sampler} contract: {@link ai.goldilocks.core.sampler.UniformSampler},
 * {@link ai.goldilocks.core.sampler.BetaThompsonSampler} (MoPPS-style posteriors per question) and
 * {@link ai.goldilocks.core.sampler.DynamicFilter}, DAPO's dynamic filtering over any sampler.
 */
package ai.goldilocks.core.sampler;
