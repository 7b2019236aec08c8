"""TRL adapter: prompts chosen by the Goldilocks service, rewards sent back to it.

Use :class:`GoldilocksGRPOTrainer` instead of ``trl.GRPOTrainer`` and wrap the reward function
with :func:`goldilocks_reward`::

    client = GoldilocksClient("http://127.0.0.1:8080", token=os.environ.get("GOLDILOCKS_TOKEN"))
    trainer = GoldilocksGRPOTrainer(
        model=model, args=GRPOConfig(...), train_dataset=dataset,   # dataset has "id" and "prompt"
        reward_funcs=goldilocks_reward(my_reward, client, num_generations=8),
        goldilocks_client=client)
    trainer.train()                       # or trainer.train(resume_from_checkpoint=True)

The dataset rows must carry the question ids the server's pool uses (column ``id`` by default).

**The step is data.** Chunk ``c`` of epoch ``e`` (one generation batch of picks) is service step
``first_step + e * chunks_per_epoch + c``; every rank asks the service for that step (the service
answers every rank alike) and every row the trainer reads carries the step and the slot it was
handed out under (columns ``goldilocks_step`` and ``goldilocks_slot``, added on the fly). TRL
passes dataset columns to reward functions, so the reward wrapper posts each reward under the
step of its own row: nothing is inferred from question ids, and a question the teacher picks
again at a later step is filed under that later step.

**Resume is exact.** The run id and the step numbering are saved in every checkpoint folder
(``goldilocks_state.json``). On ``train(resume_from_checkpoint=...)`` the client takes the
checkpoint's run id, the sampler starts at the epoch transformers resumes in, and the batches
transformers skips are never asked of the service (they yield placeholders that are never read;
a placeholder that reached training would raise).

The sampler keeps TRL's ``RepeatSampler`` layout: each pick repeated ``num_generations`` times,
each chunk of picks repeated ``num_iterations * steps_per_generation`` times.

**The service's latency is hidden** (``overlap_service_calls=True``, the default): the reward
wrapper hands its post to one background thread per trainer and returns at once; on the main
process the same thread then asks the service for the next step the sampler will need, so that
the picks are there when the loader reads ahead. The service sees the calls in the order a
blocking client sends them (the post of step ``s``, then the picks of step ``s + 2``), so the
teacher is as fresh as before. Rewards are posted once each, in order; the thread is drained
before every checkpoint is written and when ``train`` ends, so a checkpoint never runs ahead of
the rewards the service has. A failed call (after the client's retries) is raised by the next
reward call, the next picks the sampler needs, the next checkpoint or the end of ``train``.
With several processes only the main one prefetches; the others ask when they need a step,
which the main process has usually fixed by then (every rank gets the same picks either way).
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import uuid
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Sequence

from .client import GoldilocksClient, GoldilocksError, post_step_rewards, results_by_question

try:  # TRL and torch are optional: only this module needs them
    import torch
    from torch.utils.data import Dataset, Sampler
    from transformers import TrainerCallback
    from transformers.trainer_utils import get_last_checkpoint
    from trl import GRPOTrainer
except ImportError as e:  # pragma: no cover - exercised only without TRL
    raise ImportError("goldilocks_client.trl needs trl and torch: pip install 'goldilocks-client[trl]'") from e

STEP_COLUMN = "goldilocks_step"
SLOT_COLUMN = "goldilocks_slot"
STATE_FILE = "goldilocks_state.json"
_STATE_VERSION = 1


class _ServiceCalls:
    """The service calls of one ``train`` run on one background thread, in the order they are
    handed over: reward posts (never waited for by the training loop) and picks asked ahead of
    time. An error of a post is kept and raised by the next call of the training loop."""

    def __init__(self, client: GoldilocksClient):
        self.client = client
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="goldilocks-service")
        self._lock = threading.Lock()
        self._posts: List[Future] = []
        self._picks: Dict[int, tuple] = {}   # step -> (n, future)
        self._error: Optional[BaseException] = None
        self.next_step: Optional[Callable[[], Optional[tuple]]] = None   # the sampler's next (step, n) to ask
        self.wait_seconds = 0.0   # how long the training loop waited on the service

    def _check(self) -> None:
        with self._lock:
            done, pending = [], []
            for f in self._posts:   # one look per future: one that finishes meanwhile is kept for the next check
                (done if f.done() else pending).append(f)
            self._posts = pending
            for f in done:
                if f.exception() is not None and self._error is None:
                    self._error = f.exception()
            error, self._error = self._error, None
        if error is not None:
            raise error

    def post(self, fn: Callable[[], Any]) -> None:
        """Runs ``fn`` (a reward post) on the thread, after every call handed over before it."""
        self._check()
        future = self._pool.submit(fn)
        with self._lock:
            self._posts.append(future)

    def prefetch(self) -> None:
        """Asks the service now, on the thread, for the next step the sampler will need."""
        nxt = self.next_step() if self.next_step is not None else None
        if nxt is None:
            return
        step, n = nxt
        with self._lock:
            if step in self._picks:
                return
            self._picks[step] = (n, self._pool.submit(self.client.picks, step, n))

    def picks(self, step: int, n: int) -> List[Dict[str, Any]]:
        """The picks of ``step``: the prefetched answer when there is one, else asked now (after
        every post handed over before)."""
        self._check()
        t0 = time.perf_counter()
        with self._lock:
            ahead = self._picks.pop(step, None)
            for old in [s for s in self._picks if s < step]:
                self._picks.pop(old)[1].cancel()   # steps passed over (e.g. skipped on resume)
        future = ahead[1] if ahead is not None and ahead[0] == n else self._pool.submit(self.client.picks, step, n)
        try:
            return future.result()
        finally:
            self.wait_seconds += time.perf_counter() - t0

    def drain(self) -> None:
        """Waits for every post handed over so far; raises the first error among them."""
        t0 = time.perf_counter()
        with self._lock:
            posts = list(self._posts)
        for f in posts:
            try:
                f.result()
            except BaseException:  # noqa: BLE001 - kept and raised by _check
                pass
        self.wait_seconds += time.perf_counter() - t0
        self._check()

    def close(self) -> None:
        """Drains the posts (raising their first error) and stops the thread."""
        try:
            self.drain()
        finally:
            with self._lock:
                for _, f in self._picks.values():
                    f.cancel()
                self._picks.clear()
            self._pool.shutdown(wait=True)


# the background calls of the trainer that runs with a client now (the reward wrapper finds them here)
_CALLS: "weakref.WeakKeyDictionary[GoldilocksClient, _ServiceCalls]" = weakref.WeakKeyDictionary()


class ServiceSampler(Sampler):
    """A ``RepeatSampler`` whose prompts come from the service, one service step per chunk.

    It yields keys, not dataset indices: key ``(step * batch_size + slot) * len(ids) + index``
    names the dataset row ``index`` handed out at ``slot`` of service step ``step``, and the
    trainer's row view decodes it. Negative keys are placeholders for batches that are skipped on
    resume.
    """

    def __init__(self, client: GoldilocksClient, ids: Sequence[str], mini_repeat_count: int, batch_size: int,
                 repeat_count: int = 1, first_step: int = 0):
        if batch_size < 1 or mini_repeat_count < 1 or repeat_count < 1:
            raise ValueError("batch_size, mini_repeat_count and repeat_count must be >= 1")
        if isinstance(first_step, bool) or not isinstance(first_step, int) or first_step < 0:
            raise ValueError(f"first_step must be an integer >= 0, got {first_step!r}")
        self.client = client
        self.index_of: Dict[str, int] = {}
        for i, qid in enumerate(ids):
            qid = str(qid)
            if qid in self.index_of:
                raise ValueError(f"question id {qid!r} appears twice in the dataset")
            self.index_of[qid] = i
        if len(self.index_of) < batch_size:
            raise ValueError(f"the dataset has {len(self.index_of)} rows, fewer than the {batch_size} picks of one step")
        self.size = len(self.index_of)
        self.mini_repeat_count = mini_repeat_count
        self.batch_size = batch_size
        self.repeat_count = repeat_count
        self.num_batches = self.size // batch_size
        self.first_step = first_step
        self.epoch = 0
        self.resume_step: Optional[int] = None
        self.calls: Optional[_ServiceCalls] = None   # set by GoldilocksGRPOTrainer: calls on a background thread
        self._last_asked: Optional[int] = None

    def step_of(self, epoch: int, chunk: int) -> int:
        """The service step of chunk ``chunk`` of epoch ``epoch``."""
        return self.first_step + epoch * self.num_batches + chunk

    def set_epoch(self, epoch: int) -> None:
        """Called by transformers / accelerate where they can reach the sampler; the sampler also
        counts epochs itself (each iteration serves the next one)."""
        self.epoch = int(epoch)

    def __iter__(self):
        epoch = self.epoch
        self.epoch += 1
        resume, self.resume_step = self.resume_step, None
        rows_per_chunk = self.batch_size * self.mini_repeat_count * self.repeat_count
        for chunk in range(self.num_batches):
            step = self.step_of(epoch, chunk)
            if resume is not None and step < resume:
                for j in range(rows_per_chunk):
                    yield -1 - j
                continue
            self._last_asked = step
            picks = self.calls.picks(step, self.batch_size) if self.calls is not None else self.client.picks(
                step, self.batch_size)
            ids = [str(p["id"]) for p in picks]
            missing = [i for i in ids if i not in self.index_of]
            if missing:
                raise GoldilocksError(f"the service picked ids that are not in the dataset at step {step}: {missing[:5]}")
            keys = [(step * self.batch_size + slot) * self.size + self.index_of[qid] for slot, qid in enumerate(ids)]
            for _ in range(self.repeat_count):
                for key in keys:
                    for _ in range(self.mini_repeat_count):
                        yield key

    def __len__(self) -> int:
        return self.num_batches * self.batch_size * self.mini_repeat_count * self.repeat_count

    def next_to_ask(self) -> Optional[tuple]:
        """(step, picks) of the next service step this sampler will ask for, once it asked one."""
        return None if self._last_asked is None else (self._last_asked + 1, self.batch_size)

    def state_dict(self) -> Dict[str, Any]:
        """What a checkpoint needs to continue the step numbering."""
        return {"first_step": self.first_step, "batch_size": self.batch_size, "chunks_per_epoch": self.num_batches,
                "num_generations": self.mini_repeat_count, "repeat_count": self.repeat_count}


class _ServiceRows(Dataset):
    """The training dataset as the trainer reads it: a sampler key becomes the row plus the
    service step and slot it was handed out under."""

    def __init__(self, base: Any, batch_size: int):
        self.base = base
        self.size = len(base)
        self.batch_size = batch_size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: int) -> Dict[str, Any]:
        key = int(key)
        if key < 0:
            raise GoldilocksError("a row of a batch that transformers skips on resume reached training: the adapter and "
                                  "this transformers version disagree on which batches are skipped")
        step_slot, index = divmod(key, self.size)
        step, slot = divmod(step_slot, self.batch_size)
        row = dict(self.base[index])
        row[STEP_COLUMN] = step
        row[SLOT_COLUMN] = slot
        return row


class _GoldilocksState(TrainerCallback):
    """Saves the adapter's state in every checkpoint folder and positions the sampler on resume."""

    def __init__(self, trainer: "GoldilocksGRPOTrainer"):
        self.trainer = trainer

    def on_train_begin(self, args, state, control, train_dataloader=None, **kwargs):
        t = self.trainer
        sampler = t._goldilocks_sampler
        if sampler is None:
            raise GoldilocksError("the Goldilocks sampler was not created: train with GoldilocksGRPOTrainer")
        saved = t._goldilocks_resumed
        if saved is not None:
            mine = sampler.state_dict()
            for k in ("batch_size", "chunks_per_epoch", "num_generations", "repeat_count"):
                if saved.get(k) != mine[k]:
                    raise ValueError(f"the checkpoint was trained with {k} = {saved.get(k)}, this run has {mine[k]}: "
                                     "the service steps would not line up; resume with the same batch geometry")
            sampler.first_step = int(saved["first_step"])
        if state.global_step > 0 and train_dataloader is not None:
            # the same arithmetic as transformers' Trainer: the epoch it resumes in and the batches it skips
            ga = args.gradient_accumulation_steps
            n = len(train_dataloader)
            per_epoch = max(n // ga + int(n % ga > 0), 1)
            epoch = state.global_step // per_epoch
            skipped = 0 if args.ignore_data_skip else (state.global_step % per_epoch) * ga
            chunk = skipped // sampler.repeat_count   # a rank's chunk spans repeat_count of its batches
            if args.ignore_data_skip:
                # the epoch restarts from its first batch: continue the numbering after the last step trained
                sampler.first_step += (state.global_step % per_epoch) * ga // sampler.repeat_count
            sampler.epoch = epoch
            sampler.resume_step = sampler.step_of(epoch, chunk)

    def on_save(self, args, state, control, **kwargs):
        t = self.trainer
        if t._goldilocks_calls is not None:
            t._goldilocks_calls.drain()   # the rewards of every step the checkpoint holds are with the service
        if not state.is_world_process_zero or t._goldilocks_sampler is None:
            return
        folder = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
        if not os.path.isdir(folder):
            return
        data = dict(t._goldilocks_sampler.state_dict(), version=_STATE_VERSION, run_id=t.goldilocks_client.run_id)
        tmp = os.path.join(folder, STATE_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(folder, STATE_FILE))


def _read_state(folder: str) -> Dict[str, Any]:
    path = os.path.join(folder, STATE_FILE)
    if not os.path.isfile(path):
        raise GoldilocksError(f"{path} is missing: this checkpoint was not written by GoldilocksGRPOTrainer, so the "
                              "service steps it trained are unknown")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise GoldilocksError(f"{path} is unreadable: {e}") from e
    if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
        raise GoldilocksError(f"{path}: unknown version {data.get('version') if isinstance(data, dict) else data!r}")
    for k in ("first_step", "batch_size", "chunks_per_epoch", "num_generations", "repeat_count"):
        if isinstance(data.get(k), bool) or not isinstance(data.get(k), int) or data[k] < 0:
            raise GoldilocksError(f"{path}: field {k!r} must be an integer >= 0, got {data.get(k)!r}")
    return data


def _same_on_every_rank(value: Any) -> Any:
    if torch.distributed.is_available() and torch.distributed.is_initialized() and torch.distributed.get_world_size() > 1:
        box = [value]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]
    return value


class GoldilocksGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` whose training prompts are the service's picks (see the module documentation)."""

    def __init__(self, *args, goldilocks_client: GoldilocksClient, id_column: str = "id", first_step: int = 0,
                 overlap_service_calls: bool = True, **kwargs):
        self.goldilocks_client = goldilocks_client
        self.goldilocks_id_column = id_column
        self.goldilocks_first_step = first_step
        self.goldilocks_overlap = bool(overlap_service_calls)
        self._goldilocks_calls: Optional[_ServiceCalls] = None
        self._goldilocks_wait_seconds = 0.0
        self._goldilocks_sampler: Optional[ServiceSampler] = None
        self._goldilocks_resumed: Optional[Dict[str, Any]] = None
        super().__init__(*args, **kwargs)
        dataset = self.train_dataset
        names = getattr(dataset, "column_names", None)
        if names is None:
            raise ValueError("GoldilocksGRPOTrainer needs a map-style datasets.Dataset (not an IterableDataset)")
        if id_column not in names:
            raise ValueError(f"the training dataset needs a {id_column!r} column with the pool's question ids")
        clash = [c for c in (STEP_COLUMN, SLOT_COLUMN) if c in names]
        if clash:
            raise ValueError(f"the training dataset has columns {clash}, which the adapter adds itself")
        self.add_callback(_GoldilocksState(self))

    def train(self, resume_from_checkpoint=None, *args, **kwargs):
        client = self.goldilocks_client
        self._goldilocks_resumed = None
        folder = resume_from_checkpoint
        if folder is True:
            folder = get_last_checkpoint(self.args.output_dir)
        if isinstance(folder, str):
            saved = _read_state(folder)
            run = saved.get("run_id")
            if client.run_id is not None and run is not None and client.run_id != run:
                raise ValueError(f"the checkpoint {folder} belongs to run {run!r}, but the client was given run_id "
                                 f"{client.run_id!r}")
            if run is not None:
                client.run_id = run
            self._goldilocks_resumed = saved
        elif client.run_id is None:
            client.run_id = _same_on_every_rank(uuid.uuid4().hex)
        if not self.goldilocks_overlap:
            return super().train(resume_from_checkpoint, *args, **kwargs)
        calls = self._goldilocks_calls = _ServiceCalls(client)
        _CALLS[client] = calls
        ok = False
        try:
            out = super().train(resume_from_checkpoint, *args, **kwargs)
            ok = True
        finally:
            if _CALLS.get(client) is calls:
                del _CALLS[client]
            self._goldilocks_calls = None
            try:
                calls.close()   # every reward handed over reaches the service before train returns
            except BaseException:
                if ok:
                    raise   # otherwise the training loop's own error is the one to see
            finally:
                self._goldilocks_wait_seconds += calls.wait_seconds
        return out

    @property
    def goldilocks_wait_seconds(self) -> float:
        """Seconds the training loop of this process has waited on the service (picks not there yet,
        posts drained before checkpoints and at the end); with ``overlap_service_calls=False``
        not measured (0)."""
        calls = self._goldilocks_calls
        return self._goldilocks_wait_seconds + (calls.wait_seconds if calls is not None else 0.0)

    def _goldilocks_picks_per_step(self) -> int:
        return self.args.generation_batch_size // self.num_generations

    def get_train_dataloader(self):
        base = self.train_dataset
        self.train_dataset = _ServiceRows(base, self._goldilocks_picks_per_step())
        try:
            return super().get_train_dataloader()
        finally:
            self.train_dataset = base

    def _get_train_sampler(self, dataset=None) -> Sampler:
        rows = dataset if isinstance(dataset, _ServiceRows) else _ServiceRows(
            self.train_dataset if dataset is None else dataset, self._goldilocks_picks_per_step())
        sampler = ServiceSampler(
            self.goldilocks_client,
            rows.base[self.goldilocks_id_column],
            mini_repeat_count=self.num_generations,
            batch_size=rows.batch_size,
            repeat_count=self.num_iterations * self.args.steps_per_generation,
            first_step=self.goldilocks_first_step,
        )
        calls = self._goldilocks_calls
        if calls is not None:
            sampler.calls = calls
            if self.accelerator.is_main_process:
                calls.next_step = sampler.next_to_ask
        self._goldilocks_sampler = sampler
        return sampler


def _check_before_handing_over(step: int, ids: List[str], values: List[float], group_size: int,
                               reward_range: Optional[tuple]) -> None:
    """What the client would refuse before sending, refused now (so that bad rewards raise in the
    reward call that produced them, not a call later)."""
    if reward_range is not None:
        low, high = reward_range
        values = [(v - low) / (high - low) for v in values]
    bad = [(q, v) for q, v in zip(ids, values) if not math.isfinite(v)]
    if bad:
        raise ValueError(f"step {step}: non-finite rewards for questions {bad[:5]} (the service takes finite rewards)")
    results_by_question(ids, values, group_size)   # raises when a question has more rewards than the group size


def goldilocks_reward(reward_func: Callable[..., List[float]], client: GoldilocksClient, num_generations: int,
                      id_column: str = "id", reward_range: Optional[tuple] = None) -> Callable[..., List[float]]:
    """Wraps a TRL reward function: returns its rewards unchanged and posts them to the service,
    grouped by question, under the service step each row carries (``goldilocks_step``, added by
    :class:`GoldilocksGRPOTrainer`; the adapter's columns are not passed on to ``reward_func``).

    With several processes the rewards are gathered first and the main process posts whole
    groups (a group's G completions may be spread over ranks). ``reward_range=(low, high)`` maps
    rewards into [0, 1] for the service (whose default range is [0, 1]); ``None`` sends them as they are.
    A reward the service rejects raises :class:`GoldilocksError`.
    """
    if reward_range is not None:
        low, high = reward_range
        if not high > low:
            raise ValueError(f"reward_range must be (low, high) with high > low, got {reward_range!r}")

    def wrapped(prompts=None, completions=None, **kwargs):
        steps = kwargs.pop(STEP_COLUMN, None)
        kwargs.pop(SLOT_COLUMN, None)
        rewards = reward_func(prompts=prompts, completions=completions, **kwargs)
        ids = kwargs.get(id_column)
        if ids is None:
            raise GoldilocksError(f"the reward function got no {id_column!r} column: keep it in the dataset")
        if steps is None:
            raise GoldilocksError(f"the reward function got no {STEP_COLUMN!r} column: train with GoldilocksGRPOTrainer")
        if not (len(rewards) == len(ids) == len(steps)):
            raise GoldilocksError(f"{len(rewards)} rewards for {len(ids)} ids and {len(steps)} steps")
        values = [float("nan") if r is None else float(r) for r in rewards]
        rows = [(int(s), str(q), v) for s, q, v in zip(steps, ids, values)]
        if torch.distributed.is_available() and torch.distributed.is_initialized() and torch.distributed.get_world_size() > 1:
            gathered: List[Any] = [None] * torch.distributed.get_world_size()
            torch.distributed.all_gather_object(gathered, rows)
            if torch.distributed.get_rank() != 0:
                return rewards
            rows = [r for part in gathered for r in part]
        by_step: Dict[int, List[tuple]] = {}
        for step, qid, v in rows:
            by_step.setdefault(step, []).append((qid, v))
        calls = _CALLS.get(client)
        for step in sorted(by_step):
            pairs = by_step[step]
            ids_, values_ = [q for q, _ in pairs], [v for _, v in pairs]
            if calls is None:
                post_step_rewards(client, step, ids_, values_, num_generations, reward_range)
            else:
                _check_before_handing_over(step, ids_, values_, num_generations, reward_range)
                calls.post(lambda s=step, i=ids_, v=values_: post_step_rewards(client, s, i, v, num_generations,
                                                                               reward_range))
        if calls is not None:
            calls.prefetch()   # after the posts: the service sees them first, as from a blocking client
        return rewards

    wrapped.__name__ = getattr(reward_func, "__name__", "reward")
    return wrapped
