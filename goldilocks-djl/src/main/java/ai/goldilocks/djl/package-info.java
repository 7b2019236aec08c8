/**
 * Goldilocks on DJL's PyTorch engine: the transformer policy and teacher.
 *
 * <p>{@link ai.goldilocks.djl.TransformerPolicy} implements {@code ai.goldilocks.grpo.Policy}:
 * this project's small transformer ({@link ai.goldilocks.djl.TransformerConfig}) trained from
 * scratch, or a Hugging Face checkpoint of the Llama / Qwen2 family ({@code fromHuggingFace}).
 * {@link ai.goldilocks.djl.TransformerTeacher} is a teacher over the question text, from scratch or
 * the paper's LM teacher over a checkpoint. Tokenizers: {@link ai.goldilocks.djl.CharTokenizer},
 * {@link ai.goldilocks.djl.HfTokenizer}; prompts for chat models: {@link
 * ai.goldilocks.djl.ChatTemplate}. {@link ai.goldilocks.djl.DjlEngine} keeps DJL from the network and
 * sets the engine's threads; {@link ai.goldilocks.djl.DjlTeacherProvider} is the teacher named
 * {@code djl} for the server.
 */
package ai.goldilocks.djl;
