"""Side-by-side: transformers (PyTorch) vs Goldilocks (DJL) on the same Qwen2.5-0.5B-shaped checkpoint.

Run by hf-compare.sh, which makes the virtual environment. Writes a random checkpoint with the
examples jar (`random-checkpoint --shape qwen2.5-0.5b`: BF16, 4 shards), then measures each side in
its own fresh process, F32 compute, the same thread count, the same 32-token prompt, 64 sampled
tokens (no early stop), and prints one JSON object with both sides and the ratios (DJL / transformers).
Each process times `--repeats` generations per group size and keeps the fastest; the two sides run
alternately `--rounds` times (this machine's speed drifts by tens of percent within minutes), and
the ratios are given per round and best against best (least time and memory, most tokens/s).
Nothing is downloaded: the checkpoint is generated, the tokenizer is not needed (token ids are fed).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return -1


def transformers_side(checkpoint, threads, new_tokens, group, repeats):
    import torch
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(threads)
    rss0 = status("VmRSS:")
    t0 = time.time()
    model = AutoModelForCausalLM.from_pretrained(checkpoint, dtype=torch.float32)
    model.eval()
    out = {"loadSeconds": round(time.time() - t0, 2), "rssBytesAfterLoad": status("VmRSS:"),
           "rssBytesAddedByModel": status("VmRSS:") - rss0}
    prompt = torch.tensor([[3 + i % 14 for i in range(32)]])
    kwargs = dict(do_sample=True, temperature=1.0, top_p=1.0, top_k=0, pad_token_id=0)
    with torch.no_grad():
        model.generate(prompt.repeat(group, 1), max_new_tokens=4, min_new_tokens=4, **kwargs)  # warm-up
        for g in (1, group):
            times = []
            for _ in range(repeats):
                torch.manual_seed(1)
                t1 = time.time()
                r = model.generate(prompt.repeat(g, 1), max_new_tokens=new_tokens, min_new_tokens=new_tokens, **kwargs)
                times.append(time.time() - t1)
            sec = min(times)
            out["generateGroup%d" % g] = {"seconds": round(sec, 2),
                                          "tokensPerSecond": round(g * (r.shape[1] - prompt.shape[1]) / sec, 1),
                                          "allSeconds": [round(t, 2) for t in times]}
    out["rssBytesAfterSampling"] = status("VmRSS:")
    out["rssBytesHighWater"] = status("VmHWM:")
    out["versions"] = {"torch": torch.__version__, "transformers": __import__("transformers").__version__}
    return out


RATIOS_LOWER_IS_BETTER = ("loadSeconds", "rssBytesAfterLoad", "rssBytesHighWater", "rssBytesAfterSampling")


def ratios(djl, hf, group):
    """DJL / transformers for every measure; tokens/s above 1 and the others below 1 favour DJL."""
    out = {k: djl[k] / hf[k] for k in RATIOS_LOWER_IS_BETTER}
    for g in (1, group):
        key = "generateGroup%d" % g
        out["tokensPerSecondGroup%d" % g] = djl[key]["tokensPerSecond"] / hf[key]["tokensPerSecond"]
    return {k: round(v, 2) for k, v in out.items()}


def best(runs, group):
    """Per measure the best value over the rounds: least seconds and bytes, most tokens/s."""
    b = {k: min(r[k] for r in runs) for k in RATIOS_LOWER_IS_BETTER}
    for g in (1, group):
        key = "generateGroup%d" % g
        b[key] = {"tokensPerSecond": max(r[key]["tokensPerSecond"] for r in runs)}
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--group-size", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2, help="generations timed per group size in each process (fastest kept)")
    ap.add_argument("--rounds", type=int, default=2, help="times each side runs, alternately")
    ap.add_argument("--side", choices=["transformers"], help=argparse.SUPPRESS)
    ap.add_argument("--checkpoint", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.side == "transformers":
        print(json.dumps(transformers_side(a.checkpoint, a.threads, a.new_tokens, a.group_size, a.repeats)))
        return
    env = dict(os.environ, DJL_OFFLINE="true", OPT_OUT_TRACKING="true")
    runs = {"transformers": [], "goldilocksDjl": []}
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = os.path.join(tmp, "qwen2.5-0.5b-random")
        subprocess.run(["java", "-jar", a.jar, "random-checkpoint", "--shape", "qwen2.5-0.5b", "--out", ckpt],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        for _ in range(a.rounds):
            runs["transformers"].append(json.loads(subprocess.run(
                [sys.executable, __file__, "--jar", a.jar, "--side", "transformers", "--checkpoint", ckpt,
                 "--threads", str(a.threads), "--new-tokens", str(a.new_tokens), "--group-size", str(a.group_size),
                 "--repeats", str(a.repeats)],
                check=True, capture_output=True, text=True).stdout))
            runs["goldilocksDjl"].append(json.loads(subprocess.run(
                ["java", "-Dai.djl.pytorch.num_threads=%d" % a.threads, "-jar", a.jar, "hf-bench", "--checkpoint", ckpt,
                 "--new-tokens", str(a.new_tokens), "--group-size", str(a.group_size), "--repeats", str(a.repeats),
                 "--json"],
                check=True, capture_output=True, text=True, env=env).stdout))
    hf, djl = runs["transformers"], runs["goldilocksDjl"]
    print(json.dumps({"threads": a.threads, "newTokens": a.new_tokens, "groupSize": a.group_size, "rounds": a.rounds,
                      "repeats": a.repeats, "transformers": hf, "goldilocksDjl": djl,
                      "ratioDjlOverTransformersPerRound": [ratios(d, h, a.group_size) for d, h in zip(djl, hf)],
                      "ratioDjlOverTransformersBest": ratios(best(djl, a.group_size), best(hf, a.group_size), a.group_size)},
                     indent=2))


if __name__ == "__main__":
    main()
