/**
 * Goldilocks on DJL: the transformer policy ({@code TransformerPolicy}, also loading Hugging Face
 * Llama / Qwen2 checkpoints), the transformer teacher ({@code TransformerTeacher}), tokenizers and
 * the engine gateway ({@code DjlEngine}, which keeps DJL offline), on DJL's PyTorch engine. One
 * package is exported; the network, decoder, scoring and optimizer code are package-private in it,
 * and the safetensors reader and writer live in {@code ai.goldilocks.djl.internal}, which is not
 * exported (the examples, on the class path, write test checkpoints with it).
 *
 * <p>{@code ai.goldilocks.grpo} and the DJL jars have no module descriptor of their own (they are
 * automatic modules, named by their manifests).
 */
@SuppressWarnings({"requires-transitive-automatic", "requires-automatic"})
module ai.goldilocks.djl {
  requires static org.apiguardian.api;
  requires transitive ai.goldilocks.core;
  requires transitive ai.goldilocks.grpo;
  requires transitive ai.djl.api;
  requires ai.djl.pytorch_engine;
  requires ai.djl.tokenizers;
  requires com.google.gson;
  requires com.google.common;
  requires com.sun.jna;
  requires org.slf4j;

  exports ai.goldilocks.djl;

  provides ai.goldilocks.core.spi.TeacherProvider with ai.goldilocks.djl.DjlTeacherProvider;
}
