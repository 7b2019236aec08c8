"""The TRL benchmark's quick mode end to end (export from the Java generator, warm start, TRL's
GRPOTrainer under uniform, the service and the oracle): the plumbing and the JSON, not the numbers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl")

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "clients/python/benchmarks/trl_benchmark.py"
EXAMPLES_JAR = Path(os.environ.get("GOLDILOCKS_EXAMPLES_JAR", REPO / "examples/target/goldilocks-examples.jar"))
SERVER_JAR = Path(os.environ.get("GOLDILOCKS_SERVER_JAR", REPO / "goldilocks-server/target/goldilocks-server.jar"))

sys.path.insert(0, str(SCRIPT.parent))


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    for jar in (EXAMPLES_JAR, SERVER_JAR):
        if not jar.is_file():
            raise RuntimeError(f"{jar} is missing: build it first (./mvnw -B package)")
    base = tmp_path_factory.mktemp("trl-bench")
    out, cache = base / "out", base / "cache"
    cmd = [sys.executable, str(SCRIPT), "--quick", "--arms", "uniform,goldilocks,oracle", "--threads", "1",
           "--out", str(out), "--cache", str(cache), "--examples-jar", str(EXAMPLES_JAR), "--server-jar", str(SERVER_JAR)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, cache, done, cmd


def test_quick_mode_writes_summary_curves_and_plot(quick_run):
    out, cache, done, _ = quick_run
    summary = json.loads((out / "summary.json").read_text())
    assert json.loads(done.stdout.strip().splitlines()[-1]) == summary, "stdout's JSON is the summary"
    cfg = summary["config"]
    assert (cfg["batch"], cfg["groupSize"], cfg["grpoSteps"], cfg["ranks"]) == (16, 8, 6, 1)
    assert cfg["rolloutBudget"] == 6 * 16 * 8
    assert cfg["model"]["dModel"] == 128 and cfg["model"]["layers"] == 2 and cfg["model"]["ffn"] == 512
    warm = summary["warmStart"]
    assert warm["cached"] is False and warm["stage2"]["probes"], "a fresh warm start, probed in stage 2"
    assert set(warm["heldOut"]["meanPByBand"]) == {str(d) for d in range(1, 7)}
    assert set(summary["arms"]) == {"uniform", "goldilocks", "oracle"}
    for arm, m in summary["arms"].items():
        assert m["updates"] == 6 and m["rolloutsSpent"] == 6 * 128, arm
        for key in ("initialMeanP", "finalMeanP", "finalHardMeanP", "easyBandFinal", "finalGreedy", "finalMeanAt8",
                    "zeroVarianceFraction", "trlStepSeconds", "updatesToReachUniformFinal"):
            assert key in m, (arm, key)
        assert 0 <= m["finalMeanP"] <= 1 and 0 <= m["zeroVarianceFraction"] <= 1
        assert m["initialMeanP"] == summary["arms"]["uniform"]["initialMeanP"], "every arm starts from the same weights"
        curve = read_jsonl(out / arm / "validation.jsonl")
        assert [row["updates"] for row in curve] == [0, 3, 6], arm
        steps = read_jsonl(out / arm / "metrics.jsonl")
        assert [row["step"] for row in steps] == list(range(1, 7)), arm
    service = summary["arms"]["goldilocks"]
    # 6 trained steps and one more handed out by the loader's read-ahead; 6 reward posts
    assert service["serviceCalls"] >= 12 and service["serviceSeconds"] > 0
    assert 0 < service["serviceShareOfStep"] < 1
    # the adapter's calls ran on its background thread: the loop waited for part of their time at most
    assert service["serviceCallMode"] == "background"
    assert 0 < service["serviceSecondsByRank"][0] <= service["serviceCallSecondsByRank"][0] + 1e-3
    bands = service["picksByBand"]
    assert bands and bands[0]["picks"] == 6 * 16 and abs(sum(bands[0]["share"].values()) - 1) < 1e-3
    picks = read_jsonl(out / "goldilocks" / "picks.jsonl")
    assert [r["step"] for r in picks][:6] == list(range(6)) and all(len(r["picks"]) == 16 for r in picks)
    assert summary["arms"]["uniform"]["serviceShareOfStep"] is None
    assert (out / "goldilocks" / "server.log").is_file()
    assert "uniformGain" in summary["targets"]["1"] and "goldilocks" in summary["targets"]["1"]
    png = out / "curves.png"
    if summary["plots"]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quick_mode_reuses_the_cached_warm_start_and_export(quick_run, tmp_path):
    out, cache, _, cmd = quick_run
    keys = [p.name for p in cache.glob("warmstart-*")]
    assert len(keys) == 1, keys
    again = cmd[:cmd.index("--arms") + 1] + ["uniform,goldilocks"] + cmd[cmd.index("--arms") + 2:]
    again[again.index("--out") + 1] = str(tmp_path / "again")
    done = subprocess.run(again, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "again" / "summary.json").read_text())
    assert summary["warmStart"]["cached"] is True
    # same seed, same machine, one rank: both arms repeat exactly; the service's teacher trains inside the
    # reward posts (--teacher-updates synchronous, the benchmark's default), once after step 4's 64 samples,
    # so steps 5 and 6 are picked by a trained teacher and still repeat
    assert summary["arms"]["goldilocks"]["teacherUpdates"] == "synchronous"
    assert summary["arms"]["goldilocks"]["service"]["goldilocks_teacher_updates_total"] == 1
    for arm in ("uniform", "goldilocks"):
        first_curve = read_jsonl(out / arm / "validation.jsonl")
        again_curve = read_jsonl(tmp_path / "again" / arm / "validation.jsonl")
        assert [r["meanP"] for r in again_curve] == [r["meanP"] for r in first_curve], arm
        first_steps = read_jsonl(out / arm / "metrics.jsonl")
        again_steps = read_jsonl(tmp_path / "again" / arm / "metrics.jsonl")
        assert [(r["reward"], r["zeroVarianceFraction"]) for r in again_steps] == \
            [(r["reward"], r["zeroVarianceFraction"]) for r in first_steps], arm
    assert read_jsonl(tmp_path / "again" / "goldilocks" / "picks.jsonl") == read_jsonl(out / "goldilocks" / "picks.jsonl")


def test_tokenizer_and_model_agree_with_the_export(quick_run):
    import torch
    import trl_benchmark as tb

    _, cache, _, _ = quick_run
    data = next(cache.glob("data-seed-1-quick"))
    manifest = json.loads((data / "manifest.json").read_text())
    codec = tb.CharCodec(manifest["tokenizer"])
    hf = codec.hf_tokenizer()
    row = tb.read_jsonl(data / "heldout.jsonl")[-1]
    assert hf(row["text"], add_special_tokens=False)["input_ids"] == codec.encode(row["text"])
    assert hf.decode(codec.encode(row["target"])) == row["target"]
    assert row["target"] == row["answer"][::-1]
    # the Java policy's recipe: exact GELU (DJL's), positions drawn from N(0, 0.01), tied output embedding
    model = tb.new_model(manifest, 3).eval()
    assert model.config.activation_function == "gelu"
    assert abs(model.transformer.wpe.weight.std().item() - 0.01) < 0.001
    assert abs(model.transformer.h[0].mlp.c_fc.weight.std().item() - 0.02) < 0.001
    assert model.lm_head.weight is model.transformer.wte.weight
    # a left-padded prompt gets the same next-token distribution as the unpadded one
    ids = torch.tensor([codec.encode(row["text"])])
    padded = torch.cat([torch.zeros((1, 3), dtype=torch.long), ids], 1)
    mask = torch.cat([torch.zeros((1, 3), dtype=torch.long), torch.ones_like(ids)], 1)
    with torch.no_grad():
        a = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[0, -1]
        b = model(input_ids=padded, attention_mask=mask).logits[0, -1]
    assert torch.allclose(a, b, atol=1e-5)
    # the exact p of a target equals the product of its teacher-forced token probabilities
    p = tb.exact_p(model, codec, [row])[0]
    seq = codec.encode(row["text"]) + codec.encode(row["target"]) + [codec.eos]
    with torch.no_grad():
        probs = torch.softmax(model(input_ids=torch.tensor([seq])).logits[0], -1)
    start = len(codec.encode(row["text"]))
    expected = 1.0
    for k in range(start, len(seq)):
        expected *= probs[k - 1, seq[k]].item()
    assert p == pytest.approx(expected, rel=1e-4)
