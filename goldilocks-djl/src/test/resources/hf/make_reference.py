#!/usr/bin/env python3
"""Independent reference for the Llama/Qwen2 implementation in goldilocks-djl.

Writes tiny random checkpoints in the exact Hugging Face layout (config.json + safetensors, one of
them sharded with an index) and the logits of a fixed token sequence, computed here with numpy
from the architecture's definition (RMSNorm, rotary embeddings with rotate_half, grouped-query
attention, SwiGLU, optional q/k/v biases, tied or untied embeddings). Run once; the Java test
compares against the stored values:

    python3 make_reference.py   (from this directory; needs numpy only)
"""
import json
import os
import struct

import numpy as np

TOKENS = [3, 17, 42, 5, 9, 63, 0, 28, 11, 50]


def write_safetensors(path, tensors):
    header = {}
    offset = 0
    blobs = []
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def inv_freq(cfg, head_dim):
    theta = cfg.get("rope_theta", 10000.0)
    freq = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    scaling = cfg.get("rope_scaling")
    if scaling:
        kind = scaling.get("rope_type", scaling.get("type"))
        if kind == "linear":
            freq = freq / scaling["factor"]
        elif kind == "llama3":
            factor = scaling["factor"]
            low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
            old = scaling["original_max_position_embeddings"]
            low_wavelen, high_wavelen = old / low, old / high
            out = []
            for f in freq:
                wavelen = 2 * np.pi / f
                if wavelen < high_wavelen:
                    out.append(f)
                elif wavelen > low_wavelen:
                    out.append(f / factor)
                else:
                    smooth = (old / wavelen - low) / (high - low)
                    out.append((1 - smooth) * f / factor + smooth * f)
            freq = np.array(out)
        elif kind == "yarn":
            factor = scaling["factor"]
            old = scaling.get("original_max_position_embeddings", cfg["max_position_embeddings"])
            beta_fast, beta_slow = scaling.get("beta_fast", 32), scaling.get("beta_slow", 1)

            def correction_dim(rotations):
                return head_dim * np.log(old / (rotations * 2 * np.pi)) / (2 * np.log(theta))

            low = max(np.floor(correction_dim(beta_fast)), 0)
            high = min(np.ceil(correction_dim(beta_slow)), head_dim - 1)
            if low == high:
                high += 0.001
            ramp = np.clip((np.arange(head_dim // 2) - low) / (high - low), 0, 1)
            extrapolation = 1 - ramp
            freq = freq / factor * (1 - extrapolation) + freq * extrapolation
        else:
            raise ValueError(kind)
    return freq


def attention_factor(cfg):
    scaling = cfg.get("rope_scaling")
    if scaling and scaling.get("rope_type", scaling.get("type")) == "yarn" and scaling["factor"] > 1:
        return 0.1 * np.log(scaling["factor"]) + 1
    return 1.0


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(cfg, w, tokens):
    d = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg["num_key_value_heads"]
    hd = d // nh
    eps = cfg["rms_norm_eps"]
    t = len(tokens)
    x = w["model.embed_tokens.weight"][tokens].astype(np.float64)
    freq = inv_freq(cfg, hd)
    ang = np.outer(np.arange(t, dtype=np.float64), freq)
    emb = np.concatenate([ang, ang], axis=-1)
    cos, sin = np.cos(emb) * attention_factor(cfg), np.sin(emb) * attention_factor(cfg)
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)

        def proj(name, inp):
            y = inp @ w[p + name + ".weight"].T
            if (p + name + ".bias") in w:
                y = y + w[p + name + ".bias"]
            return y

        q = proj("self_attn.q_proj", h).reshape(t, nh, hd).transpose(1, 0, 2)
        k = proj("self_attn.k_proj", h).reshape(t, nkv, hd).transpose(1, 0, 2)
        v = proj("self_attn.v_proj", h).reshape(t, nkv, hd).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = nh // nkv
        k = np.repeat(k, rep, axis=0)
        v = np.repeat(v, rep, axis=0)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + mask
        s = np.exp(s - s.max(-1, keepdims=True))
        s = s / s.sum(-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(t, nh * hd)
        x = x + proj("self_attn.o_proj", a)
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = proj("mlp.gate_proj", h)
        u = proj("mlp.up_proj", h)
        x = x + proj("mlp.down_proj", (g / (1 + np.exp(-g))) * u)
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def make(name, cfg, seed, shards):
    rng = np.random.default_rng(seed)
    d, inter, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = d // nh
    bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)
    w = {"model.embed_tokens.weight": rng.normal(0, 0.3, (v, d))}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = 1 + rng.normal(0, 0.1, d)
        w[p + "self_attn.q_proj.weight"] = rng.normal(0, 0.2, (nh * hd, d))
        w[p + "self_attn.k_proj.weight"] = rng.normal(0, 0.2, (nkv * hd, d))
        w[p + "self_attn.v_proj.weight"] = rng.normal(0, 0.2, (nkv * hd, d))
        if bias:
            w[p + "self_attn.q_proj.bias"] = rng.normal(0, 0.1, nh * hd)
            w[p + "self_attn.k_proj.bias"] = rng.normal(0, 0.1, nkv * hd)
            w[p + "self_attn.v_proj.bias"] = rng.normal(0, 0.1, nkv * hd)
        if cfg.get("attention_bias", False):
            w[p + "self_attn.o_proj.bias"] = rng.normal(0, 0.1, d)
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, 0.2, (d, nh * hd))
        w[p + "post_attention_layernorm.weight"] = 1 + rng.normal(0, 0.1, d)
        w[p + "mlp.gate_proj.weight"] = rng.normal(0, 0.2, (inter, d))
        w[p + "mlp.up_proj.weight"] = rng.normal(0, 0.2, (inter, d))
        w[p + "mlp.down_proj.weight"] = rng.normal(0, 0.2, (d, inter))
    w["model.norm.weight"] = 1 + rng.normal(0, 0.1, d)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = rng.normal(0, 0.3, (v, d))
    w = {k: val.astype(np.float32) for k, val in w.items()}
    os.makedirs(name, exist_ok=True)
    with open(os.path.join(name, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    names = list(w)
    if shards == 1:
        write_safetensors(os.path.join(name, "model.safetensors"), w)
    else:
        per = (len(names) + shards - 1) // shards
        weight_map = {}
        for s in range(shards):
            fname = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
            part = {k: w[k] for k in names[s * per:(s + 1) * per]}
            write_safetensors(os.path.join(name, fname), part)
            weight_map.update({k: fname for k in part})
        with open(os.path.join(name, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": sum(a.nbytes for a in w.values())}, "weight_map": weight_map}, f, indent=2)
    logits = forward(cfg, {k: val.astype(np.float64) for k, val in w.items()}, TOKENS)
    with open(os.path.join(name, "golden-logits.json"), "w") as f:
        json.dump({"tokens": TOKENS, "logits": [[round(float(x), 7) for x in row] for row in logits]}, f)


if __name__ == "__main__":
    base = {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "vocab_size": 64, "max_position_embeddings": 128, "rms_norm_eps": 1e-6}
    make("tiny-qwen2", dict(base, model_type="qwen2", architectures=["Qwen2ForCausalLM"], rope_theta=1000000.0,
                            tie_word_embeddings=True, rope_scaling=None), 1, 1)
    make("tiny-qwen2-yarn", dict(base, model_type="qwen2", architectures=["Qwen2ForCausalLM"], rope_theta=10000.0,
                                 tie_word_embeddings=True, rope_scaling={"type": "yarn", "factor": 4.0,
                                                                         "original_max_position_embeddings": 32}), 3, 1)
    make("tiny-llama", dict(base, model_type="llama", architectures=["LlamaForCausalLM"], rope_theta=500000.0,
                            tie_word_embeddings=False, attention_bias=False,
                            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                          "high_freq_factor": 4.0, "original_max_position_embeddings": 16}), 2, 2)
