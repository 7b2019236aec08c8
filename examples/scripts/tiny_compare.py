"""Side-by-side: the benchmark's small transformer in PyTorch vs `djl-bench` (Goldilocks DJL).

The same network (d_model 128, 2 pre-LayerNorm blocks, 4 heads, fused qkv, exact GELU, FFN 512,
learned positions, tied output embedding, vocabulary 17, 411,264 parameters) and the same work as
`djl-bench`: 8 completions of 64 tokens sampled together from a 12-token prompt with a KV cache and
without one (whole prefix each step), a GRPO-shaped update (128 sequences of up to 18 tokens:
forward, log-softmax, per-token coefficients, backward, global-norm clip 1, AdamW) and a supervised
step (64 sequences). One intra-op thread on both sides (the SDK's default), median of 5, and the two
sides run alternately `--rounds` times (best median kept), because this machine's speed drifts.
Prints one JSON object with both sides and the ratios (DJL speed / PyTorch speed).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F

V, D, L, H, FF, MAXLEN = 17, 128, 2, 4, 512, 96


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Parameter(torch.randn(V, D) * 0.02)
        self.pos = torch.nn.Parameter(torch.randn(MAXLEN, D) * 0.01)
        self.blocks = torch.nn.ModuleList()
        for _ in range(L):
            b = torch.nn.Module()
            b.ln1 = torch.nn.LayerNorm(D)
            b.qkv = torch.nn.Linear(D, 3 * D)
            b.out = torch.nn.Linear(D, D)
            b.ln2 = torch.nn.LayerNorm(D)
            b.fc = torch.nn.Linear(D, FF)
            b.proj = torch.nn.Linear(FF, D)
            self.blocks.append(b)
        self.lnf = torch.nn.LayerNorm(D)

    def forward(self, tokens, offset=0, cache=None):
        b, t = tokens.shape
        x = self.tok[tokens] + self.pos[offset:offset + t]
        hd = D // H
        for i, blk in enumerate(self.blocks):
            q, k, v = blk.qkv(blk.ln1(x)).split(D, dim=2)
            q = q.view(b, t, H, hd).transpose(1, 2)
            k = k.view(b, t, H, hd).transpose(1, 2)
            v = v.view(b, t, H, hd).transpose(1, 2)
            if cache is not None:
                ck, cv = cache[i]
                ck[:, :, offset:offset + t] = k
                cv[:, :, offset:offset + t] = v
                k, v = ck[:, :, :offset + t], cv[:, :, :offset + t]
            s = q @ k.transpose(2, 3) / math.sqrt(hd)
            if t > 1:
                total = offset + t
                mask = torch.full((t, total), float("-inf")).triu(offset + 1)
                s = s + mask
            a = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, D)
            x = x + blk.out(a)
            x = x + blk.proj(F.gelu(blk.fc(blk.ln2(x))))
        return self.lnf(x) @ self.tok.t()


def sample(model, prompt, group, new_tokens, cached, gen):
    tokens = prompt.repeat(group, 1)
    with torch.no_grad():
        if cached:
            hd = D // H
            cache = [(torch.zeros(group, H, prompt.shape[1] + new_tokens, hd), torch.zeros(group, H, prompt.shape[1] + new_tokens, hd))
                     for _ in range(L)]
            logits = model(tokens, 0, cache)[:, -1]
            offset = tokens.shape[1]
            out = []
            for _ in range(new_tokens):
                nxt = torch.multinomial(logits.log_softmax(-1).exp(), 1, generator=gen)
                out.append(nxt)
                logits = model(nxt, offset, cache)[:, -1]
                offset += 1
        else:
            for _ in range(new_tokens):
                logits = model(tokens)[:, -1]
                nxt = torch.multinomial(logits.log_softmax(-1).exp(), 1, generator=gen)
                tokens = torch.cat([tokens, nxt], 1)


def train_step(model, opt, tokens, start, coef):
    logits = model(tokens)[:, :-1]
    lp = logits.log_softmax(-1).gather(-1, tokens[:, 1:].unsqueeze(-1)).squeeze(-1)
    mask = torch.zeros_like(lp)
    for i, s in enumerate(start):
        mask[i, s:] = 1
    loss = (lp * mask * coef).sum()
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


WARMUP_SECONDS = 2.0


def median_ms(fn, repeats, warmup_seconds):
    # untimed repetitions first, as djl-bench does for its JIT: both sides measured in a steady state
    end = time.perf_counter() + warmup_seconds
    fn()
    while time.perf_counter() < end:
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def torch_side(repeats, group, new_tokens, warmup_seconds):
    torch.set_num_threads(1)
    torch.manual_seed(1)
    model = Tiny()
    gen = torch.Generator().manual_seed(1)
    prompt = torch.randint(3, V, (1, 12))
    out = {"parameters": sum(p.numel() for p in model.parameters()), "torch": torch.__version__}
    for cached in (True, False):
        ms = median_ms(lambda: sample(model, prompt, group, new_tokens, cached, gen), repeats, warmup_seconds)
        out["samplingWithCache" if cached else "samplingWithoutCache"] = {"tokensPerSecond": round(group * new_tokens / ms * 1000)}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)
    grpo = torch.randint(3, V, (128, 18))
    coef = torch.where(torch.arange(128).unsqueeze(1) % 2 == 0, 1e-3, -1e-3).expand(128, 17)
    out["grpoStepMillis"] = round(median_ms(lambda: train_step(model, opt, grpo, [9] * 128, coef), repeats, warmup_seconds), 1)
    sft = grpo[:64]
    out["sftStepMillis"] = round(median_ms(lambda: train_step(model, opt, sft, [9] * 64, torch.full((64, 17), -1.0 / (64 * 8))),
                                           repeats, warmup_seconds), 1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--warmup-seconds", type=float, default=WARMUP_SECONDS)
    a = ap.parse_args()
    env = dict(os.environ, DJL_OFFLINE="true", OPT_OUT_TRACKING="true")
    runs = {"pytorch": [], "djl": []}
    for _ in range(a.rounds):
        runs["pytorch"].append(torch_side(a.repeats, 8, 64, a.warmup_seconds))
        runs["djl"].append(json.loads(subprocess.run(["java", "-jar", a.jar, "djl-bench", "--threads", "1", "--repeats", str(a.repeats),
                                                      "--warmup-seconds", str(a.warmup_seconds), "--json"], check=True, capture_output=True, text=True, env=env).stdout))
    summary = {}
    for side, rs in runs.items():
        summary[side] = {
            "samplingWithCacheTokensPerSecond": max(r["samplingWithCache"]["tokensPerSecond"] for r in rs),
            "samplingWithoutCacheTokensPerSecond": max(r["samplingWithoutCache"]["tokensPerSecond"] for r in rs),
            "grpoStepMillis": min(r["grpoStepMillis"] for r in rs),
            "sftStepMillis": min(r["sftStepMillis"] for r in rs),
        }
    p, d = summary["pytorch"], summary["djl"]
    ratios = {
        "samplingWithCache": d["samplingWithCacheTokensPerSecond"] / p["samplingWithCacheTokensPerSecond"],
        "samplingWithoutCache": d["samplingWithoutCacheTokensPerSecond"] / p["samplingWithoutCacheTokensPerSecond"],
        "grpoStep": p["grpoStepMillis"] / d["grpoStepMillis"],
        "sftStep": p["sftStepMillis"] / d["sftStepMillis"],
    }
    print(json.dumps({"threads": 1, "rounds": a.rounds, "warmupSeconds": a.warmup_seconds, "best": summary, "speedRatioDjlOverPytorch":
                      {k: round(v, 2) for k, v in ratios.items()}, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
