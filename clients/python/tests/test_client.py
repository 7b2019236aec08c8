import math
import threading
import time

import pytest
from conftest import Server, free_port

from goldilocks_client import (AuthenticationError, ConflictError, GoldilocksClient, GoldilocksError,
                               InvalidRequestError)


def test_round_trip_picks_rewards_checkpoint_metrics(server):
    c = GoldilocksClient(server.url)
    assert c.health()
    assert c.ready()["questions"] == 200
    picks = c.picks(0, 5)
    assert len(picks) == 5 and all({"id", "text"} <= set(p) for p in picks)
    assert c.picks(0, 5) == picks, "the same step gives the same picks"
    answer = c.rewards(0, [{"id": p["id"], "rewards": [1, 0, 1, 0]} for p in picks])
    assert answer["accepted"] == 5 and answer["completed"] == 5 and answer["rejected"] == []
    again = c.rewards(0, [{"id": picks[0]["id"], "rewards": [1, 0, 1, 0]}])
    assert again["duplicate"] == 1 and again["accepted"] == 0
    assert c.checkpoint().startswith("checkpoint-")
    assert "goldilocks_groups_completed_total 5" in c.metrics()
    with pytest.raises(ConflictError):
        c.picks(0, 6)


def test_parts_of_a_group_from_two_ranks(server):
    c = GoldilocksClient(server.url)
    qid = c.picks(0, 1)[0]["id"]
    first = c.rewards(0, [{"id": qid, "rewards": [1, 0], "rollouts": [0, 1]}])
    assert first["completed"] == 0
    second = GoldilocksClient(server.url).rewards(0, [{"id": qid, "rewards": [0, 0], "rollouts": [2, 3]}])
    assert second["completed"] == 1


def test_bad_input_fails_clearly_before_or_at_the_server(server):
    c = GoldilocksClient(server.url)
    qid = c.picks(0, 1)[0]["id"]
    with pytest.raises(ValueError, match="non-finite"):
        c.rewards(0, [{"id": qid, "rewards": [math.nan, 0, 0, 0]}])
    with pytest.raises(ValueError, match="step"):
        c.picks(-1, 2)
    rejected = c.rewards(0, [{"id": "not-in-pool", "rewards": [1, 1, 1, 1]}])["rejected"]
    assert "unknown question id" in rejected[0]["reason"]
    with pytest.raises(InvalidRequestError) as e:
        c.picks(0, 10 ** 6)
    assert e.value.status == 422


def test_token_is_required_and_wrong_tokens_are_not_retried(tmp_path, pool_file):
    s = Server(pool_file, tmp_path / "state", token="t0ken")
    try:
        assert GoldilocksClient(s.url).health(), "health needs no token"
        with pytest.raises(AuthenticationError):
            GoldilocksClient(s.url).picks(0, 2)
        t = time.monotonic()
        with pytest.raises(AuthenticationError):
            GoldilocksClient(s.url, token="wrong", retries=5, backoff=1.0).picks(0, 2)
        assert time.monotonic() - t < 1.0, "a 401 is not retried"
        assert len(GoldilocksClient(s.url, token="t0ken").picks(0, 2)) == 2
    finally:
        s.stop()


def test_retries_until_the_server_is_up(tmp_path, pool_file):
    port = free_port()
    holder = {}

    def start_later():
        time.sleep(1.0)
        holder["s"] = Server(pool_file, tmp_path / "state", port=port)

    t = threading.Thread(target=start_later)
    t.start()
    try:
        c = GoldilocksClient(f"http://127.0.0.1:{port}", retries=10, backoff=0.3)
        assert len(c.picks(0, 3)) == 3
    finally:
        t.join()
        holder["s"].stop()


def test_unreachable_server_raises_after_the_retries():
    c = GoldilocksClient(f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.01)
    with pytest.raises(GoldilocksError, match="after 3 attempts"):
        c.picks(0, 1)


def test_picks_survive_a_restart(tmp_path, pool_file):
    s = Server(pool_file, tmp_path / "state")
    before = GoldilocksClient(s.url).picks(7, 4)
    s.proc.kill()  # SIGKILL: only the journal holds the picks
    s.proc.wait()
    s2 = Server(pool_file, tmp_path / "state")
    try:
        assert GoldilocksClient(s2.url).picks(7, 4) == before
    finally:
        s2.stop()


def test_results_by_question_groups_whole_groups_and_parts():
    from goldilocks_client.client import results_by_question

    items = results_by_question(["a", "b", "a", "a", "a", "b"], [1, 0, 0, 1, 1, 1], group_size=4)
    assert items == [{"id": "a", "rewards": [1.0, 0.0, 1.0, 1.0]},
                     {"id": "b", "rewards": [0.0, 1.0], "rollouts": [0, 1]}]
    with pytest.raises(GoldilocksError, match="more than the group size"):
        results_by_question(["a"] * 5, [1] * 5, group_size=4)
    with pytest.raises(ValueError):
        results_by_question(["a"], [1, 2], group_size=4)


# ---------------------------------------------------------------- outages, malformed answers, proxies, run ids

import json as _json  # noqa: E402
import socket  # noqa: E402

from goldilocks_client import NotReadyError, RunMismatchError  # noqa: E402


class ScriptedServer:
    """A raw TCP server that answers connection i with script[i] (bytes, sent as they are), then
    with the last entry; it records every request it receives."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        i = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.requests.append(head.decode("latin-1"))
                conn.sendall(self.script[min(i, len(self.script) - 1)])
                i += 1

    def close(self):
        self.sock.close()


def _http(status, body, reason="OK", length=None):
    raw = body.encode() if isinstance(body, str) else body
    n = len(raw) if length is None else length
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n"
            f"Connection: close\r\n\r\n").encode() + raw


PICKS_OK = _http(200, _json.dumps({"step": 0, "picks": [{"id": "q1", "text": "t"}]}))
LOADING = _http(503, _json.dumps({"error": {"type": "not_ready", "message": "loading"}}), "Service Unavailable")


def test_waits_for_a_loading_server_longer_than_a_fixed_number_of_retries():
    s = ScriptedServer([LOADING] * 12 + [PICKS_OK])
    try:
        c = GoldilocksClient(s.url, backoff=0.001, max_backoff=0.01, retry_deadline=60)
        assert [p["id"] for p in c.picks(0, 1)] == ["q1"]
        assert len(s.requests) == 13
    finally:
        s.close()


def test_truncated_garbled_and_non_json_answers_are_retried():
    s = ScriptedServer([
        _http(200, '{"step": 0, "pi', length=200),      # the connection closes mid-body: IncompleteRead
        b"garbage that is not HTTP\r\n\r\n",             # BadStatusLine
        b"",                                              # closed without a word: RemoteDisconnected
        _http(200, "<html>a proxy's page</html>"),        # 200 that is not JSON
        _http(200, '{"something": "else"}'),              # JSON without picks
        PICKS_OK])
    try:
        c = GoldilocksClient(s.url, backoff=0.001, max_backoff=0.01, retry_deadline=60)
        with pytest.raises(GoldilocksError, match="does not hold 1 picks"):
            c.picks(0, 1)  # the first five answers: four retried, the fifth is well-formed JSON but wrong
        assert len(s.requests) == 5
        assert [p["id"] for p in c.picks(0, 1)] == ["q1"]
    finally:
        s.close()


def test_the_retry_deadline_bounds_an_outage_and_names_the_call():
    c = GoldilocksClient(f"http://127.0.0.1:{free_port()}", backoff=0.01, max_backoff=0.05, retry_deadline=0.5)
    with pytest.raises(GoldilocksError) as e:
        c.rewards(3, [{"id": "q1", "rewards": [1, 0, 0, 1]}])
    assert "POST /v1/rewards (step 3)" in str(e.value) and "retry_deadline" in str(e.value)
    assert e.value.call == "POST /v1/rewards (step 3)"


def test_a_server_that_could_not_start_is_not_waited_for():
    failed = _http(503, _json.dumps({"error": {"type": "failed", "message": "the pool is unreadable"}}))
    s = ScriptedServer([failed])
    try:
        with pytest.raises(NotReadyError, match="the pool is unreadable"):
            GoldilocksClient(s.url, backoff=0.001, retry_deadline=60).picks(0, 1)
        assert len(s.requests) == 1
    finally:
        s.close()


def test_loopback_calls_never_go_through_a_proxy(monkeypatch):
    proxy = ScriptedServer([_http(502, "proxy")])
    target = ScriptedServer([PICKS_OK])
    try:
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        c = GoldilocksClient(target.url, token="secret", retry_deadline=2)
        assert not c.uses_proxy
        assert [p["id"] for p in c.picks(0, 1)] == ["q1"]
        assert proxy.requests == [] and "Bearer secret" in target.requests[0]
    finally:
        proxy.close()
        target.close()


def test_the_token_is_never_sent_through_a_proxy_unless_asked(monkeypatch):
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    remote = "http://teacher.invalid:8080"
    assert not GoldilocksClient(remote, token="secret").uses_proxy
    assert GoldilocksClient(remote, token="secret", use_env_proxy=True).uses_proxy
    assert GoldilocksClient(remote).uses_proxy, "without a token the environment's proxy is used"
    assert not GoldilocksClient(remote, use_env_proxy=False).uses_proxy
    monkeypatch.setenv("no_proxy", "teacher.invalid")
    assert not GoldilocksClient(remote).uses_proxy


def test_a_second_run_is_refused_and_changes_nothing(server):
    first = GoldilocksClient(server.url, run_id="run-a")
    picks = first.picks(0, 3)
    other = GoldilocksClient(server.url, run_id="run-b", retry_deadline=30)
    with pytest.raises(RunMismatchError) as e:
        other.picks(1, 3)
    assert "run-a" in str(e.value) and "run-b" in str(e.value) and "--state-dir" in str(e.value)
    with pytest.raises(RunMismatchError):
        other.rewards(0, [{"id": p["id"], "rewards": [1, 0, 0, 1]} for p in picks])
    assert "goldilocks_groups_completed_total 0" in first.metrics()
    assert first.picks(0, 3) == picks
    assert first.ready()["run"] == "run-a"
    with pytest.raises(ValueError, match="run_id"):
        GoldilocksClient(server.url, run_id="spaces are not allowed")


def test_a_run_mismatch_is_raised_at_once_with_the_servers_words():
    s = ScriptedServer([_http(409, _json.dumps({"error": {"type": "run_mismatch", "message": "belongs to run 'a'"}}),
                              "Conflict")])
    try:
        with pytest.raises(RunMismatchError, match="belongs to run 'a'"):
            GoldilocksClient(s.url, run_id="b", backoff=0.001, retry_deadline=60).picks(0, 1)
        assert len(s.requests) == 1 and "Goldilocks-Run: b" in s.requests[0]
    finally:
        s.close()
