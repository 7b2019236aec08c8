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
