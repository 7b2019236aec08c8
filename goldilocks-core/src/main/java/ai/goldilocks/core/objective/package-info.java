/**
 * The GRPO maths, engine-neutral: group advantages, the clipped surrogate objective and its
 * derivative with respect to every token's log-probability.
 *
 * <p>Start from {@link ai.goldilocks.core.objective.GrpoObjective}: {@code evaluate(groupRewards,
 * tokenBatch)} returns a {@link ai.goldilocks.core.objective.GrpoResult} with the loss and the
 * coefficients an engine back-propagates as {@code sum(coefficient * logprob)}; the loss is chosen
 * with {@link ai.goldilocks.core.objective.LossType}, the log-probabilities travel in a {@link
 * ai.goldilocks.core.objective.TokenBatch}, advantages are {@link ai.goldilocks.core.objective.Advantages}.
 */
package ai.goldilocks.core.objective;
