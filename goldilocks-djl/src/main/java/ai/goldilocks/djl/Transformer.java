package ai.goldilocks.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.goldilocks.core.internal.Rng;

/**
 * The network shared by the policy (causal) and the teacher (bidirectional): parameters as plain
 * NDArrays owned by one manager, the forward pass written with NDArray operations, and a KV cache.
 *
 * <p>Operations always start from an activation (created in the caller's step manager), never from
 * a parameter, so every intermediate array belongs to the step scope and is freed with it.
 */
final class Transformer extends Network {
  /** Vocabularies up to this size embed through a one-hot product (bit-reproducible training). */
  static final int ONE_HOT_VOCAB = 4096;
  final TransformerConfig config;
  private final boolean causal;

  Transformer(TransformerConfig config, boolean causal, Device device, long seed) {
    super(device);
    this.config = config;
    this.causal = causal;
    Rng rng = new Rng(seed);
    int d = config.dModel();
    add("tok_emb", normal(rng, 0.02, config.vocabSize(), d));
    add("pos_emb", normal(rng, 0.01, config.maxLength(), d));
    double resid = 0.02 / Math.sqrt(2.0 * config.layers());
    for (int l = 0; l < config.layers(); l++) {
      String p = "blocks." + l + ".";
      add(p + "ln1.weight", full(1f, d));
      add(p + "ln1.bias", full(0f, d));
      add(p + "attn.qkv.weight", normal(rng, 0.02, d, 3 * d));
      add(p + "attn.qkv.bias", full(0f, 3 * d));
      add(p + "attn.out.weight", normal(rng, resid, d, d));
      add(p + "attn.out.bias", full(0f, d));
      add(p + "ln2.weight", full(1f, d));
      add(p + "ln2.bias", full(0f, d));
      add(p + "mlp.fc.weight", normal(rng, 0.02, d, config.ffn()));
      add(p + "mlp.fc.bias", full(0f, config.ffn()));
      add(p + "mlp.proj.weight", normal(rng, resid, config.ffn(), d));
      add(p + "mlp.proj.bias", full(0f, d));
    }
    add("ln_f.weight", full(1f, d));
    add("ln_f.bias", full(0f, d));
  }

  @Override
  int vocabSize() {
    return config.vocabSize();
  }

  @Override
  int maxLength() {
    return config.maxLength();
  }

  @Override
  int layers() {
    return config.layers();
  }

  @Override
  int width() {
    return config.dModel();
  }

  @Override
  String configJson() {
    com.google.gson.JsonObject cfg = new com.google.gson.Gson().toJsonTree(config).getAsJsonObject();
    cfg.addProperty("architecture", "goldilocks-transformer");
    return cfg.toString();
  }

  @Override
  Network sameShape() {
    return new Transformer(config, causal, manager.getDevice(), 0);
  }

  private NDArray normal(Rng rng, double std, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rng.nextGaussian() * std);
    }
    long[] sh = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      sh[i] = shape[i];
    }
    return manager.create(v, new Shape(sh));
  }

  private NDArray full(float value, int n) {
    return manager.full(new Shape(n), value, DataType.FLOAT32);
  }

  /**
   * Hidden states after the final LayerNorm, (B, T, d), for tokens (B, T) at positions
   * {@code [offset, offset + T)}. With a cache, attends to cached keys too and appends to it.
   */
  @Override
  NDArray hidden(NDManager scope, NDArray tokens, int offset, KvCache cache, NDArray keyPadding) {
    long b = tokens.getShape().get(0);
    long t = tokens.getShape().get(1);
    if (offset + t > config.maxLength()) {
      throw new IllegalArgumentException("sequence of " + (offset + t) + " tokens exceeds maxLength " + config.maxLength());
    }
    int d = config.dModel();
    int h = config.heads();
    int hd = d / h;
    NDArray x;
    if (!DjlEngine.recordsGradients()) {
      // no backward pass: one lookup, the same values as the one-hot product (a sum of exact zeros and one row)
      x = ai.djl.nn.core.Embedding.embedding(tokens, p("tok_emb"), ai.djl.ndarray.types.SparseFormat.DENSE).singletonOrThrow();
    } else if (config.vocabSize() <= ONE_HOT_VOCAB) {
      // a one-hot product: its backward is a matrix product, deterministic under several threads,
      // unlike the scatter-add behind an index lookup's backward
      x = tokens.oneHot(config.vocabSize()).toType(DataType.FLOAT32, false).matMul(p("tok_emb"));
    } else {
      x = p("tok_emb").get(scope, new NDIndex("{}", tokens.reshape(-1))).reshape(b, t, d);
    }
    x = x.add(p("pos_emb").get(scope, new NDIndex().addSliceDim(offset, offset + t)));
    long total = offset + t;
    NDArray mask = withPadding(causal ? causalMask(scope, t, offset) : null, keyPadding);
    NDArray scale = Ops.constant(x, (float) (1.0 / Math.sqrt(hd)));
    for (int l = 0; l < config.layers(); l++) {
      String pre = "blocks." + l + ".";
      NDArray a = layerNorm(x, p(pre + "ln1.weight"), p(pre + "ln1.bias"));
      NDArray qkv = dense(a, pre + "attn.qkv", cache);
      NDList parts = qkv.split(3, 2);
      NDArray q = heads(parts.get(0), b, t, h, hd);
      NDArray k = heads(parts.get(1), b, t, h, hd);
      NDArray v = heads(parts.get(2), b, t, h, hd);
      if (cache != null) {
        NDArray[] kv = cache.append(l, k, v);
        k = kv[0];
        v = kv[1];
      }
      NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);
      if (mask != null) {
        scores = scores.add(mask);
      }
      NDArray perHead = scores.softmax(-1).matMul(v);
      // one position (a decoding step): (B, H, 1, hd) holds its values in (B, 1, H, hd) order already
      NDArray att = (t == 1 ? perHead : perHead.transpose(0, 2, 1, 3)).reshape(b, t, d);
      x = x.add(dense(att, pre + "attn.out", cache));
      NDArray m2 = layerNorm(x, p(pre + "ln2.weight"), p(pre + "ln2.bias"));
      NDArray f = gelu(dense(m2, pre + "mlp.fc", cache));
      x = x.add(dense(f, pre + "mlp.proj", cache));
    }
    if (cache != null) {
      cache.length = (int) total;
    }
    return layerNorm(x, p("ln_f.weight"), p("ln_f.bias"));
  }

  /**
   * x W + b for the layer {@code name}. While decoding with a cache, one fused engine call on the
   * weight's transpose, made once per generation and kept in the cache; otherwise a product and a
   * sum (the training path).
   */
  private NDArray dense(NDArray x, String name, KvCache cache) {
    if (cache == null) {
      return x.matMul(p(name + ".weight")).add(p(name + ".bias"));
    }
    NDArray wt = cache.constants.computeIfAbsent(name, n -> {
      NDArray t = p(n + ".weight").transpose();
      t.attach(cache.owner);
      return t;
    });
    return ai.djl.nn.core.Linear.linear(x, wt, p(name + ".bias")).singletonOrThrow();
  }

  /** Logits (B, T, V) through the tied embedding. */
  @Override
  NDArray logits(NDArray hidden) {
    if (!DjlEngine.recordsGradients()) {
      // (V, d) is the layout a linear layer's weight has: one engine call
      return ai.djl.nn.core.Linear.linear(hidden, p("tok_emb")).singletonOrThrow();
    }
    NDArray embT = p("tok_emb").transpose();
    embT.attach(hidden.getManager());
    return hidden.matMul(embT);
  }

  /** LayerNorm over the last axis, one fused engine call (eps 1e-5). */
  static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, gamma.getShape(), gamma, beta, 1e-5f).singletonOrThrow();
  }

  /** Exact (erf) GELU, one fused engine call. */
  static NDArray gelu(NDArray x) {
    return ai.djl.nn.Activation.gelu(x);
  }

}
