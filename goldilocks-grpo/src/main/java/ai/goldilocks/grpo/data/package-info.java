/**
 * OpenMathReasoning-format data: {@link ai.goldilocks.grpo.data.OmrReader} streams {@link
 * ai.goldilocks.grpo.data.MathProblem}s from parquet or JSONL with filters and de-duplication and
 * reports what it skipped ({@link ai.goldilocks.grpo.data.ReadReport}); {@link
 * ai.goldilocks.grpo.data.OmrFixture} generates the bundled fixture. Parquet needs the optional
 * {@code blue.strategic.parquet:parquet-floor} dependency (docs/deploying.md).
 */
package ai.goldilocks.grpo.data;
