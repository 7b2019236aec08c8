package ai.goldilocks.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A language-model network as this module runs it: named parameters as plain NDArrays owned by one
 * manager, a forward pass to hidden states (with an optional KV cache and key-padding mask), and
 * logits. Implementations: {@link Transformer} (this project's small model) and
 * {@link LlamaNetwork} (Llama / Qwen2 checkpoints).
 *
 * <p>Operations must start from an activation created in the caller's scope, never from a
 * parameter, so every intermediate array belongs to the step scope and is freed with it.
 */
abstract class Network implements AutoCloseable {
  final NDManager manager;
  final Map<String, NDArray> params = new LinkedHashMap<>();

  Network(Device device) {
    this.manager = NDManager.newBaseManager(device);
  }

  /**
   * Per-layer cached keys and values, (B, H, capacity, hd) each, of which the first {@link #length}
   * positions are filled. The buffers belong to {@code owner} (the generation's scope) so they
   * outlive each step's scope; the views each step reads belong to that step.
   */
  static final class KvCache {
    final NDManager owner;
    final int capacity;
    final NDArray[] keys;
    final NDArray[] values;
    /** Arrays a network derives once per generation (transposed weights), owned by {@link #owner}. */
    final Map<String, NDArray> constants = new java.util.HashMap<>();
    int length;

    KvCache(NDManager owner, int layers, int capacity) {
      this.owner = owner;
      this.capacity = capacity;
      keys = new NDArray[layers];
      values = new NDArray[layers];
    }

    /**
     * Writes this step's keys and values of {@code layer} (B, H, t, hd) at positions
     * {@code [length, length + t)} of buffers allocated once for the whole capacity, and returns
     * views of the filled part. Nothing is copied but the new entries and no array grows step by
     * step: growing allocations fragment the native heap (glibc keeps the freed, ever larger
     * blocks), which once made a 64-token generation of a 0.5B model hold 6 GB it did not use.
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
      long t = k.getShape().get(2);
      if (length + t > capacity) {
        throw new IllegalStateException("KV cache of " + capacity + " positions cannot take " + t + " more after " + length);
      }
      if (keys[layer] == null) {
        Shape s = new Shape(k.getShape().get(0), k.getShape().get(1), capacity, k.getShape().get(3));
        keys[layer] = owner.zeros(s, k.getDataType());
        values[layer] = owner.zeros(s, v.getDataType());
      }
      write(keys[layer], k, t);
      write(values[layer], v, t);
      NDArray kv = filled(keys[layer], t);
      NDArray vv = filled(values[layer], t);
      kv.attach(k.getManager());
      vv.attach(k.getManager());
      return new NDArray[] {kv, vv};
    }

    /**
     * Writes {@code x} into positions {@code [length, length + t)} of {@code buffer} through a view
     * (a split is one engine call; an indexed assignment is several). The slot still holds the
     * zeros it was allocated with, so adding writes {@code x} exactly.
     */
    private void write(NDArray buffer, NDArray x, long t) {
      try (ai.djl.ndarray.NDList parts = buffer.split(new long[] {length, length + t}, 2)) {
        parts.get(1).addi(x);
      }
    }

    /** A view of positions {@code [0, length + t)} of {@code buffer}. */
    private NDArray filled(NDArray buffer, long t) {
      ai.djl.ndarray.NDList parts = buffer.split(new long[] {length + t}, 2);
      parts.get(1).close();
      return parts.get(0);
    }
  }

  /**
   * Hidden states after the final norm, (B, T, d), for tokens (B, T) at positions
   * {@code [offset, offset + T)}. With a cache, attends to cached keys too and appends to it.
   * {@code keyPadding} (B, offset + T) marks real tokens with 1 and padding with 0, or is null.
   */
  abstract NDArray hidden(NDManager scope, NDArray tokens, int offset, KvCache cache, NDArray keyPadding);

  /** Logits (B, T, V) of hidden states. */
  abstract NDArray logits(NDArray hidden);

  /** Vocabulary size. */
  abstract int vocabSize();

  /** Longest sequence. */
  abstract int maxLength();

  /** Transformer blocks (KV cache entries). */
  abstract int layers();

  /** Width of the hidden states. */
  abstract int width();

  /** The configuration as JSON, written next to the weights as {@code config.json}. */
  abstract String configJson();

  /** A fresh network of the same shape on the same device (weights unspecified), for reference copies. */
  abstract Network sameShape();

  /** Adds a trainable parameter. */
  void addParameter(String name, float[] values, long... shape) {
    add(name, manager.create(values, new Shape(shape)));
  }

  void add(String name, NDArray a) {
    a.setName(name);
    a.setRequiresGradient(true);
    params.put(name, a);
  }

  NDArray p(String name) {
    NDArray a = params.get(name);
    if (a == null) {
      throw new IllegalStateException("no parameter '" + name + "'");
    }
    return a;
  }

  List<NDArray> parameters() {
    return new ArrayList<>(params.values());
  }

  /**
   * (B, T, H * hd) projections as (B, H, T, hd) heads. At one position (a decoding step) the
   * reshape alone gives that order: the transpose would move no element.
   */
  static NDArray heads(NDArray projected, long b, long t, int heads, int hd) {
    return t == 1 ? projected.reshape(b, heads, 1, hd) : projected.reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
  }

  /** The number of parameter values. */
  long parameterCount() {
    long n = 0;
    for (NDArray a : params.values()) {
      n += a.size();
    }
    return n;
  }

  /** Copies values (not gradients) from another network of the same shape. */
  void copyFrom(Network other) {
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      e.getValue().set(other.params.get(e.getKey()).toFloatArray());
    }
  }

  /** An additive attention mask (1, 1, t, total) hiding future keys, or null when t = 1. */
  static NDArray causalMask(NDManager scope, long t, int offset) {
    if (t <= 1) {
      return null;
    }
    long total = offset + t;
    float[] m = new float[(int) (t * total)];
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < total; j++) {
        m[(int) (i * total + j)] = j > offset + i ? -1e9f : 0f;
      }
    }
    return scope.create(m, new Shape(1, 1, t, total));
  }

  /** Adds the key-padding mask (B, total) as an additive (B, 1, 1, total) mask to {@code mask}. */
  static NDArray withPadding(NDArray mask, NDArray keyPadding) {
    if (keyPadding == null) {
      return mask;
    }
    long b = keyPadding.getShape().get(0);
    long total = keyPadding.getShape().get(1);
    NDArray pad = Ops.mul(Ops.add(keyPadding.toType(ai.djl.ndarray.types.DataType.FLOAT32, false), -1f), 1e9f).reshape(b, 1, 1, total);
    return mask == null ? pad : pad.add(mask);
  }

  @Override
  public void close() {
    manager.close();
  }
}
