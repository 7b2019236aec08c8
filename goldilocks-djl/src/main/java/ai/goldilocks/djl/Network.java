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
   * Per-layer cached keys and values, (B, H, T, hd) each. The arrays belong to {@code owner} (the
   * generation's scope) so they outlive each step's scope; every append closes the arrays it
   * replaces, so a generation holds one copy of the cache, not one per step.
   */
  static final class KvCache {
    final NDManager owner;
    final NDArray[] keys;
    final NDArray[] values;
    int length;

    KvCache(NDManager owner, int layers) {
      this.owner = owner;
      keys = new NDArray[layers];
      values = new NDArray[layers];
    }

    /** Appends this step's keys and values of {@code layer}; returns the full (keys, values). */
    NDArray[] append(int layer, NDArray k, NDArray v) {
      NDArray nk = keys[layer] == null ? k : keys[layer].concat(k, 2);
      NDArray nv = values[layer] == null ? v : values[layer].concat(v, 2);
      nk.attach(owner);
      nv.attach(owner);
      if (keys[layer] != null) {
        keys[layer].close();
        values[layer].close();
      }
      keys[layer] = nk;
      values[layer] = nv;
      return new NDArray[] {nk, nv};
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
