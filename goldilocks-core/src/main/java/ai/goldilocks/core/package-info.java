/**
 * What a host training loop calls: hand out questions, send back rewards.
 *
 * <p>Start from {@link ai.goldilocks.core.QuestionPool} (the questions, built once with {@code
 * QuestionPool.of}) and {@link ai.goldilocks.core.Sampler}: {@code next(n)} returns
 * {@link ai.goldilocks.core.Selection}s, {@code feedback} takes a
 * {@link ai.goldilocks.core.RolloutFeedback} (the G rewards of one question) and answers a
 * {@link ai.goldilocks.core.FeedbackStatus}; {@link ai.goldilocks.core.SamplerMetrics} counts what
 * happened. The samplers themselves are in {@link ai.goldilocks.core.sampler}, the teachers in
 * {@link ai.goldilocks.core.predictor}.
 */
package ai.goldilocks.core;
