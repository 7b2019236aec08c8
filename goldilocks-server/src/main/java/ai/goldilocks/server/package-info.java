/**
 * The teacher as a service for trainers on other machines (Python: TRL, verl).
 *
 * <p>{@link ai.goldilocks.server.ServerMain} is the command line of {@code goldilocks-server.jar}
 * (docs/deploying.md); {@link ai.goldilocks.server.TeacherServer} embeds the same service in a JVM
 * host (its builder's {@code start()} serves, {@code close()} stops); {@link ai.goldilocks.server.PoolFiles} reads the
 * question pool it serves from JSONL or OpenMathReasoning files.
 */
package ai.goldilocks.server;
