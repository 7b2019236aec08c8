package ai.goldilocks.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.goldilocks.djl.internal.Safetensors;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Llama / Qwen2 decoder family on DJL: RMSNorm, rotary position embeddings (rotate-half
 * convention, the config's theta and linear or llama3 scaling), grouped-query attention with
 * optional q/k/v (and output) biases, SwiGLU, tied or untied output embeddings. Parameter names
 * and layouts are Hugging Face's, so checkpoints load as they are.
 */
final class LlamaNetwork extends Network {
  private static final Logger LOG = LoggerFactory.getLogger(LlamaNetwork.class);
  final LlamaConfig config;
  private final double[] invFreq;

  private LlamaNetwork(LlamaConfig config, Device device) {
    super(device);
    this.config = config;
    this.invFreq = config.inverseFrequencies();
  }

  /** Tensor names and shapes this configuration needs, in order. */
  static Map<String, long[]> expected(LlamaConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long d = c.hiddenSize();
    long q = (long) c.heads() * c.headDim();
    long kv = (long) c.kvHeads() * c.headDim();
    m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
    for (int i = 0; i < c.layers(); i++) {
      String p = "model.layers." + i + ".";
      m.put(p + "input_layernorm.weight", new long[] {d});
      m.put(p + "self_attn.q_proj.weight", new long[] {q, d});
      m.put(p + "self_attn.k_proj.weight", new long[] {kv, d});
      m.put(p + "self_attn.v_proj.weight", new long[] {kv, d});
      if (c.qkvBias()) {
        m.put(p + "self_attn.q_proj.bias", new long[] {q});
        m.put(p + "self_attn.k_proj.bias", new long[] {kv});
        m.put(p + "self_attn.v_proj.bias", new long[] {kv});
      }
      m.put(p + "self_attn.o_proj.weight", new long[] {d, q});
      if (c.outputBias()) {
        m.put(p + "self_attn.o_proj.bias", new long[] {d});
      }
      m.put(p + "post_attention_layernorm.weight", new long[] {d});
      m.put(p + "mlp.gate_proj.weight", new long[] {c.intermediateSize(), d});
      m.put(p + "mlp.up_proj.weight", new long[] {c.intermediateSize(), d});
      m.put(p + "mlp.down_proj.weight", new long[] {d, c.intermediateSize()});
    }
    m.put("model.norm.weight", new long[] {d});
    if (!c.tieWordEmbeddings()) {
      m.put("lm_head.weight", new long[] {c.vocabSize(), d});
    }
    return m;
  }

  /**
   * Loads a Hugging Face checkpoint directory: {@code config.json} and {@code model.safetensors}
   * or sharded {@code model-*.safetensors} with {@code model.safetensors.index.json}. F16 and
   * BF16 tensors are converted to F32 in Java.
   *
   * @throws IOException naming an unsupported architecture, a missing or mis-shaped tensor, or a
   *     corrupt file
   */
  /**
   * The array's own memory as a float buffer, when the engine shares it (PyTorch's CPU arrays do),
   * so a tensor is converted straight into it: one pass over the values instead of a chunk array
   * per copy and an indexed assignment. Null when the array lives on another device or the buffer
   * is a copy, which two probe values written through it and read back through the array reveal
   * (they overwrite the first value: for arrays about to be filled).
   */
  static java.nio.FloatBuffer sharedMemory(NDArray a) {
    if (!a.getDevice().equals(Device.cpu()) || a.size() == 0) {
      return null;
    }
    java.nio.ByteBuffer b = a.toByteBuffer(true);
    if (!b.isDirect() || b.capacity() != a.size() * 4) {
      return null;
    }
    java.nio.FloatBuffer f = b.order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
    for (float probe : new float[] {1.5f, -2.25f}) {
      f.put(0, probe);
      try (NDArray all = a.reshape(-1); NDArray first = all.get(0)) {
        if (first.getFloat() != probe) {
          return null;
        }
      }
    }
    return f;
  }

  static LlamaNetwork load(Path dir, Device device) throws IOException {
    return load(dir, device, true);
  }

  /**
   * The one loader of a Hugging Face checkpoint behind {@code fromHuggingFace} (policy and teacher):
   * reads and checks {@code config.json} now, so a bad checkpoint fails where the builder is made,
   * and returns what loads the weights on the engine's default device later, at {@code build()}
   * (an {@link java.io.UncheckedIOException} naming a missing tensor or a corrupt file).
   *
   * @throws IOException if {@code config.json} is missing or describes an unsupported architecture
   */
  static java.util.function.Supplier<Network> loader(Path checkpoint) throws IOException {
    LlamaConfig.read(checkpoint);
    return () -> {
      try {
        return load(checkpoint, DjlEngine.defaultDevice());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
  }

  /** As {@link #load(Path, Device)}; {@code intoSharedMemory} false always takes the chunked copy (tests compare both). */
  static LlamaNetwork load(Path dir, Device device, boolean intoSharedMemory) throws IOException {
    LlamaConfig c = LlamaConfig.read(dir);
    List<Path> shards = new ArrayList<>();
    Path index = dir.resolve("model.safetensors.index.json");
    if (Files.isRegularFile(index)) {
      JsonObject map;
      try {
        map = new Gson().fromJson(Files.readString(index), JsonObject.class).getAsJsonObject("weight_map");
      } catch (RuntimeException e) {
        throw new IOException(index + ": not a safetensors index: " + e.getMessage(), e);
      }
      for (var e : map.entrySet()) {
        Path shard = dir.resolve(e.getValue().getAsString());
        if (!shards.contains(shard)) {
          if (!Files.isRegularFile(shard)) {
            throw new IOException(index + " names shard " + e.getValue().getAsString() + ", which is missing");
          }
          shards.add(shard);
        }
      }
    } else if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
      shards.add(dir.resolve("model.safetensors"));
    } else {
      throw new IOException("no model.safetensors or model.safetensors.index.json in " + dir);
    }
    Map<String, long[]> need = expected(c);
    LlamaNetwork n = new LlamaNetwork(c, device);
    Map<String, NDArray> loaded = new java.util.HashMap<>();
    // Into the engine's memory: chunks small enough that the conversion's arrays stay in the
    // processor's cache (256K values; measured against 4M in docs/benchmarks.md); chunk by chunk
    // onto a device: fewer, larger copies.
    int chunkValues = intoSharedMemory && device.equals(Device.cpu()) ? 1 << 18 : 1 << 22;
    try {
      // Tensor by tensor, chunk by chunk, straight into memory the engine owns: no Java copy of a
      // shard or a tensor, and nothing left for the garbage collector (issue 13).
      for (Path shard : shards) {
        Safetensors.stream(shard, new Safetensors.TensorSink() {
          private NDArray flat;
          private java.nio.FloatBuffer shared;

          @Override
          public boolean begin(Safetensors.Entry e) throws IOException {
            String name = e.name();
            long[] shape = need.get(name);
            if (shape == null) {
              if (!name.endsWith("rotary_emb.inv_freq") && !(c.tieWordEmbeddings() && name.equals("lm_head.weight"))) {
                LOG.warn("{}: ignoring unexpected tensor '{}'", shard, name);
              }
              return false;
            }
            if (!java.util.Arrays.equals(e.shape(), shape)) {
              throw new IOException(dir + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(e.shape())
                  + ", expected " + java.util.Arrays.toString(shape));
            }
            flat = n.manager.create(new Shape(e.count()), DataType.FLOAT32);
            shared = intoSharedMemory ? sharedMemory(flat) : null;
            return true;
          }

          @Override
          public java.nio.FloatBuffer destination(Safetensors.Entry e) {
            return shared;
          }

          @Override
          public void values(Safetensors.Entry e, long offset, java.nio.ByteBuffer values) {
            long k = values.remaining() / 4;
            try (NDArray chunk = n.manager.create(values, new Shape(k), DataType.FLOAT32)) {
              flat.set(new NDIndex("{}:{}", offset, offset + k), chunk);
            }
          }

          @Override
          public void end(Safetensors.Entry e) {
            NDArray shaped = flat.reshape(new Shape(e.shape()));
            flat.close();
            NDArray previous = loaded.put(e.name(), shaped);
            if (previous != null) {
              previous.close();
            }
            flat = null;
            shared = null;
          }
        }, chunkValues);
      }
      List<String> missing = new ArrayList<>();
      for (String name : need.keySet()) {
        if (!loaded.containsKey(name)) {
          missing.add(name);
        }
      }
      if (!missing.isEmpty()) {
        throw new IOException(dir + ": missing tensors " + (missing.size() > 8 ? missing.subList(0, 8) + " and " + (missing.size() - 8)
            + " more" : missing));
      }
    } catch (IOException | RuntimeException e) {
      n.close();
      throw e;
    }
    for (String name : need.keySet()) {
      n.add(name, loaded.get(name));
    }
    return n;
  }

  @Override
  int vocabSize() {
    return config.vocabSize();
  }

  @Override
  int maxLength() {
    return config.maxPositions();
  }

  @Override
  int layers() {
    return config.layers();
  }

  @Override
  int width() {
    return config.hiddenSize();
  }

  @Override
  String configJson() {
    return config.json();
  }

  @Override
  Network sameShape() {
    LlamaNetwork n = new LlamaNetwork(config, manager.getDevice());
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      n.add(e.getKey(), n.manager.zeros(e.getValue().getShape()));
    }
    return n;
  }

  /** RMS normalisation with the epsilon as a scalar array made once per forward pass. */
  private static NDArray rmsNorm(NDArray x, NDArray w, NDArray eps) {
    NDArray ms = x.mul(x).mean(new int[] {-1}, true);
    return x.div(ms.add(eps).sqrt()).mul(w);
  }

  private NDArray linear(NDArray x, String name, boolean bias) {
    NDArray w = p(name + ".weight");
    NDArray b = bias ? p(name + ".bias") : null;
    return x.getNDArrayInternal().linear(x, w, b).singletonOrThrow();
  }

  /**
   * The rotary embedding's rotate-half, {@code concat(-x[half:], x[:half])}, as one product with a
   * signed permutation matrix (hd, hd): every output is one input times +-1 plus exact zeros, so
   * the values are those of the slices, negation and concatenation, in one engine call instead of
   * four.
   */
  static NDArray rotationMatrix(NDManager scope, int hd) {
    int half = hd / 2;
    float[] r = new float[hd * hd];
    for (int j = 0; j < half; j++) {
      r[(j + half) * hd + j] = -1f; // output j < half takes -x[j + half]
      r[j * hd + j + half] = 1f; // output j + half takes x[j]
    }
    return scope.create(r, new Shape(hd, hd));
  }

  @Override
  NDArray hidden(NDManager scope, NDArray tokens, int offset, KvCache cache, NDArray keyPadding) {
    long b = tokens.getShape().get(0);
    long t = tokens.getShape().get(1);
    if (offset + t > maxLength()) {
      throw new IllegalArgumentException("sequence of " + (offset + t) + " tokens exceeds max_position_embeddings " + maxLength());
    }
    int d = config.hiddenSize();
    int h = config.heads();
    int kvh = config.kvHeads();
    int hd = config.headDim();
    NDArray x;
    if (vocabSize() <= Transformer.ONE_HOT_VOCAB) {
      x = tokens.oneHot(vocabSize()).toType(DataType.FLOAT32, false).matMul(p("model.embed_tokens.weight"));
    } else {
      x = p("model.embed_tokens.weight").get(scope, new NDIndex("{}", tokens.reshape(-1))).reshape(b, t, d);
    }
    float[] cos = new float[(int) t * hd];
    float[] sin = new float[(int) t * hd];
    double ropeAttention = config.attentionFactor();
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < hd / 2; j++) {
        double a = (offset + i) * invFreq[j];
        cos[i * hd + j] = (float) (Math.cos(a) * ropeAttention);
        cos[i * hd + j + hd / 2] = (float) (Math.cos(a) * ropeAttention);
        sin[i * hd + j] = (float) (Math.sin(a) * ropeAttention);
        sin[i * hd + j + hd / 2] = (float) (Math.sin(a) * ropeAttention);
      }
    }
    NDArray cosA = scope.create(cos, new Shape(1, 1, t, hd));
    NDArray sinA = scope.create(sin, new Shape(1, 1, t, hd));
    NDArray mask = withPadding(causalMask(scope, t, offset), keyPadding);
    NDArray rotation = rotationMatrix(scope, hd);
    NDArray eps = scope.create((float) config.rmsNormEps());
    NDArray scale = scope.create((float) (1.0 / Math.sqrt(hd)));
    // Without a backward pass each layer's intermediates are freed when the layer ends (PyTorch
    // frees them as their last reference goes); held until the caller's scope closes, a prompt
    // pass of 8 x 32 positions through 24 layers kept about 1 GB alive at once.
    boolean freeEachLayer = !DjlEngine.recordsGradients();
    for (int l = 0; l < config.layers(); l++) {
      NDManager layerScope = null;
      if (freeEachLayer) {
        layerScope = scope.newSubManager();
        x.attach(layerScope); // results belong to their first operand's manager: the layer's
      }
      String pre = "model.layers." + l + ".";
      NDArray a = rmsNorm(x, p(pre + "input_layernorm.weight"), eps);
      NDArray q = heads(linear(a, pre + "self_attn.q_proj", config.qkvBias()), b, t, h, hd);
      NDArray k = heads(linear(a, pre + "self_attn.k_proj", config.qkvBias()), b, t, kvh, hd);
      NDArray v = heads(linear(a, pre + "self_attn.v_proj", config.qkvBias()), b, t, kvh, hd);
      q = q.mul(cosA).add(q.matMul(rotation).mul(sinA));
      k = k.mul(cosA).add(k.matMul(rotation).mul(sinA));
      if (cache != null) {
        NDArray[] kv = cache.append(l, k, v);
        k = kv[0];
        v = kv[1];
      }
      // Grouped-query attention without copying K and V per query head: the g = h / kvh query
      // heads that share a key head are stacked along the time axis, (B, kvh, g * t, hd), so one
      // batched matrix product per key head does it.
      long total = k.getShape().get(2);
      int g = h / kvh;
      NDArray scores = q.reshape(b, kvh, (long) g * t, hd).matMul(k.transpose(0, 1, 3, 2)).reshape(b, h, t, total)
          .mul(scale);
      if (mask != null) {
        scores = scores.add(mask);
      }
      NDArray att = scores.softmax(-1).reshape(b, kvh, (long) g * t, total).matMul(v).reshape(b, h, t, hd);
      att = (t == 1 ? att : att.transpose(0, 2, 1, 3)).reshape(b, t, (long) h * hd);
      x = x.add(linear(att, pre + "self_attn.o_proj", config.outputBias()));
      NDArray m = rmsNorm(x, p(pre + "post_attention_layernorm.weight"), eps);
      NDArray gate = linear(m, pre + "mlp.gate_proj", false);
      NDArray up = linear(m, pre + "mlp.up_proj", false);
      NDArray act = Ops.silu(gate).mul(up);
      x = x.add(linear(act, pre + "mlp.down_proj", false));
      if (layerScope != null) {
        x.attach(scope);
        layerScope.close();
      }
    }
    if (cache != null) {
      cache.length = (int) (offset + t);
    }
    return rmsNorm(x, p("model.norm.weight"), eps);
  }

  @Override
  NDArray logits(NDArray hidden) {
    NDArray head = p(config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
    return hidden.getNDArrayInternal().linear(hidden, head, null).singletonOrThrow();
  }

}
