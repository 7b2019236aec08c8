"""The TRL adapter end to end, on one process and on two ranks (gloo on CPU), against the real
server jar: every generation batch trains exactly the picks of one service step, steps follow
each other without a gap or a repeat (also across resumes and a server restart), and the
server's /metrics counts every group completed once, with no duplicate and no rejection.

The cases of one mode run in one driver process (``trl_driver.py``), so torch and the process
group start once per mode.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("trl")

from conftest import Server, free_port  # noqa: E402

from goldilocks_client import ConflictError, GoldilocksClient  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from trl_driver import pool_rows  # noqa: E402

# Each case: pool rows, picks per service step, G, and the TRL settings; the per-device batch follows
# from the picks and the number of ranks, so both modes train the same steps.
CASES = {
    "plain": dict(rows=40, picks=4, num_generations=2, max_steps=4),
    "grad_accum_2": dict(rows=40, picks=4, num_generations=2, grad_accum=2, max_steps=3),
    "iterations_2_spg_2": dict(rows=40, picks=2, num_generations=2, num_iterations=2, steps_per_generation=2,
                               max_steps=8),
    # one pick per step from six questions: the teacher hands the same question out again and again
    "repeats": dict(rows=6, picks=1, num_generations=2, max_steps=12),
    # four steps per epoch: a checkpoint at step 6 (second epoch), resumed to step 10 (third epoch)
    "resume_epoch_2": dict(rows=8, picks=2, num_generations=2, max_steps=6, save_steps=6, resume_to=10),
    # the server keeps 3 steps; the resumed run skips 8 trained batches
    "resume_past_keep": dict(rows=40, picks=2, num_generations=2, max_steps=8, save_steps=8, resume_to=11,
                             server_extra=["--keep-steps", "3"]),
    # the server is killed (SIGKILL) and restarted on the same port while the run trains
    "server_restart": dict(rows=40, picks=2, num_generations=2, max_steps=14, kill_after_groups=6),
}


def _spg(c):
    return c.get("steps_per_generation") or c.get("grad_accum", 1)


def _per_device(c, ranks):
    rows = c["picks"] * c["num_generations"]
    assert rows % (ranks * _spg(c)) == 0, "the picks must split evenly over ranks and steps_per_generation"
    return rows // (ranks * _spg(c))


def _driver_cases(tmp, url_of, ranks):
    """The driver's case list (a resumed case is two runs: to the checkpoint, then on from it)."""
    out = []
    for name, c in CASES.items():
        base = dict(url=url_of[name], record=str(tmp / f"{name}.jsonl"), output_dir=str(tmp / f"{name}-out"),
                    rows=c["rows"], per_device=_per_device(c, ranks), num_generations=c["num_generations"],
                    grad_accum=c.get("grad_accum", 1), num_iterations=c.get("num_iterations", 1),
                    steps_per_generation=c.get("steps_per_generation"), max_steps=c["max_steps"],
                    save_steps=c.get("save_steps", 0))
        out.append(base)
        if "resume_to" in c:
            out.append(dict(base, max_steps=c["resume_to"], resume=True))
    return out


def _expected(name, ranks):
    """(picks per service step, generation batches = service steps trained)."""
    c = CASES[name]
    steps = c.get("resume_to", c["max_steps"])
    return c["picks"], steps * c.get("grad_accum", 1) // (c.get("num_iterations", 1) * _spg(c))


def _metric(text, name):
    m = re.search(r"^" + re.escape(name) + r" (\S+)$", text, re.M)
    assert m, f"{name} not in /metrics"
    return float(m.group(1))


def _run_mode(tmp_path, ranks):
    servers = {}
    try:
        for name, c in CASES.items():
            pool = tmp_path / f"{name}.pool.jsonl"
            pool.write_text("".join(json.dumps(r) + "\n" for r in pool_rows(c["rows"])))
            servers[name] = Server(pool, tmp_path / f"{name}.state", group_size=c["num_generations"],
                                   port=free_port(), extra=c.get("server_extra", ()))
        spec = tmp_path / "spec.json"
        spec.write_text(json.dumps(_driver_cases(tmp_path, {n: s.url for n, s in servers.items()}, ranks)))
        env = dict(os.environ, PYTHONUNBUFFERED="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1")
        for k in ("http_proxy", "HTTP_PROXY"):
            env[k] = "http://127.0.0.1:9"  # a proxy that refuses: loopback calls must not use it
        env.pop("no_proxy", None)
        env.pop("NO_PROXY", None)
        if ranks == 1:
            cmd = [sys.executable, str(HERE / "trl_driver.py"), str(spec)]
        else:
            env["ACCELERATE_USE_CPU"] = "1"
            cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(ranks),
                   "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                   "--main_process_port", str(free_port()), str(HERE / "trl_driver.py"), str(spec)]
        log = open(tmp_path / "driver.log", "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
        killer = threading.Thread(target=_kill_and_restart, args=(servers, "server_restart", proc), daemon=True)
        killer.start()
        try:
            rc = proc.wait(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
        killer.join(60)
        tail = (tmp_path / "driver.log").read_text()[-4000:]
        assert rc == 0, f"the driver failed ({rc}):\n{tail}"
        assert servers["server_restart"].restarted, "the server was never restarted during the run"
        for name, server in servers.items():
            _check_case(tmp_path, name, server, ranks, tail)
    finally:
        for s in servers.values():
            s.stop()


def _kill_and_restart(servers, name, proc):
    server = servers[name]
    server.restarted = False
    client = GoldilocksClient(server.url, retry_deadline=5)
    threshold = CASES[name]["kill_after_groups"]
    while proc.poll() is None:
        try:
            if _metric(client.metrics(), "goldilocks_groups_completed_total") >= threshold:
                break
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.05)
    else:
        return
    port = int(server.url.rsplit(":", 1)[1])
    server.proc.kill()
    server.proc.wait()
    time.sleep(20.0)  # longer than a fixed number of retries would ride out: refused connections meanwhile
    fresh = Server(server.pool, server.state, group_size=server.group_size, port=port, extra=server.extra)
    server.proc = fresh.proc
    server.restarted = True


def _check_case(tmp_path, name, server, ranks, tail):
    picks_per_step, generations = _expected(name, ranks)
    G = CASES[name]["num_generations"]
    calls = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
    client = GoldilocksClient(server.url)
    steps = []
    for call in calls:
        stepset = {s for s, _, _ in call}
        assert len(stepset) == 1, f"{name}: one generation batch mixes service steps {sorted(stepset)}"
        step = stepset.pop()
        steps.append(step)
        try:
            picks = [p["id"] for p in client.picks(step, picks_per_step)]
        except ConflictError:  # the server no longer keeps that step (resume_past_keep): check the shape only
            slots = {slot: q for _, slot, q in call}
            assert sorted(slots) == list(range(picks_per_step)), f"{name}: step {step} has slots {sorted(slots)}"
            picks = [slots[i] for i in range(picks_per_step)]
        assert Counter(q for _, _, q in call) == Counter({q: G for q in picks}), \
            f"{name}: step {step} trained {sorted(q for _, _, q in call)}, the service picked {picks} x {G}"
        assert all(picks[slot] == q for _, slot, q in call), f"{name}: a row's slot does not name its pick"
    assert steps == list(range(generations)), f"{name}: trained service steps {steps}, want 0..{generations - 1}\n{tail}"
    metrics = client.metrics()
    assert _metric(metrics, "goldilocks_groups_completed_total") == generations * picks_per_step, \
        f"{name}: {metrics}"
    assert _metric(metrics, 'goldilocks_feedback_total{status="rejected"}') == 0
    duplicates = _metric(metrics, 'goldilocks_feedback_total{status="duplicate"}')
    if name == "server_restart":
        # a post whose answer the kill cut off is sent again after the restart: the server then
        # recognises it (a duplicate, learned once); nothing else may repeat
        assert duplicates <= picks_per_step, f"{name}: {duplicates} duplicates"
    else:
        assert duplicates == 0, f"{name}: {duplicates} duplicates"


def test_trl_cases_single_process(tmp_path):
    _run_mode(tmp_path, ranks=1)


def test_trl_cases_two_ranks(tmp_path):
    _run_mode(tmp_path, ranks=2)
