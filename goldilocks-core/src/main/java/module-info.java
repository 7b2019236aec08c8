/**
 * Goldilocks core: what a host calls ({@code ai.goldilocks.core}: {@code Sampler}, questions,
 * feedback), what a teacher author implements ({@code .spi}: {@code UtilityPredictor} and the
 * {@code TrainingExamples} it learns from), the samplers
 * ({@code .sampler}), the pure-Java teachers ({@code .predictor}) and the GRPO maths
 * ({@code .objective}); {@code .internal} holds helpers exported to this library's modules only. No engine, no network; it depends on Guava (argument checks) and SLF4J.
 */
module ai.goldilocks.core {
  requires static org.apiguardian.api;
  requires com.google.common;
  requires org.slf4j;

  exports ai.goldilocks.core;
  exports ai.goldilocks.core.objective;
  exports ai.goldilocks.core.predictor;
  exports ai.goldilocks.core.sampler;
  exports ai.goldilocks.core.spi;
  // helpers for this library's own modules only (the binary envelope, the random generator): not API
  exports ai.goldilocks.core.internal to ai.goldilocks.grpo, ai.goldilocks.djl, ai.goldilocks.server;
}
