/**
 * Goldilocks on DJL: the transformer policy ({@code TransformerPolicy}, also loading Hugging Face
 * Llama / Qwen2 checkpoints), the transformer teacher ({@code TransformerTeacher}), tokenizers and
 * the offline guard ({@code Offline}), on DJL's PyTorch engine. One package is exported; the
 * network, decoder, scoring, optimizer and safetensors code stay inside the module.
 *
 * <p>{@code ai.goldilocks.grpo} and the DJL jars have no module descriptor of their own (they are
 * automatic modules, named by their manifests).
 */
@SuppressWarnings({"requires-transitive-automatic", "requires-automatic"})
module ai.goldilocks.djl {
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
