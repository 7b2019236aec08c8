/**
 * Math answers as a verifiable reward: {@link ai.goldilocks.grpo.math.MathAnswers} extracts a
 * completion's final answer and compares it with the expected one, exactly where it can, within a
 * work budget per comparison.
 */
package ai.goldilocks.grpo.math;
