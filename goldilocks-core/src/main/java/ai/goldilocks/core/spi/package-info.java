/**
 * What a teacher author implements.
 *
 * <p>{@link ai.goldilocks.core.spi.UtilityPredictor} predicts the utility of candidates by pool
 * index and learns from {@link ai.goldilocks.core.spi.TrainingExamples} (per group: the utility,
 * the success rate and G); it publishes its weights so that predictions may run while it trains,
 * and writes and reads its state for checkpoints. {@link ai.goldilocks.core.spi.TeacherProvider}
 * makes a teacher findable by name through {@link java.util.ServiceLoader} (the server's {@code
 * --teacher}).
 */
package ai.goldilocks.core.spi;
