/**
 * Simulated students and the simulator that compares samplers in seconds.
 *
 * <p>{@link ai.goldilocks.grpo.sim.Simulation} runs arms (sampler factories, optionally with
 * dynamic filtering) against a {@link ai.goldilocks.grpo.sim.Student} and reports a {@link
 * ai.goldilocks.grpo.sim.SimulationResult}; {@link ai.goldilocks.grpo.sim.Worlds} builds the family
 * of simulated worlds ({@link ai.goldilocks.grpo.sim.World}); {@link
 * ai.goldilocks.grpo.sim.OraclePredictor} is the teacher that knows the true utility (the upper
 * bound).
 */
package ai.goldilocks.grpo.sim;
