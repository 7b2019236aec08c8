/**
 * The pure-Java teachers: predictors of a question's utility sqrt(p(1-p)) for the student.
 *
 * <p>{@link ai.goldilocks.core.predictor.FeaturePredictor} is the default teacher of
 * {@link ai.goldilocks.core.sampler.GoldilocksSampler}: an MLP over text features
 * ({@link ai.goldilocks.core.predictor.FeatureSet}: general, or arithmetic for arithmetic
 * questions) plus sparse words and a memory per question, trained on the success rate or the
 * utility ({@link ai.goldilocks.core.predictor.TeacherTarget}). {@link
 * ai.goldilocks.core.predictor.TrackerPredictor} remembers per-question outcomes only, {@link
 * ai.goldilocks.core.predictor.BlendPredictor} mixes two teachers. docs/teachers.md compares them
 * with the ND4J and DJL teachers.
 */
package ai.goldilocks.core.predictor;
