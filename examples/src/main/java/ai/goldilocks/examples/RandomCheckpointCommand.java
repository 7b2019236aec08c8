package ai.goldilocks.examples;

import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.djl.internal.Safetensors;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code random-checkpoint}: writes a randomly initialised Qwen2-shaped checkpoint in Hugging Face's
 * layout (config.json, safetensors shards with an index, tokenizer.json, tokenizer_config.json with a
 * ChatML chat template), so that the whole pretrained-checkpoint path (loading, chat prompts, GRPO,
 * the LM teacher, checkpoints) runs without downloading anything. The tokenizer is character-level:
 * it is a real {@code tokenizer.json} that the Hugging Face tokenizers library reads, not Qwen's BPE.
 */
@Command(name = "random-checkpoint", mixinStandardHelpOptions = true,
    description = "Write a random Qwen2-shaped Hugging Face checkpoint with a character-level tokenizer (no download).")
final class RandomCheckpointCommand implements Callable<Integer> {

  /** A Qwen2 model shape. */
  record Shape(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int maxPositions, int shards) {}

  /** Qwen2.5-0.5B's shape (its public config.json). */
  static final Shape QWEN25_05B = new Shape(896, 4864, 24, 14, 2, 151_936, 32768, 4);
  /** A tiny shape for tests: 2 layers, width 32. */
  static final Shape TINY = new Shape(32, 64, 2, 4, 2, 128, 1024, 2);

  /** The special tokens of the character-level tokenizer, in id order (Qwen's names). */
  static final String[] SPECIALS = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>"};

  @Option(names = "--shape", defaultValue = "tiny", description = "tiny or qwen2.5-0.5b (default: ${DEFAULT-VALUE}).")
  String shape;

  @Option(names = "--out", required = true, description = "Directory to write (created; must be empty or absent).")
  Path out;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--f32", description = "Write F32 weights (default: BF16, as published checkpoints are).")
  boolean f32;

  @Override
  public Integer call() throws Exception {
    Shape s = switch (shape) {
      case "tiny" -> TINY;
      case "qwen2.5-0.5b" -> QWEN25_05B;
      default -> throw new IllegalArgumentException("unknown shape '" + shape + "' (tiny, qwen2.5-0.5b)");
    };
    if (Files.isDirectory(out)) {
      try (var files = Files.list(out)) {
        if (files.findAny().isPresent()) {
          throw new IllegalArgumentException("--out " + out + " is not empty");
        }
      }
    }
    write(Files.createDirectories(out), s, seed, !f32);
    System.out.println("wrote " + out.toAbsolutePath());
    return 0;
  }

  /** Writes config.json, the weight shards, tokenizer.json and tokenizer_config.json into {@code dir}. */
  static Path write(Path dir, Shape s, long seed, boolean bf16) throws Exception {
    writeWeights(dir, s, seed, bf16);
    writeCharTokenizer(dir, s.vocab());
    return dir;
  }

  /** config.json and the weights (safetensors shards with an index when there is more than one). */
  static Path writeWeights(Path dir, Shape s, long seed, boolean bf16) throws Exception {
    int d = s.hidden();
    int hd = d / s.heads();
    JsonObject cfg = new JsonObject();
    JsonArray arch = new JsonArray();
    arch.add("Qwen2ForCausalLM");
    cfg.add("architectures", arch);
    cfg.addProperty("model_type", "qwen2");
    cfg.addProperty("hidden_size", d);
    cfg.addProperty("intermediate_size", s.intermediate());
    cfg.addProperty("num_hidden_layers", s.layers());
    cfg.addProperty("num_attention_heads", s.heads());
    cfg.addProperty("num_key_value_heads", s.kvHeads());
    cfg.addProperty("vocab_size", s.vocab());
    cfg.addProperty("max_position_embeddings", s.maxPositions());
    cfg.addProperty("rms_norm_eps", 1e-6);
    cfg.addProperty("rope_theta", 1000000.0);
    cfg.addProperty("tie_word_embeddings", true);
    cfg.addProperty("eos_token_id", 2); // <|im_end|>, as in Qwen2.5-Instruct
    Files.writeString(dir.resolve("config.json"), cfg.toString());
    Rng rng = new Rng(seed);
    JsonObject weightMap = new JsonObject();
    long totalBytes = 0;
    for (int sh = 0; sh < s.shards(); sh++) {
      Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
      if (sh == 0) {
        t.put("model.embed_tokens.weight", random(rng, 0.02, s.vocab(), d));
      }
      for (int l = sh * s.layers() / s.shards(); l < (sh + 1) * s.layers() / s.shards(); l++) {
        String p = "model.layers." + l + ".";
        t.put(p + "input_layernorm.weight", ones(d));
        t.put(p + "self_attn.q_proj.weight", random(rng, 0.02, s.heads() * hd, d));
        t.put(p + "self_attn.q_proj.bias", random(rng, 0.02, s.heads() * hd));
        t.put(p + "self_attn.k_proj.weight", random(rng, 0.02, s.kvHeads() * hd, d));
        t.put(p + "self_attn.k_proj.bias", random(rng, 0.02, s.kvHeads() * hd));
        t.put(p + "self_attn.v_proj.weight", random(rng, 0.02, s.kvHeads() * hd, d));
        t.put(p + "self_attn.v_proj.bias", random(rng, 0.02, s.kvHeads() * hd));
        t.put(p + "self_attn.o_proj.weight", random(rng, 0.02, d, s.heads() * hd));
        t.put(p + "post_attention_layernorm.weight", ones(d));
        t.put(p + "mlp.gate_proj.weight", random(rng, 0.02, s.intermediate(), d));
        t.put(p + "mlp.up_proj.weight", random(rng, 0.02, s.intermediate(), d));
        t.put(p + "mlp.down_proj.weight", random(rng, 0.02, d, s.intermediate()));
      }
      if (sh == s.shards() - 1) {
        t.put("model.norm.weight", ones(d));
      }
      String name = s.shards() == 1 ? "model.safetensors" : String.format("model-%05d-of-%05d.safetensors", sh + 1, s.shards());
      Safetensors.write(dir.resolve(name), t, Map.of("format", "pt"), bf16);
      t.keySet().forEach(k -> weightMap.addProperty(k, name));
      for (Safetensors.Tensor x : t.values()) {
        totalBytes += (long) x.values().length * (bf16 ? 2 : 4);
      }
    }
    if (s.shards() > 1) {
      JsonObject index = new JsonObject();
      JsonObject meta = new JsonObject();
      meta.addProperty("total_size", totalBytes);
      index.add("metadata", meta);
      index.add("weight_map", weightMap);
      Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
    }
    return dir;
  }

  /**
   * A character-level {@code tokenizer.json} (a BPE model without merges: every character is one
   * token; the special tokens are matched first) and a {@code tokenizer_config.json} naming
   * {@code <|im_end|>} as end of sequence, {@code <|endoftext|>} as padding, and a ChatML template.
   */
  static void writeCharTokenizer(Path dir, int modelVocab) throws Exception {
    JsonObject vocab = new JsonObject();
    JsonArray added = new JsonArray();
    int id = 0;
    for (String sp : SPECIALS) {
      vocab.addProperty(sp, id);
      JsonObject a = new JsonObject();
      a.addProperty("id", id);
      a.addProperty("content", sp);
      a.addProperty("single_word", false);
      a.addProperty("lstrip", false);
      a.addProperty("rstrip", false);
      a.addProperty("normalized", false);
      a.addProperty("special", true);
      if (!sp.equals("<unk>")) {
        added.add(a);
      }
      id++;
    }
    StringBuilder chars = new StringBuilder("\n\t");
    for (char c = 32; c < 127; c++) {
      chars.append(c);
    }
    for (char c : chars.toString().toCharArray()) {
      vocab.addProperty(String.valueOf(c), id++);
    }
    if (id > modelVocab) {
      throw new IllegalArgumentException("the character vocabulary needs " + id + " ids, the model has " + modelVocab);
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "BPE");
    model.add("vocab", vocab);
    model.add("merges", new JsonArray());
    model.addProperty("unk_token", "<unk>");
    JsonObject decoder = new JsonObject();
    decoder.addProperty("type", "Fuse");
    JsonObject tok = new JsonObject();
    tok.addProperty("version", "1.0");
    tok.add("added_tokens", added);
    tok.add("model", model);
    tok.add("decoder", decoder);
    Files.writeString(dir.resolve("tokenizer.json"), tok.toString());
    JsonObject tc = new JsonObject();
    tc.addProperty("eos_token", "<|im_end|>");
    tc.addProperty("pad_token", "<|endoftext|>");
    tc.addProperty("chat_template", "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
        + " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
    Files.writeString(dir.resolve("tokenizer_config.json"), tc.toString());
  }

  private static Safetensors.Tensor random(Rng rng, double std, int... shape) {
    long n = 1;
    long[] s = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      n *= shape[i];
      s[i] = shape[i];
    }
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((rng.nextDouble() * 2 - 1) * std * 1.7320508); // uniform with standard deviation std
    }
    return new Safetensors.Tensor(s, v);
  }

  private static Safetensors.Tensor ones(int n) {
    float[] v = new float[n];
    Arrays.fill(v, 1f);
    return new Safetensors.Tensor(new long[] {n}, v);
  }
}
