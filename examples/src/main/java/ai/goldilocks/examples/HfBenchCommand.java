package ai.goldilocks.examples;

import ai.goldilocks.core.Rng;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.Safetensors;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hf-bench}: memory and generation speed of a Llama/Qwen2 checkpoint in the DJL policy. With
 * no {@code --checkpoint} it writes a random checkpoint shaped like Qwen2.5-0.5B (BF16, 4 shards
 * with an index) to a temporary directory first.
 */
@Command(name = "hf-bench", mixinStandardHelpOptions = true,
    description = "Load time, memory and tokens/s of a Llama/Qwen2 checkpoint (default: random, Qwen2.5-0.5B-shaped).")
final class HfBenchCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", description = "A Hugging Face checkpoint directory (default: a random 0.5B-shaped one).")
  Path checkpoint;

  @Option(names = "--new-tokens", defaultValue = "64", description = "Tokens generated per completion (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(names = "--group-size", defaultValue = "8", description = "Completions sampled together (default: ${DEFAULT-VALUE}).")
  int group;

  @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prompt length (default: ${DEFAULT-VALUE}).")
  int promptTokens;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  /** Qwen2.5-0.5B's shape (its public config.json), with random weights. */
  static Path writeRandomQwen05b(Path dir) throws Exception {
    int d = 896;
    int inter = 4864;
    int layers = 24;
    int heads = 14;
    int kv = 2;
    int vocab = 151_936;
    int hd = d / heads;
    JsonObject cfg = new JsonObject();
    cfg.addProperty("model_type", "qwen2");
    cfg.addProperty("hidden_size", d);
    cfg.addProperty("intermediate_size", inter);
    cfg.addProperty("num_hidden_layers", layers);
    cfg.addProperty("num_attention_heads", heads);
    cfg.addProperty("num_key_value_heads", kv);
    cfg.addProperty("vocab_size", vocab);
    cfg.addProperty("max_position_embeddings", 32768);
    cfg.addProperty("rms_norm_eps", 1e-6);
    cfg.addProperty("rope_theta", 1000000.0);
    cfg.addProperty("tie_word_embeddings", true);
    Files.writeString(dir.resolve("config.json"), cfg.toString());
    Rng rng = new Rng(1);
    JsonObject weightMap = new JsonObject();
    int shards = 4;
    for (int s = 0; s < shards; s++) {
      Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
      if (s == 0) {
        t.put("model.embed_tokens.weight", random(rng, 0.02, vocab, d));
      }
      for (int l = s * layers / shards; l < (s + 1) * layers / shards; l++) {
        String p = "model.layers." + l + ".";
        t.put(p + "input_layernorm.weight", ones(d));
        t.put(p + "self_attn.q_proj.weight", random(rng, 0.02, heads * hd, d));
        t.put(p + "self_attn.q_proj.bias", random(rng, 0.02, heads * hd));
        t.put(p + "self_attn.k_proj.weight", random(rng, 0.02, kv * hd, d));
        t.put(p + "self_attn.k_proj.bias", random(rng, 0.02, kv * hd));
        t.put(p + "self_attn.v_proj.weight", random(rng, 0.02, kv * hd, d));
        t.put(p + "self_attn.v_proj.bias", random(rng, 0.02, kv * hd));
        t.put(p + "self_attn.o_proj.weight", random(rng, 0.02, d, heads * hd));
        t.put(p + "post_attention_layernorm.weight", ones(d));
        t.put(p + "mlp.gate_proj.weight", random(rng, 0.02, inter, d));
        t.put(p + "mlp.up_proj.weight", random(rng, 0.02, inter, d));
        t.put(p + "mlp.down_proj.weight", random(rng, 0.02, d, inter));
      }
      if (s == shards - 1) {
        t.put("model.norm.weight", ones(d));
      }
      String name = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
      Safetensors.write(dir.resolve(name), t, Map.of("format", "pt"), true);
      t.keySet().forEach(k -> weightMap.addProperty(k, name));
    }
    JsonObject index = new JsonObject();
    index.add("weight_map", weightMap);
    Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
    return dir;
  }

  private static Safetensors.Tensor random(Rng rng, double std, int... shape) {
    long n = 1;
    long[] s = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      n *= shape[i];
      s[i] = shape[i];
    }
    float[] v = new float[(int) n];
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

  private static long rssBytes() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  @Override
  public Integer call() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Path dir = checkpoint;
    Path tmp = null;
    if (dir == null) {
      tmp = Files.createTempDirectory("qwen05b");
      long t0 = System.nanoTime();
      dir = writeRandomQwen05b(tmp);
      out.put("checkpoint", "random, Qwen2.5-0.5B shape, BF16, 4 shards");
      out.put("writeSeconds", Json.round((System.nanoTime() - t0) / 1e9, 1));
    } else {
      out.put("checkpoint", dir.toString());
    }
    out.put("checkpointBytes", Files.list(dir).mapToLong(f -> f.toFile().length()).sum());
    System.gc();
    long rssBefore = rssBytes();
    long t0 = System.nanoTime();
    CharTokenizer tok = CharTokenizer.arithmetic(); // ids only: generation speed does not depend on the text
    try (TransformerPolicy p = TransformerPolicy.fromHuggingFace(dir, tok).build()) {
      out.put("loadSeconds", Json.round((System.nanoTime() - t0) / 1e9, 1));
      System.gc();
      out.put("rssBytesAfterLoad", rssBytes());
      out.put("rssBytesAddedByModel", rssBytes() - rssBefore);
      for (java.lang.management.BufferPoolMXBean pool : java.lang.management.ManagementFactory.getPlatformMXBeans(
          java.lang.management.BufferPoolMXBean.class)) {
        if (pool.getName().equals("direct")) {
          out.put("directBufferBytes", pool.getMemoryUsed());
        }
      }
      Runtime rt = Runtime.getRuntime();
      out.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
      out.put("heapCommittedBytes", rt.totalMemory());
      out.put("device", p.device().toString());
      int[] prompt = new int[promptTokens];
      for (int i = 0; i < promptTokens; i++) {
        prompt[i] = 3 + i % 14;
      }
      SamplingConfig s = new SamplingConfig(1.0, 1.0, newTokens, Set.of());
      p.generate(prompt, group, new SamplingConfig(1.0, 1.0, 4, Set.of()), 0, true); // warm-up
      for (int g : new int[] {1, group}) {
        long t1 = System.nanoTime();
        List<Completion> c = p.generate(prompt, g, s, 1, true);
        double sec = (System.nanoTime() - t1) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Json.round(sec, 2));
        m.put("tokensPerSecond", Json.round(g * c.get(0).sequence().completion().length / sec, 1));
        out.put("generateGroup" + g, m);
        System.err.println("group " + g + ": " + m);
      }
      out.put("rssBytesPeak", rssBytes());
    } finally {
      if (tmp != null) {
        try (var files = Files.walk(tmp)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
    if (json) {
      System.out.println(Json.GSON.toJson(out));
    } else {
      out.forEach((k, v) -> System.out.println(k + ": " + v));
    }
    return 0;
  }
}
