/**
 * The engine-neutral GRPO training loop.
 *
 * <p>{@link ai.goldilocks.grpo.GrpoTrainer} runs steps: B questions from a sampler, G completions
 * each from a {@link ai.goldilocks.grpo.Policy}, rewards from a {@link
 * ai.goldilocks.grpo.RewardFunction}, feedback to the sampler, advantages and policy updates, with
 * metrics ({@link ai.goldilocks.grpo.StepMetrics}) and verified checkpoints. Implement {@link
 * ai.goldilocks.grpo.Policy} to train your own engine under it (docs/integrating.md (b));
 * goldilocks-djl's {@code TransformerPolicy} is the one this project ships.
 */
package ai.goldilocks.grpo;
