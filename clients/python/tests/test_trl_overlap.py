"""The TRL adapter's background service calls, against a scripted client (no server, no training):
a reward call returns while its post is still in flight, the post reaches the service once and
before the picks asked after it, a failed post is raised by the next call, and checkpoints and
the end of training wait for every post."""

import threading
from types import SimpleNamespace

import pytest

pytest.importorskip("trl")

from goldilocks_client import GoldilocksClient, GoldilocksError  # noqa: E402
from goldilocks_client.trl import _CALLS, ServiceSampler, _GoldilocksState, _ServiceCalls, goldilocks_reward  # noqa: E402


class ScriptedClient(GoldilocksClient):
    """Answers picks from a fixed pool, records every call (and its thread), and lets a test hold a
    reward post until it releases it, or fail it."""

    def __init__(self, ids):
        super().__init__("http://127.0.0.1:9")
        self.ids = ids
        self.calls = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.release.set()
        self.fail_step = None

    def picks(self, step, n):
        with self.lock:
            self.calls.append(("picks", step, threading.current_thread().name))
        return [{"id": self.ids[(step * n + i) % len(self.ids)]} for i in range(n)]

    def rewards(self, step, results):
        assert self.release.wait(30), "the test never released the post"
        with self.lock:
            self.calls.append(("rewards", step, threading.current_thread().name))
        if step == self.fail_step:
            raise GoldilocksError(f"step {step} refused")
        return {"accepted": sum(len(r["rewards"]) for r in results)}


def exact(prompts=None, completions=None, **kwargs):
    return [1.0 if c == "ok" else 0.0 for c in completions]


def reward_call(wrapped, step, ids, completions):
    return wrapped(prompts=["p"] * len(ids), completions=completions, id=ids, goldilocks_step=[step] * len(ids),
                   goldilocks_slot=[0] * len(ids))


@pytest.fixture
def setup():
    client = ScriptedClient([f"q{i}" for i in range(16)])
    calls = _ServiceCalls(client)
    _CALLS[client] = calls
    sampler = ServiceSampler(client, client.ids, mini_repeat_count=2, batch_size=2)
    sampler.calls = calls
    calls.next_step = sampler.next_to_ask
    yield client, calls, sampler, goldilocks_reward(exact, client, num_generations=2)
    _CALLS.pop(client, None)
    client.release.set()
    calls._pool.shutdown(wait=True)


def test_a_reward_call_returns_while_its_post_is_in_flight_and_the_post_arrives_once(setup):
    client, calls, sampler, wrapped = setup
    client.release.clear()
    done = threading.Event()
    t = threading.Thread(target=lambda: (reward_call(wrapped, 0, ["q0", "q0"], ["ok", "no"]), done.set()))
    t.start()
    assert done.wait(10), "the reward call waited for the service"
    assert [c for c in client.calls if c[0] == "rewards"] == [], "the post is held by the test"
    client.release.set()
    calls.drain()
    posts = [c for c in client.calls if c[0] == "rewards"]
    assert [p[1] for p in posts] == [0] and posts[0][2].startswith("goldilocks-service")


def test_picks_are_asked_ahead_after_the_posts_and_never_twice(setup):
    client, calls, sampler, wrapped = setup
    it = iter(sampler)
    for _ in range(2 * 2 + 1):   # the loader reads chunk 0, then (ahead) chunk 1's first row
        next(it)
    for step in range(3):        # train step s: its rewards, then (read-ahead) chunk s + 2
        reward_call(wrapped, step, ["q0", "q0", "q1", "q1"], ["ok", "no", "ok", "ok"])
        for _ in range(2 * 2):   # the rest of chunk s + 1 and the first row of chunk s + 2
            next(it)
    calls.drain()
    seen = [(kind, step) for kind, step, _ in client.calls]
    assert seen == [("picks", 0), ("picks", 1), ("rewards", 0), ("picks", 2), ("rewards", 1), ("picks", 3),
                    ("rewards", 2), ("picks", 4)], seen
    ahead = [name for kind, step, name in client.calls if kind == "picks" and step >= 2]
    assert all(n.startswith("goldilocks-service") for n in ahead), "picks after the first two are asked ahead"


def test_a_failed_post_is_raised_by_the_next_call_and_nothing_is_posted_twice(setup):
    client, calls, sampler, wrapped = setup
    client.fail_step = 1
    reward_call(wrapped, 1, ["q2", "q2"], ["ok", "ok"])       # handed over; fails on the thread
    with pytest.raises(GoldilocksError, match="step 1 refused"):
        calls.drain()
        reward_call(wrapped, 2, ["q3", "q3"], ["ok", "ok"])
    reward_call(wrapped, 2, ["q3", "q3"], ["ok", "ok"])       # the error was raised once; the run may go on
    calls.drain()
    assert [step for kind, step, _ in client.calls if kind == "rewards"] == [1, 2]


def test_the_next_reward_call_raises_the_error_of_an_earlier_post(setup):
    client, calls, sampler, wrapped = setup
    client.fail_step = 4
    reward_call(wrapped, 4, ["q2", "q2"], ["ok", "ok"])
    calls._posts[0].exception(timeout=30)      # the post has failed on the thread
    with pytest.raises(GoldilocksError, match="step 4 refused"):
        reward_call(wrapped, 5, ["q3", "q3"], ["ok", "ok"])
    assert [step for kind, step, _ in client.calls if kind == "rewards"] == [4], "step 5 was not handed over"


def test_bad_rewards_raise_in_their_own_call_and_nothing_is_handed_over(setup):
    client, calls, sampler, wrapped = setup
    nan_reward = goldilocks_reward(lambda completions=None, **k: [float("nan")] * len(completions), client,
                                   num_generations=2)
    with pytest.raises(ValueError, match="non-finite"):
        reward_call(nan_reward, 0, ["q0", "q0"], ["ok", "ok"])
    with pytest.raises(GoldilocksError, match="more than the group size"):
        reward_call(wrapped, 0, ["q0"] * 3, ["ok"] * 3)
    calls.drain()
    assert client.calls == []


def test_a_checkpoint_waits_for_every_post_handed_over(setup, tmp_path):
    client, calls, sampler, wrapped = setup
    client.release.clear()
    reward_call(wrapped, 0, ["q0", "q0"], ["ok", "no"])
    trainer = SimpleNamespace(_goldilocks_calls=calls, _goldilocks_sampler=None, goldilocks_client=client)
    saved = threading.Event()
    state = SimpleNamespace(is_world_process_zero=True, global_step=1)
    t = threading.Thread(target=lambda: (_GoldilocksState(trainer).on_save(SimpleNamespace(output_dir=str(tmp_path)),
                                                                          state, None), saved.set()))
    t.start()
    assert not saved.wait(0.5), "the checkpoint was written while a post was in flight"
    client.release.set()
    assert saved.wait(30)
    assert [c[:2] for c in client.calls] == [("rewards", 0)]
