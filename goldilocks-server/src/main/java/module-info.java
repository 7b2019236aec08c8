/**
 * The teacher as a service (the paper's Appendix A): {@code TeacherServer} serves picks and takes
 * rewards over HTTP/JSON for trainers on other machines; {@code PoolFiles} reads the question pool
 * it serves; {@code ServerMain} is the command line. The service's state machine, journal and
 * timing wrapper stay inside the module.
 */
@SuppressWarnings({"requires-transitive-automatic", "requires-automatic"})
module ai.goldilocks.server {
  requires static org.apiguardian.api;
  requires transitive ai.goldilocks.core;
  requires com.google.gson;
  requires info.picocli;
  requires org.eclipse.jetty.server;
  requires org.slf4j;

  exports ai.goldilocks.server;
  // teachers other than the built-in feature teacher (e.g. goldilocks-djl's) are found by name
  uses ai.goldilocks.core.spi.TeacherProvider;
  // pool formats other than JSONL with id and text (e.g. goldilocks-grpo's OpenMathReasoning reader)
  uses ai.goldilocks.core.spi.PoolReader;
  // picocli sets the command line's options by reflection
  opens ai.goldilocks.server to info.picocli;
}
