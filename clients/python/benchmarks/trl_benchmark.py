"""The `benchmark` task trained through TRL's GRPOTrainer: uniform (TRL's own sampler) against the
Goldilocks service, at the same rollout budget, measured as the Java `benchmark` measures.

One command (see clients/python/benchmarks/README.md):

    clients/python/.venv/bin/python clients/python/benchmarks/trl_benchmark.py --seeds 1

What it does, per seed:
1. `java -jar examples/target/goldilocks-examples.jar benchmark-export`: the pool, the held-out set,
   the stage-2 probe and the warm start's batches from the Java generator (one generator for both).
2. A supervised warm start in PyTorch of a GPT-2-shaped causal LM of the benchmark's size (d_model 128,
   2 layers, 4 heads, FFN 512) over a character tokenizer built here, with the two-stage recipe and
   stopping rule of `benchmark` (their constants are read from the export's manifest.json), cached
   under a hash of the recipe.
3. TRL's GRPOTrainer from those weights under each arm (B 16 x G 8, 600 steps): `uniform`
   (TRL's RepeatSampler), `goldilocks` (the service, default teacher), `goldilocks-djl`
   (`--teacher djl`), optionally `oracle` (picks by the live policy's exact p; an upper bound).
4. Every 20 steps the exact held-out mean p (teacher-forced), per band and overall; zero-variance
   share of groups (TRL's frac_reward_zero_std); updates to reach uniform's final; rollouts; wall
   time split into TRL's step and the service calls. JSON, JSONL curves and PNG plots.

Two ranks: ACCELERATE_USE_CPU=1 accelerate launch --multi_gpu --num_processes 2 --num_machines 1
--mixed_precision no --dynamo_backend no --main_process_port PORT clients/python/benchmarks/trl_benchmark.py ...
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # goldilocks_client from this checkout
REPO = HERE.parents[2]

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast, TrainerCallback  # noqa: E402
from transformers.trainer_callback import PrinterCallback, ProgressCallback  # noqa: E402

import trl  # noqa: E402
from goldilocks_client import GoldilocksClient  # noqa: E402
from goldilocks_client.trl import GoldilocksGRPOTrainer, goldilocks_reward  # noqa: E402

ARMS = ["uniform", "goldilocks", "goldilocks-djl", "oracle"]
# bumped whenever the warm start's code changes, so that a stale cache entry is never reused
WARM_RECIPE = "py-two-stage-v2-djl-recipe"
EXPORT_FORMAT = 1
# goldilocks-djl's Transformer initialises its learned positions with this standard deviation
POSITION_INIT_STD = 0.01


# ----------------------------------------------------------------------------- ranks

def world() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def is_main() -> bool:
    return rank() == 0


def barrier() -> None:
    if world() > 1 and torch.distributed.is_initialized():
        torch.distributed.barrier()


def broadcast(value: Any) -> Any:
    """The main process's value on every rank."""
    if world() == 1:
        return value
    box = [value if is_main() else None]
    torch.distributed.broadcast_object_list(box, src=0)
    return box[0]


def log(msg: str) -> None:
    if is_main():
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------------- data (from the Java side)

def export(jar: Path, seed: int, out: Path, quick: bool) -> Dict[str, Any]:
    """The seed's questions, written by `benchmark-export` (reused when the same arguments wrote them)."""
    args = ["benchmark-export", "--seed", str(seed), "--out", str(out)]
    if quick:
        args += ["--pool-size", "600", "--held-out", "120", "--warmup-steps", "150,100"]
    stamp = out / "export-args.json"
    if not (stamp.is_file() and json.loads(stamp.read_text()) == args and (out / "manifest.json").is_file()):
        if not jar.is_file():
            raise SystemExit(f"{jar} is missing: build it with ./mvnw -B -q -o -pl examples -am -DskipTests package")
        subprocess.run(["java", "-jar", str(jar), *args], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, DJL_OFFLINE="true"))
        stamp.write_text(json.dumps(args))
    manifest = json.loads((out / "manifest.json").read_text())
    if manifest.get("format") != EXPORT_FORMAT:
        raise SystemExit(f"{out}/manifest.json has format {manifest.get('format')}, this program reads {EXPORT_FORMAT}")
    return manifest


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ----------------------------------------------------------------------------- tokenizer and model

class CharCodec:
    """The benchmark's character vocabulary: 0 padding, 1 end of sequence, 2 unknown, then the alphabet."""

    def __init__(self, tok: Dict[str, Any]):
        self.alphabet = tok["alphabet"]
        self.pad, self.eos, self.unk = tok["padId"], tok["eosId"], tok["unkId"]
        self.vocab = {"<pad>": self.pad, "<eos>": self.eos, "<unk>": self.unk}
        for i, ch in enumerate(self.alphabet):
            self.vocab[ch] = 3 + i
        if len(self.vocab) != tok["vocabSize"]:
            raise ValueError(f"vocabulary of {len(self.vocab)} tokens, the export says {tok['vocabSize']}")

    def encode(self, text: str) -> List[int]:
        return [self.vocab.get(ch, self.unk) for ch in text]

    def hf_tokenizer(self) -> PreTrainedTokenizerFast:
        """The same vocabulary as a transformers tokenizer (built here, nothing downloaded), for TRL."""
        t = Tokenizer(models.WordLevel(vocab=dict(self.vocab), unk_token="<unk>"))
        t.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
        t.decoder = decoders.Fuse()
        return PreTrainedTokenizerFast(tokenizer_object=t, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")


class CharLM(GPT2LMHeadModel):
    """GPT-2 (pre-LayerNorm, learned positions, tied output embedding: the Java policy's shape, with
    its exact GELU and its initialisation, see `new_model`) whose positions count only the attended tokens. GPT-2 numbers positions 0..T-1 when given none, so the
    left-padded prompts that TRL scores would sit at other positions than where generation (which
    derives them from the attention mask) and the warm start put them."""

    def forward(self, input_ids=None, past_key_values=None, attention_mask=None, position_ids=None,
                logits_to_keep=0, **kwargs):
        if position_ids is None and attention_mask is not None and attention_mask.dim() == 2 and input_ids is not None:
            pos = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
            position_ids = pos[:, -input_ids.shape[1]:]
        return super().forward(input_ids=input_ids, past_key_values=past_key_values, attention_mask=attention_mask,
                               position_ids=position_ids, logits_to_keep=logits_to_keep, **kwargs)


def new_model(manifest: Dict[str, Any], seed: int) -> CharLM:
    m, tok = manifest["model"], manifest["tokenizer"]
    config = GPT2Config(vocab_size=tok["vocabSize"], n_positions=m["maxLength"], n_embd=m["dModel"], n_layer=m["layers"],
                        n_head=m["heads"], n_inner=m["ffn"], resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        bos_token_id=tok["eosId"], eos_token_id=tok["eosId"], pad_token_id=tok["padId"],
                        tie_word_embeddings=True, activation_function="gelu", layer_norm_epsilon=1e-5,
                        initializer_range=0.02)
    torch.manual_seed(seed)
    model = CharLM(config)
    # The Java policy (goldilocks-djl Transformer) draws every weight from N(0, 0.02), the two
    # residual projections of a block from N(0, 0.02 / sqrt(2 layers)) (as GPT-2's init does), but
    # the learned positions from N(0, 0.01); GPT-2 would draw them from N(0, 0.02).
    with torch.no_grad():
        model.transformer.wpe.weight.normal_(0.0, POSITION_INIT_STD)
    return model


# ----------------------------------------------------------------------------- the exact metric

def batch_tensors(codec: CharCodec, prompts: List[str], targets: List[str]):
    """Right-padded prompt + target + end marker, and a mask of the completion tokens (the loss's)."""
    seqs, comp = [], []
    for p, t in zip(prompts, targets):
        pi, ti = codec.encode(p), codec.encode(t) + [codec.eos]
        seqs.append(pi + ti)
        comp.append([0] * len(pi) + [1] * len(ti))
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), codec.pad, dtype=torch.long)
    att = torch.zeros((len(seqs), width), dtype=torch.long)
    cm = torch.zeros((len(seqs), width), dtype=torch.float32)
    for i, (s, c) in enumerate(zip(seqs, comp)):
        ids[i, :len(s)] = torch.tensor(s)
        att[i, :len(s)] = 1
        cm[i, :len(c)] = torch.tensor(c, dtype=torch.float32)
    return ids, att, cm


def completion_logprobs(model, ids, att, cm):
    """Per-token log-probabilities (temperature 1) of the tokens under the completion mask."""
    logits = model(input_ids=ids, attention_mask=att).logits[:, :-1].float()
    lp = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    return lp * cm[:, 1:], cm[:, 1:]


@torch.no_grad()
def exact_p(model, codec: CharCodec, rows: List[Dict[str, Any]], chunk: int = 512) -> List[float]:
    """The probability that a temperature-1 sample is exactly the target and the end marker: one
    teacher-forced pass, exp(sum of the completion tokens' log-probabilities)."""
    was = model.training
    model.eval()
    out: List[float] = []
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        ids, att, cm = batch_tensors(codec, [r["text"] for r in part], [r["target"] for r in part])
        lp, _ = completion_logprobs(model, ids, att, cm)
        out.extend(torch.exp(lp.sum(-1).double()).tolist())
    model.train(was)
    return out


@torch.no_grad()
def sampled_accuracy(model, codec: CharCodec, rows: List[Dict[str, Any]], samples: int, greedy: bool, seed: int,
                     max_new: int) -> float:
    """Fraction of sampled (or greedy) completions equal to the target followed by the end marker."""
    was = model.training
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    by_len: Dict[int, List[Dict[str, Any]]] = {}
    for r in rows:
        by_len.setdefault(len(r["text"]), []).append(r)
    right = total = 0
    for length in sorted(by_len):
        same = by_len[length]
        ids = torch.tensor([codec.encode(r["text"]) for r in same for _ in range(samples)])
        done = torch.zeros(ids.shape[0], dtype=torch.bool)
        out = []
        for _ in range(max_new):
            logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[:, -1].float()
            nxt = logits.argmax(-1) if greedy else torch.multinomial(torch.softmax(logits, -1), 1, generator=gen).squeeze(-1)
            nxt = torch.where(done, torch.full_like(nxt, codec.pad), nxt)
            out.append(nxt)
            done |= nxt == codec.eos
            ids = torch.cat([ids, nxt.unsqueeze(-1)], dim=1)
            if bool(done.all()):
                break
        gen_ids = torch.stack(out, 1).tolist()
        for k, g in enumerate(gen_ids):
            want = codec.encode(same[k // samples]["target"]) + [codec.eos]
            right += int(g[:len(want)] == want)
            total += 1
    model.train(was)
    return right / max(1, total)


def per_band(rows: List[Dict[str, Any]], n: int) -> List[Dict[str, Any]]:
    taken: Dict[int, int] = {}
    out = []
    for r in rows:
        if taken.get(r["digits"], 0) < n:
            taken[r["digits"]] = taken.get(r["digits"], 0) + 1
            out.append(r)
    return out


def evaluate(model, codec: CharCodec, rows: List[Dict[str, Any]], manifest: Dict[str, Any], full: bool) -> Dict[str, Any]:
    """Held-out evaluation as `benchmark`'s: exact mean p overall and per digit band, the hard bands'
    mean, the weakest easy band; with `full` also greedy accuracy (100 per band) and mean@8 (50 per band)."""
    ps = exact_p(model, codec, rows)
    easy, maxd = manifest["easyBands"], manifest["maxDigits"]
    band: Dict[int, List[float]] = {d: [] for d in range(1, maxd + 1)}
    for r, p in zip(rows, ps):
        band[r["digits"]].append(p)
    hard = [p for d in range(easy + 1, maxd + 1) for p in band[d]]
    m: Dict[str, Any] = {"meanP": sum(ps) / len(ps)}
    m["meanPByBand"] = {str(d): (round(sum(v) / len(v), 5) if v else None) for d, v in band.items()}
    m["hardMeanP"] = sum(hard) / len(hard) if hard else None
    m["easyBandMin"] = min(sum(band[d]) / len(band[d]) for d in range(1, easy + 1) if band[d])
    if full:
        max_new = manifest["grpo"]["maxNewTokens"]
        m["greedyAccuracy"] = round(sampled_accuracy(model, codec, per_band(rows, 100), 1, True, 17, max_new), 4)
        m["meanAt8"] = round(sampled_accuracy(model, codec, per_band(rows, 50), 8, False, 17, max_new), 4)
    return m


def mixed_chance(p: float, g: int) -> float:
    return 1 - p ** g - (1 - p) ** g


def frontier(model, codec: CharCodec, rows: List[Dict[str, Any]], g: int = 16) -> Dict[str, Any]:
    """Expected share of mixed groups at G and pass@G - mean@G over pool questions, from the exact p."""
    ps = exact_p(model, codec, rows)
    return {"questions": len(ps), "groupSize": g,
            "mixedFraction": round(sum(mixed_chance(p, g) for p in ps) / len(ps), 4),
            "passAtGMinusMeanAtG": round(sum(1 - (1 - p) ** g - p for p in ps) / len(ps), 4)}


# ----------------------------------------------------------------------------- the warm start

def schedule(step: int, total: int, peak: float, floor: float, warmup: int) -> float:
    """Linear warm-up to `peak` over `warmup` steps, then cosine decay to `floor` (ArmRun.schedule)."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * progress))


def supervised_stage(model, codec: CharCodec, batches: Path, steps: int, peak: float, floor: float,
                     stop=None, label: str = "warm start") -> int:
    """`steps` supervised steps on the exported batches (loss: mean NLL of the answer and end-marker
    tokens), AdamW (no weight decay), gradient clip 1; `stop(done)` may end it early. Returns steps run."""
    # the Java policy's AdamW: betas 0.9 / 0.999, eps 1e-8, no weight decay (torch's defaults but the
    # decay); foreach only batches the same arithmetic over the parameters
    opt = torch.optim.AdamW(model.parameters(), lr=peak, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, foreach=True)
    warmup = min(50, steps // 4 + 1)
    model.train()
    t0 = time.perf_counter()
    done = 0
    with open(batches, encoding="utf-8") as f:
        for s in range(steps):
            line = f.readline()
            if not line:
                raise SystemExit(f"{batches} has fewer than {steps} batches")
            row = json.loads(line)
            for g in opt.param_groups:
                g["lr"] = schedule(s, steps, peak, floor, warmup)
            ids, att, cm = batch_tensors(codec, row["prompts"], row["targets"])
            lp, mask = completion_logprobs(model, ids, att, cm)
            loss = -lp.sum() / mask.sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            done = s + 1
            if done % 200 == 0 or done == steps:
                rate = done / (time.perf_counter() - t0)
                log(f"{label}: {done}/{steps} steps, nll {loss.item():.3f}, {rate:.0f} steps/s")
            if stop is not None and stop(done):
                break
    return done


def warm_start(manifest: Dict[str, Any], data: Path, cache: Path, seed: int) -> tuple:
    """The two-stage warm start of `benchmark`, cached under the hash of its whole recipe."""
    codec = CharCodec(manifest["tokenizer"])
    w = manifest["warmStart"]
    recipe = json.dumps({"recipe": WARM_RECIPE, "seed": seed, "model": manifest["model"], "tokenizer": manifest["tokenizer"],
                         "warmStart": w, "maxDigits": manifest["maxDigits"], "easyBands": manifest["easyBands"],
                         "stage1": file_sha(data / "warm-stage1.jsonl"), "stage2": file_sha(data / "warm-stage2.jsonl"),
                         "probe": file_sha(data / "probe.jsonl"), "torch": torch.__version__}, sort_keys=True)
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    target = cache / f"warmstart-{key}"
    if (target / "model.pt").is_file() and (target / "recipe.json").is_file() and (target / "recipe.json").read_text() == recipe:
        log(f"warm start from the cache: {target}")
        details = json.loads((target / "details.json").read_text())
        details["cached"] = True
        return target / "model.pt", details
    t0 = time.perf_counter()
    model = new_model(manifest, seed)
    supervised_stage(model, codec, data / "warm-stage1.jsonl", w["stage1Steps"], w["stage1PeakLr"], w["floorLr"],
                     label="warm start stage 1")
    stage1_seconds = time.perf_counter() - t0
    # stage 2: a fresh optimizer from stage 1's weights (as the Java side, which reloads them), probed every few steps
    probe = read_jsonl(data / "probe.jsonl")
    easy, target_p, g = manifest["easyBands"], w["stopHardMeanP"], w["probeGroup"]
    trajectory: List[Dict[str, Any]] = []
    state = {"previous": None, "kept": 0}

    def probe_and_stop(done: int) -> bool:
        if done % w["probeEvery"] != 0 and done != w["stage2Steps"]:
            return False
        ps = exact_p(model, codec, probe)
        hard = [p for r, p in zip(probe, ps) if r["digits"] > easy]
        bands = []
        for d in range(1, manifest["maxDigits"] + 1):
            v = [p for r, p in zip(probe, ps) if r["digits"] == d]
            bands.append(round(sum(v) / max(1, len(v)), 4))
        row = {"steps": done, "mixedFraction": round(sum(mixed_chance(p, g) for p in ps) / len(ps), 4),
               "hardMeanP": round(sum(hard) / max(1, len(hard)), 4), "meanPByBand": bands}
        state["kept"] = done
        log(f"stage 2 probe at {done} steps: hard-band p {row['hardMeanP']} (stop at {target_p}), "
            f"mixed@{g} {row['mixedFraction']}, bands {bands}")
        if row["hardMeanP"] >= target_p:
            if trajectory and target_p - trajectory[-1]["hardMeanP"] < row["hardMeanP"] - target_p:
                model.load_state_dict(state["previous"])
                state["kept"] = trajectory[-1]["steps"]
            trajectory.append(row)
            log(f"stage 2 probe at {done} steps: hard-band p {row['hardMeanP']} reached {target_p}; keeping the weights of step {state['kept']}")
            return True
        trajectory.append(row)
        state["previous"] = copy.deepcopy(model.state_dict())
        return False

    supervised_stage(model, codec, data / "warm-stage2.jsonl", w["stage2Steps"], w["stage2PeakLr"], w["floorLr"],
                     stop=probe_and_stop, label="warm start stage 2")
    details = {"cacheKey": key, "cached": False, "seconds": round(time.perf_counter() - t0, 1),
               "stage1Seconds": round(stage1_seconds, 1), "stage1Steps": w["stage1Steps"],
               "stage2": {"stepsRun": trajectory[-1]["steps"], "weightsOf": state["kept"],
                          "reachedTarget": trajectory[-1]["hardMeanP"] >= target_p, "probes": trajectory}}
    tmp = cache / f".warmstart-{key}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    torch.save(model.state_dict(), tmp / "model.pt")
    (tmp / "details.json").write_text(json.dumps(details, indent=1))
    (tmp / "recipe.json").write_text(recipe)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target / "model.pt", details


def load_model(manifest: Dict[str, Any], weights: Path, seed: int) -> CharLM:
    model = new_model(manifest, seed)
    model.load_state_dict(torch.load(weights, weights_only=True))
    return model


# ----------------------------------------------------------------------------- the service

class Server:
    """goldilocks-server on a free port (main process only), its log in `log_file`."""

    def __init__(self, jar: Path, pool: Path, state: Path, seed: int, group_size: int, teacher: Optional[str], log_file: Path,
                 teacher_updates: str = "synchronous", exploration: Optional[str] = None):
        if not jar.is_file():
            raise SystemExit(f"{jar} is missing: build it with ./mvnw -B -q -o -pl goldilocks-server -am -DskipTests package")
        shutil.rmtree(state, ignore_errors=True)
        cmd = ["java", "-jar", str(jar)]
        if teacher == "djl":
            # the DJL teacher is found through ServiceLoader: run the server with goldilocks-djl on the class path
            # (the examples jar's lib/ holds it and the server)
            examples = Path(os.environ.get("GOLDILOCKS_EXAMPLES_JAR", REPO / "examples/target/goldilocks-examples.jar"))
            if not examples.is_file():
                raise SystemExit(f"{examples} is missing (the djl teacher runs from its class path): build it with "
                                 "./mvnw -B -q -o -pl examples -am -DskipTests package")
            cmd = ["java", "-cp", f"{examples}{os.pathsep}{examples.parent / 'lib'}{os.sep}*",
                   "ai.goldilocks.server.ServerMain"]
        cmd += ["--pool", str(pool), "--state-dir", str(state), "--port", "0", "--group-size", str(group_size),
                "--seed", str(seed), "--teacher-updates", teacher_updates]
        if exploration:
            cmd += ["--exploration", exploration]
        if teacher:
            cmd += ["--teacher", teacher]
        self.err = open(log_file, "w", encoding="utf-8")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, text=True,
                                     env=dict(os.environ, DJL_OFFLINE="true"))
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"the server did not start (see {log_file}): {line!r}")
        self.url = m.group(1)
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        GoldilocksClient(self.url).wait_ready(300)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.err.close()


class TimedClient(GoldilocksClient):
    """The client with the wall time of every call the trainer makes counted (on whichever thread
    makes it) and every pick kept (step, id, predicted utility) for the picks-by-band analysis."""

    seconds = 0.0
    calls = 0

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.picked: Dict[int, List[tuple]] = {}

    def _timed(self, fn, *a, **k):
        t0 = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1

    def picks(self, step, n):
        out = self._timed(super().picks, step, n)
        self.picked[step] = [(str(p["id"]), p.get("predictedUtility")) for p in out]
        return out

    def rewards(self, *a, **k):
        return self._timed(super().rewards, *a, **k)


# ----------------------------------------------------------------------------- the oracle arm

class OracleSampler(torch.utils.data.Sampler):
    """TRL's RepeatSampler layout with picks by the live policy's exact p: per step, B x K uniform
    candidates, the B with the highest true utility sqrt(p(1-p)). An upper bound, not a method."""

    def __init__(self, trainer, rows, batch_size, mini_repeat_count, repeat_count, seed, candidates=16):
        self.trainer = trainer
        self.rows = [{"text": r["prompt"], "target": r["target"]} for r in rows]
        self.batch_size, self.mini, self.repeat, self.k = batch_size, mini_repeat_count, repeat_count, candidates
        self.gen = torch.Generator().manual_seed(seed)
        self.num_batches = len(rows) // batch_size

    def __iter__(self):
        for _ in range(self.num_batches):
            cand = torch.randperm(len(self.rows), generator=self.gen)[:self.batch_size * self.k].tolist()
            model = self.trainer.accelerator.unwrap_model(self.trainer.model)
            ps = exact_p(model, self.trainer.bench_codec, [self.rows[i] for i in cand])
            util = [math.sqrt(max(0.0, p * (1 - p))) for p in ps]
            chosen = [cand[i] for i in sorted(range(len(cand)), key=lambda i: (-util[i], i))[:self.batch_size]]
            for _ in range(self.repeat):
                for index in chosen:
                    for _ in range(self.mini):
                        yield index

    def __len__(self):
        return self.num_batches * self.batch_size * self.mini * self.repeat


class OracleGRPOTrainer(trl.GRPOTrainer):
    def _get_train_sampler(self, dataset=None):
        dataset = self.train_dataset if dataset is None else dataset
        return OracleSampler(self, dataset.to_list(), self.args.generation_batch_size // self.num_generations,
                             self.num_generations, self.num_iterations * self.args.steps_per_generation, self.args.seed)


# ----------------------------------------------------------------------------- one arm

class Measure(TrainerCallback):
    """Evaluation every `every` steps, the zero-variance share TRL logs, and TRL's step time."""

    def __init__(self, arm, model, codec, heldout, manifest, every, steps, batch_rows, out: Path, service=None):
        self.service = service  # the service seconds so far (None without a service)
        self.arm, self.model, self.codec, self.heldout, self.manifest = arm, model, codec, heldout, manifest
        self.every, self.steps, self.batch_rows, self.out = every, steps, batch_rows, out
        self.curve: List[Dict[str, Any]] = []
        self.step_rows: List[Dict[str, Any]] = []
        self.eval_seconds = 0.0
        self.step_seconds: List[float] = []
        self.t_step = None
        self.t_train = None

    def record(self, updates: int, full: bool) -> Dict[str, Any]:
        t0 = time.perf_counter()
        e = evaluate(self.model, self.codec, self.heldout, self.manifest, full)
        self.eval_seconds += time.perf_counter() - t0
        row = {"updates": updates, "rollouts": updates * self.batch_rows, "value": round(e["meanP"], 5),
               "meanP": round(e["meanP"], 5), "hardMeanP": round(e["hardMeanP"], 5), "easyBandMin": round(e["easyBandMin"], 5)}
        row.update({f"band{d}": v for d, v in e["meanPByBand"].items()})
        self.curve.append(row)
        if is_main():
            with open(self.out / "validation.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
        return e

    def on_train_begin(self, args, state, control, **kw):
        self.first = self.record(0, True)
        self.first_eval_seconds = self.eval_seconds
        self.t_train = time.perf_counter()

    def on_step_begin(self, args, state, control, **kw):
        self.t_step = time.perf_counter()

    def on_step_end(self, args, state, control, **kw):
        self.step_seconds.append(time.perf_counter() - self.t_step)
        if state.global_step % self.every == 0 and state.global_step < self.steps:
            self.record(state.global_step, False)
            last = self.step_rows[-1] if self.step_rows else {}
            elapsed = time.perf_counter() - self.t_train
            log(f"{self.arm}: step {state.global_step}/{self.steps}, held-out meanP {self.curve[-1]['meanP']:.4f}, "
                f"reward {last.get('reward', float('nan')):.3f}, zeroVar {last.get('zeroVarianceFraction', float('nan')):.2f}, "
                f"{elapsed:.0f} s")

    def on_log(self, args, state, control, logs=None, **kw):
        if logs and "frac_reward_zero_std" in logs:
            row = {"step": state.global_step, "reward": logs.get("reward"), "zeroVarianceFraction": logs["frac_reward_zero_std"],
                   "stepSeconds": round(self.step_seconds[-1], 4) if self.step_seconds else None,
                   # cumulative: the training loop's wall time without evaluations, and the service calls'
                   "trainSeconds": round(time.perf_counter() - self.t_train - self.eval_seconds + self.first_eval_seconds, 3),
                   "serviceSeconds": round(self.service(), 4) if self.service else None}
            self.step_rows.append(row)
            if is_main():
                with open(self.out / "metrics.jsonl", "a", encoding="utf-8") as f:
                    f.write(json.dumps(row) + "\n")


def reward_fn(codec: CharCodec):
    """1 when the completion is exactly the target then the end marker (the ids, so that no special
    token is dropped on the way), else 0: `benchmark`'s ReversedAnswerReward."""
    def exact_match(prompts=None, completions=None, completion_ids=None, target=None, **kwargs):
        out = []
        for ids, t in zip(completion_ids, target):
            want = codec.encode(t) + [codec.eos]
            out.append(1.0 if list(ids[:len(want)]) == want else 0.0)
        return out
    return exact_match


def picks_by_band(picked: Dict[int, List[tuple]], digits_of: Dict[str, int], steps: int, window: int = 100) -> List[Dict[str, Any]]:
    """Per window of service steps (those trained): the share of picks in each digit band and the mean
    predicted utility the service gave its picks of each band (None where it picked none)."""
    out = []
    for lo in range(0, steps, window):
        rows = [(digits_of.get(q), u) for s in range(lo, min(steps, lo + window)) for q, u in picked.get(s, [])]
        if not rows:
            continue
        bands = sorted({d for d, _ in rows if d is not None})
        out.append({"steps": [lo, min(steps, lo + window) - 1], "picks": len(rows),
                    "share": {str(d): round(sum(1 for x, _ in rows if x == d) / len(rows), 4) for d in bands},
                    "predictedUtility": {str(d): round(statistics.mean(u for x, u in rows if x == d and u is not None), 4)
                                         if any(x == d and u is not None for x, u in rows) else None for d in bands}})
    return out


def run_arm(arm: str, seed: int, manifest, codec, pool_rows, heldout, weights: Path, data: Path, out: Path,
            steps: int, every: int, server_jar: Path, overlap: bool = True,
            teacher_updates: str = "synchronous", exploration: Optional[str] = None) -> Dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    if is_main():
        for f in ("validation.jsonl", "metrics.jsonl"):
            (out / f).unlink(missing_ok=True)
    barrier()
    g = manifest["grpo"]
    rows_per_step = g["batch"] * g["groupSize"]
    if rows_per_step % world() != 0:
        raise SystemExit(f"{rows_per_step} rollouts per step do not split over {world()} ranks")
    model = load_model(manifest, weights, seed)
    tokenizer = codec.hf_tokenizer()
    dataset = Dataset.from_list([{"id": r["id"], "prompt": r["text"], "target": r["target"]} for r in pool_rows])
    args = trl.GRPOConfig(
        output_dir=str(out / "trl"), per_device_train_batch_size=rows_per_step // world(), gradient_accumulation_steps=1,
        num_generations=g["groupSize"], max_completion_length=g["maxNewTokens"], max_steps=steps,
        learning_rate=g["learningRate"], lr_scheduler_type="constant_with_warmup",
        warmup_steps=max(1, round(g["learningRateWarmup"] * steps)), weight_decay=g["weightDecay"],
        max_grad_norm=g["gradientClip"], beta=g["beta"], epsilon=g["clip"], loss_type="grpo", scale_rewards="group",
        temperature=g["temperature"], top_p=g["topP"], top_k=0, num_iterations=1, logging_steps=1, report_to="none",
        use_cpu=True, bf16=False, save_strategy="no", seed=seed, dataloader_num_workers=0, disable_tqdm=True)
    server = None
    client = None
    try:
        if arm.startswith("goldilocks"):
            url = None
            if is_main():
                server = Server(server_jar, data / "pool.jsonl", out / "service-state", seed, g["groupSize"],
                                "djl" if arm == "goldilocks-djl" else None, out / "server.log", teacher_updates, exploration)
                url = server.url
            url = broadcast(url)
            client = TimedClient(url)
            trainer = GoldilocksGRPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                            reward_funcs=goldilocks_reward(reward_fn(codec), client, num_generations=g["groupSize"]),
                                            goldilocks_client=client, overlap_service_calls=overlap)
        elif arm == "oracle":
            trainer = OracleGRPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                        reward_funcs=reward_fn(codec))
            trainer.bench_codec = codec
        elif arm == "uniform":
            trainer = trl.GRPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                      reward_funcs=reward_fn(codec))
        else:
            raise SystemExit(f"unknown arm {arm!r}; known: {ARMS}")
        for cb in (PrinterCallback, ProgressCallback):
            trainer.remove_callback(cb)
        # the service's cost to the training loop: what it waited on the service (all of every call
        # with blocking calls; with background calls only the picks not there yet and the drains)
        waited = None
        if client is not None:
            waited = (lambda: trainer.goldilocks_wait_seconds) if overlap else (lambda: client.seconds)
        measure = Measure(arm, model, codec, heldout, manifest, every, steps, rows_per_step, out, service=waited)
        trainer.add_callback(measure)
        t0 = time.perf_counter()
        trainer.train()
        train_seconds = time.perf_counter() - t0
        eval_in_train = measure.eval_seconds  # the first and the periodic evaluations ran inside train()
        final = measure.record(trainer.state.global_step, True)
        if measure.curve[-2]["updates"] == measure.curve[-1]["updates"]:
            measure.curve.pop(-2)
        service_metrics = client.metrics() if (client is not None and is_main()) else None
    finally:
        if server is not None:
            server.stop()
    service = [waited() if client else 0.0, client.calls if client else 0, client.seconds if client else 0.0]
    if world() > 1:
        gathered: List[Any] = [None] * world()
        torch.distributed.all_gather_object(gathered, service)
    else:
        gathered = [service]
    updates = trainer.state.global_step
    zero = [r["zeroVarianceFraction"] for r in measure.step_rows]
    rewards = [r["reward"] for r in measure.step_rows if r["reward"] is not None]
    trl_seconds = train_seconds - eval_in_train  # TRL's steps and the service calls, evaluations left out
    result = {
        "arm": arm, "complete": True,
        "initialMeanP": round(measure.first["meanP"], 5), "finalMeanP": round(final["meanP"], 5),
        "finalHardMeanP": round(final["hardMeanP"], 5), "finalMeanPByBand": final["meanPByBand"],
        "easyBandFinal": round(final["easyBandMin"], 5), "initialGreedy": measure.first["greedyAccuracy"],
        "finalGreedy": final["greedyAccuracy"], "initialMeanAt8": measure.first["meanAt8"], "finalMeanAt8": final["meanAt8"],
        "zeroVarianceFraction": round(sum(zero) / len(zero), 4) if zero else None,
        "updates": updates, "rolloutsSpent": updates * rows_per_step,
        "meanTrainingReward": round(sum(rewards) / len(rewards), 4) if rewards else None,
        "upperBound": arm == "oracle",
        "ranks": world(), "torchThreads": torch.get_num_threads(),
        "seconds": round(train_seconds, 1),
        "evalSeconds": round(measure.eval_seconds, 1),
        "trainingSeconds": round(trl_seconds, 1),
        "trlStepSeconds": round(trl_seconds / max(1, updates), 4),
        "trlStepMedianSeconds": round(statistics.median(measure.step_seconds), 4) if measure.step_seconds else None,
        "serviceSeconds": round(gathered[0][0], 3),
        "serviceCalls": gathered[0][1],
        "serviceSecondsPerStep": round(gathered[0][0] / max(1, updates), 5),
        "serviceShareOfStep": round(gathered[0][0] / max(1e-9, trl_seconds), 5) if client else None,
        "serviceSecondsByRank": [round(x[0], 3) for x in gathered],
        "serviceShareOfStepMaxRank": round(max(x[0] for x in gathered) / max(1e-9, trl_seconds), 5) if client else None,
        "serviceCallMode": "background" if overlap else "blocking",
        "teacherUpdates": teacher_updates if client else None,
        "exploration": (exploration or "proportional") if client else None,
        "serviceCallSecondsByRank": [round(x[2], 3) for x in gathered],
        "curve": measure.curve,
    }
    if client is not None and is_main():
        digits_of = {str(r["id"]): r["digits"] for r in pool_rows}
        result["picksByBand"] = picks_by_band(client.picked, digits_of, updates)
        with open(out / "picks.jsonl", "w", encoding="utf-8") as f:
            for step in sorted(client.picked):
                f.write(json.dumps({"step": step, "picks": [[q, u, digits_of.get(q)] for q, u in client.picked[step]]}) + "\n")
    if service_metrics:
        for name in ("goldilocks_zero_variance_fraction", "goldilocks_teacher_mae_unseen", "goldilocks_groups_completed_total",
                     "goldilocks_teacher_updates_total", "goldilocks_teacher_updates_merged_total",
                     "goldilocks_teacher_update_seconds_sum"):
            m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", service_metrics, re.M)
            if m:
                result.setdefault("service", {})[name] = float(m.group(1))
    return result


# ----------------------------------------------------------------------------- summaries and plots

def _from_curve(arm: str, curve: List[Dict[str, Any]], steps: List[Dict[str, Any]], rows_per_step: int,
                base: Dict[str, Any]) -> Dict[str, Any]:
    """An arm's result as of its last evaluation in `curve` (final greedy and mean@8 are unknown then)."""
    last = curve[-1]
    steps = [r for r in steps if r["step"] <= last["updates"]]
    zero = [r["zeroVarianceFraction"] for r in steps]
    rewards = [r["reward"] for r in steps if r.get("reward") is not None]
    r = dict(base)
    r.update({"initialMeanP": curve[0]["meanP"], "finalMeanP": last["meanP"], "finalHardMeanP": last["hardMeanP"],
              "finalMeanPByBand": {k[4:]: v for k, v in last.items() if k.startswith("band")},
              "easyBandFinal": last["easyBandMin"], "finalGreedy": None, "finalMeanAt8": None,
              "zeroVarianceFraction": round(sum(zero) / len(zero), 4) if zero else None,
              "updates": last["updates"], "rolloutsSpent": last["updates"] * rows_per_step,
              "meanTrainingReward": round(sum(rewards) / len(rewards), 4) if rewards else None,
              "upperBound": arm == "oracle", "curve": curve, "complete": False})
    if steps and steps[-1].get("trainSeconds"):
        t, svc = steps[-1]["trainSeconds"], steps[-1].get("serviceSeconds")
        r["trainingSeconds"] = round(t, 1)
        r["trlStepSeconds"] = round(t / max(1, steps[-1]["step"]), 4)
        r["serviceSeconds"] = svc
        r["serviceShareOfStep"] = round(svc / t, 5) if svc is not None and arm.startswith("goldilocks") else None
    return r


def partial_result(arm: str, arm_out: Path, manifest: Dict[str, Any]) -> Dict[str, Any]:
    """What an arm that was stopped before its budget logged: its curve and its steps so far."""
    g = manifest["grpo"]
    return _from_curve(arm, read_jsonl(arm_out / "validation.jsonl"), read_jsonl(arm_out / "metrics.jsonl"),
                       g["batch"] * g["groupSize"], {"initialGreedy": None, "initialMeanAt8": None})


def truncate(arm: str, result: Dict[str, Any], updates: int, steps: List[Dict[str, Any]], manifest: Dict[str, Any]) -> Dict[str, Any]:
    """An arm's result cut at `updates` (an evaluated step), so that arms stopped early compare at one budget."""
    g = manifest["grpo"]
    curve = [c for c in result["curve"] if c["updates"] <= updates]
    keep = {k: result.get(k) for k in ("initialGreedy", "initialMeanAt8", "ranks", "torchThreads")}
    return _from_curve(arm, curve, steps, g["batch"] * g["groupSize"], keep) | \
        {"upperBound": result.get("upperBound", False), "completeRun": result.get("complete", True)}


def updates_to_reach(curve: List[Dict[str, Any]], target: float) -> Optional[int]:
    for row in curve:
        if row["meanP"] >= target:
            return row["updates"]
    return None


def arm_summary(results: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    uni = results.get("uniform")
    out = {}
    for arm, r in results.items():
        m = {k: v for k, v in r.items() if k != "curve"}
        m["updatesToReachUniformFinal"] = updates_to_reach(r["curve"], uni["finalMeanP"]) if uni else None
        m["updatesToReachUniformBest"] = updates_to_reach(r["curve"], max(x["meanP"] for x in uni["curve"])) if uni else None
        m["gainOverWarmStart"] = round(r["finalMeanP"] - r["initialMeanP"], 5)
        if uni and arm != "uniform":
            m["zeroVarianceVsUniform"] = (round(r["zeroVarianceFraction"] / uni["zeroVarianceFraction"], 4)
                                          if r["zeroVarianceFraction"] is not None and uni["zeroVarianceFraction"] else None)
            m["endsAboveUniform"] = r["finalMeanP"] > uni["finalMeanP"]
        out[arm] = m
    return out


AGGREGATED = ["initialMeanP", "finalMeanP", "gainOverWarmStart", "finalHardMeanP", "easyBandFinal", "finalGreedy",
              "finalMeanAt8", "zeroVarianceFraction", "zeroVarianceVsUniform", "updates", "updatesToReachUniformFinal",
              "updatesToReachUniformBest", "trlStepSeconds", "serviceShareOfStep", "seconds"]


def aggregate(per_seed: Dict[str, Dict[str, Any]], arms: List[str]) -> Dict[str, Any]:
    out = {}
    for arm in arms:
        a = {}
        for f in AGGREGATED:
            values = [s["arms"][arm].get(f) for s in per_seed.values() if arm in s["arms"]]
            nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            a[f] = {"perSeed": values, "mean": round(sum(nums) / len(nums), 5) if nums and len(nums) == len(values) else None,
                    "min": min(nums) if nums else None, "max": max(nums) if nums else None}
        out[arm] = a
    return out


def targets(per_seed: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """The issue's targets, checked on every seed that ran the arms they need."""
    t: Dict[str, Any] = {}
    for seed, s in per_seed.items():
        arms = s["arms"]
        row: Dict[str, Any] = {}
        if "uniform" in arms:
            u = arms["uniform"]
            row["uniformGain"] = u["gainOverWarmStart"]
            row["uniformGainAtLeast0.015"] = u["gainOverWarmStart"] >= 0.015
        for arm in ("goldilocks", "goldilocks-djl"):
            if arm in arms and "uniform" in arms:
                a, u = arms[arm], arms["uniform"]
                reach = a["updatesToReachUniformFinal"]
                row[arm] = {"updatesToReachUniformFinal": reach, "uniformUpdates": u["updates"],
                            "reachesInHalf": reach is not None and reach <= u["updates"] / 2,
                            "endsAboveUniform": a["finalMeanP"] > u["finalMeanP"],
                            "zeroVarianceVsUniform": a.get("zeroVarianceVsUniform"),
                            "zeroVarianceAtMost0.6x": a.get("zeroVarianceVsUniform") is not None
                            and a["zeroVarianceVsUniform"] <= 0.6,
                            "serviceShareOfStep": a.get("serviceShareOfStep"),
                            "serviceAtMost2Percent": a.get("serviceShareOfStep") is not None and a["serviceShareOfStep"] <= 0.02}
        t[seed] = row
    return t


def plots(out: Path, results_by_seed: Dict[str, Dict[str, Dict[str, Any]]], step_rows: Dict[str, Dict[str, List]]) -> List[str]:
    """PNG plots: held-out mean p and hard-band mean p against updates (per seed and, with several
    seeds, their mean), and the zero-variance share per step (20-step moving average)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no plots (pip install matplotlib)")
        return []
    written = []
    for seed, results in results_by_seed.items():
        fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
        for arm, r in results.items():
            xs = [c["updates"] for c in r["curve"]]
            axes[0].plot(xs, [c["meanP"] for c in r["curve"]], label=arm)
            axes[1].plot(xs, [c["hardMeanP"] for c in r["curve"]], label=arm)
            z = [row["zeroVarianceFraction"] for row in step_rows[seed].get(arm, [])]
            if z:
                avg = [sum(z[max(0, i - 19):i + 1]) / len(z[max(0, i - 19):i + 1]) for i in range(len(z))]
                axes[2].plot(range(1, len(z) + 1), avg, label=arm)
        axes[0].set_title(f"held-out exact mean p (seed {seed})")
        axes[1].set_title("hard bands (4-6 digits) mean p")
        axes[2].set_title("zero-variance share of groups (20-step average)")
        for ax in axes:
            ax.set_xlabel("GRPO updates (TRL steps)")
            ax.grid(alpha=0.3)
            ax.legend()
        fig.tight_layout()
        path = out / f"seed-{seed}.png" if len(results_by_seed) > 1 else out / "curves.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(str(path))
    if len(results_by_seed) > 1:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        arms = list(next(iter(results_by_seed.values())).keys())
        for arm in arms:
            curves = [r[arm]["curve"] for r in results_by_seed.values() if arm in r]
            n = min(len(c) for c in curves)
            ax.plot([curves[0][i]["updates"] for i in range(n)],
                    [sum(c[i]["meanP"] for c in curves) / len(curves) for i in range(n)], label=arm)
        ax.set_title(f"held-out exact mean p, mean of seeds {', '.join(results_by_seed)}")
        ax.set_xlabel("GRPO updates (TRL steps)")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "curves-mean.png", dpi=110)
        plt.close(fig)
        written.append(str(out / "curves-mean.png"))
    return written


# ----------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="1", help="comma-separated seeds, aggregated (default: 1)")
    ap.add_argument("--arms", default="uniform,goldilocks,goldilocks-djl",
                    help=f"comma-separated arms of {ARMS} (default: uniform,goldilocks,goldilocks-djl)")
    ap.add_argument("--quick", action="store_true", help="a plumbing run of about a minute: small export, short warm start, 6 steps")
    ap.add_argument("--steps", type=int, help="GRPO steps per arm (default: the export's 600; quick 6)")
    ap.add_argument("--eval-every", type=int, help="steps between held-out evaluations (default 20; quick 3)")
    ap.add_argument("--out", default="results/trl-benchmark", help="results folder (default: results/trl-benchmark)")
    ap.add_argument("--cache", default="results/trl-benchmark-cache", help="exports and warm starts (default: results/trl-benchmark-cache)")
    ap.add_argument("--examples-jar", default=str(REPO / "examples/target/goldilocks-examples.jar"))
    ap.add_argument("--server-jar", default=str(REPO / "goldilocks-server/target/goldilocks-server.jar"))
    ap.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    ap.add_argument("--warm-start-only", action="store_true", help="export and warm start (cached), train no arm")
    ap.add_argument("--service-calls", choices=["background", "blocking"], default="background",
                    help="the adapter's service calls on a background thread, hidden behind the step (default), or "
                         "blocking in the training loop (the adapter before issue 26's second round)")
    ap.add_argument("--teacher-updates", choices=["synchronous", "asynchronous"], default="synchronous",
                    help="the server's --teacher-updates (default synchronous: the teacher trains inside the reward "
                         "post, so a seed repeats exactly; the background service calls hide the wait; the server's "
                         "own default, asynchronous, lets timing decide which teacher serves a pick)")
    ap.add_argument("--exploration", choices=["proportional", "uniform"],
                    help="the server's --exploration: what its exploring picks take (default: the server's, proportional)")
    ap.add_argument("--warm-start", help="train the arms from these weights (a model.pt) instead of the cached warm "
                                         "start, e.g. to time the service calls before a warm start exists")
    ap.add_argument("--aggregate-only", action="store_true",
                    help="train nothing: summarise the arms already in --out (e.g. from one process per arm, run in parallel)")
    a = ap.parse_args(argv)
    try:
        seeds = [int(s) for s in a.seeds.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--seeds takes comma-separated integers, got {a.seeds!r}")
    arms = [x.strip() for x in a.arms.split(",") if x.strip()]
    unknown = [x for x in arms if x not in ARMS]
    if unknown or not arms or not seeds:
        ap.error(f"unknown or no arms {unknown or arms}; known: {ARMS}" if unknown or not arms else "no seeds")
    if a.steps is not None and a.steps < 1 or a.eval_every is not None and a.eval_every < 1:
        ap.error("--steps and --eval-every must be >= 1")
    if a.threads:
        torch.set_num_threads(a.threads)
    if world() > 1:
        from accelerate import PartialState
        PartialState()  # the process group (gloo on the CPU), before any barrier
    out, cache = Path(a.out), Path(a.cache)
    if is_main():
        out.mkdir(parents=True, exist_ok=True)
        cache.mkdir(parents=True, exist_ok=True)
    barrier()
    per_seed: Dict[str, Dict[str, Any]] = {}
    results_by_seed: Dict[str, Dict[str, Dict[str, Any]]] = {}
    steps_by_seed: Dict[str, Dict[str, List]] = {}
    started = time.perf_counter()
    for seed in seeds:
        data = cache / f"data-seed-{seed}{'-quick' if a.quick else ''}"
        manifest = None
        if is_main():
            data.mkdir(parents=True, exist_ok=True)
            manifest = export(Path(a.examples_jar), seed, data, a.quick)
        manifest = broadcast(manifest)
        codec = CharCodec(manifest["tokenizer"])
        steps = a.steps or (6 if a.quick else manifest["grpo"]["steps"])
        every = a.eval_every or (3 if a.quick else manifest["grpo"]["evalEvery"])
        seed_out = out / f"seed-{seed}" if len(seeds) > 1 or a.aggregate_only and (out / f"seed-{seed}").is_dir() else out
        pool_rows, heldout = read_jsonl(data / "pool.jsonl"), read_jsonl(data / "heldout.jsonl")
        if a.aggregate_only:
            warm = json.loads((seed_out / "warm-start.json").read_text())
            weights = warm["weights"]
        elif a.warm_start:
            if not Path(a.warm_start).is_file():
                raise SystemExit(f"--warm-start {a.warm_start}: no such file")
            weights, warm = str(Path(a.warm_start).resolve()), {"given": str(a.warm_start), "cacheKey": None}
        else:
            weights, warm = None, None
            if is_main():
                weights, warm = warm_start(manifest, data, cache, seed)
                weights = str(weights)
            weights, warm = broadcast((weights, warm))
            warm["weights"] = weights
        warm_model = load_model(manifest, Path(weights), seed)
        earlier = seed_out / "warm-start.json"
        if "heldOut" not in warm and earlier.is_file():
            before = json.loads(earlier.read_text())
            if before.get("weights") == weights and before.get("cacheKey") == warm.get("cacheKey") and "heldOut" in before:
                warm["heldOut"], warm["frontier"] = before["heldOut"], before["frontier"]
        if "heldOut" not in warm:
            warm["heldOut"] = {k: (round(v, 5) if isinstance(v, float) else v)
                               for k, v in evaluate(warm_model, codec, heldout, manifest, True).items()}
            warm["frontier"] = frontier(warm_model, codec, pool_rows[:500], 16)
            if is_main():
                seed_out.mkdir(parents=True, exist_ok=True)
                (seed_out / "warm-start.json").write_text(json.dumps(warm, indent=1))
        log(f"seed {seed}: warm start meanP {warm['heldOut']['meanP']} by band {warm['heldOut']['meanPByBand']}; "
            f"frontier mixed@16 {warm['frontier']['mixedFraction']}")
        if a.warm_start_only:
            continue
        results: Dict[str, Dict[str, Any]] = {}
        step_rows: Dict[str, List] = {}
        for arm in arms:
            arm_out = seed_out / arm
            if a.aggregate_only:
                if (arm_out / "result.json").is_file():
                    results[arm] = json.loads((arm_out / "result.json").read_text())
                elif (arm_out / "validation.jsonl").is_file():
                    log(f"seed {seed}: {arm} did not finish: summarising its curve and steps so far")
                    results[arm] = partial_result(arm, arm_out, manifest)
                else:
                    raise SystemExit(f"{arm_out} holds no run of {arm}: run that arm first")
            else:
                log(f"seed {seed}: arm {arm}, {steps} steps x {manifest['grpo']['batch']} x {manifest['grpo']['groupSize']} "
                    f"on {world()} rank(s)")
                results[arm] = run_arm(arm, seed, manifest, codec, pool_rows, heldout, Path(weights), data, arm_out, steps,
                                       every, Path(a.server_jar), overlap=a.service_calls == "background",
                                       teacher_updates=a.teacher_updates, exploration=a.exploration)
                if is_main():
                    (arm_out / "result.json").write_text(json.dumps(results[arm], indent=1))
            step_rows[arm] = read_jsonl(arm_out / "metrics.jsonl") if is_main() else []
            r = results[arm]
            steps = r["updates"] if a.aggregate_only else steps
            log(f"seed {seed}: {arm}: meanP {r['initialMeanP']} -> {r['finalMeanP']}, zeroVar {r['zeroVarianceFraction']}, "
                f"{r.get('seconds')} s, service share {r.get('serviceShareOfStep')}")
        truncated = None
        if any(not r.get("complete", True) for r in results.values()):
            truncated = min(r["curve"][-1]["updates"] for r in results.values())
            results = {arm: truncate(arm, r, truncated, step_rows[arm], manifest) for arm, r in results.items()}
            steps = truncated
        g = manifest["grpo"]
        summary = {
            "config": {"seed": seed, "quick": a.quick, "ranks": world(), "torchThreads": torch.get_num_threads(),
                       "task": "benchmark's: reversed-answer addition and subtraction, 1-6 digit operands, zero-padded"
                       if manifest["zeroPad"] else "benchmark --no-zero-pad's task",
                       "model": dict(manifest["model"], architecture="GPT-2 (transformers), positions from the attention mask"),
                       "parameters": sum(p.numel() for p in warm_model.parameters()),
                       "poolQuestions": len(pool_rows), "heldOutQuestions": len(heldout), "grpoSteps": steps,
                       "batch": g["batch"], "groupSize": g["groupSize"], "rolloutBudget": steps * g["batch"] * g["groupSize"],
                       "learningRate": g["learningRate"], "warmupSteps": max(1, round(g["learningRateWarmup"] * steps)),
                       "evalEvery": every, "versions": {"trl": trl.__version__, "torch": torch.__version__,
                                                        "transformers": __import__("transformers").__version__}},
            "warmStart": warm,
            "truncatedAtUpdates": truncated,
            "arms": arm_summary(results),
        }
        per_seed[str(seed)] = summary
        results_by_seed[str(seed)] = results
        steps_by_seed[str(seed)] = step_rows
        if is_main():
            seed_out.mkdir(parents=True, exist_ok=True)
            (seed_out / "summary.json").write_text(json.dumps(summary, indent=1))
    if not is_main() or a.warm_start_only:
        return 0
    if len(seeds) == 1:
        final = dict(next(iter(per_seed.values())))
    else:
        final = {"seeds": seeds, "aggregate": aggregate(per_seed, arms), "perSeed": per_seed}
    final["targets"] = targets(per_seed)
    final["plots"] = plots(out, results_by_seed, steps_by_seed)
    final["totalSeconds"] = round(time.perf_counter() - started, 1)
    (out / "summary.json").write_text(json.dumps(final, indent=1))
    print(json.dumps(final), flush=True)
    print_table(per_seed)
    return 0


def print_table(per_seed: Dict[str, Dict[str, Any]]) -> None:
    cols = ["initialMeanP", "finalMeanP", "finalHardMeanP", "easyBandFinal", "zeroVarianceFraction", "updates",
            "updatesToReachUniformFinal", "serviceShareOfStep", "seconds"]
    print("seed  arm             " + " ".join(f"{c[:12]:>12}" for c in cols), file=sys.stderr)
    for seed, s in per_seed.items():
        for arm, m in s["arms"].items():
            print(f"{seed:<5} {arm:<15} " + " ".join(f"{str(m.get(c)):>12}" for c in cols), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
