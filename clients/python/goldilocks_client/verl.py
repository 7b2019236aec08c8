"""verl adapters: the Goldilocks service picks each step's prompts and learns from the rewards.

verl is not installed where this package is tested: the tests use a faithful fake of the
``DataProto`` fields read here (``batch["token_level_scores"]``, ``non_tensor_batch[id_key]``).

* verl <= 0.7: :class:`GoldilocksCurriculumSampler`, an ``AbstractCurriculumSampler``. Configure
  ``data.sampler.class_path=pkg://goldilocks_client.verl``, ``data.sampler.class_name=GoldilocksCurriculumSampler``,
  ``data.dataloader_num_workers=0`` and a ``data.goldilocks`` section with ``url`` (and ``token``,
  ``id_key``, ``group_size``). verl calls ``update(batch)`` after each step.
* verl >= 0.8 removed the sampler hook (PR #6302): wrap the dataset in
  :class:`GoldilocksDatasetProxy` (``data.custom_cls``) and train with ``data.shuffle=False``; the
  proxy answers position i of the sequential order with the service's pick for that slot, and
  verl calls ``on_batch_end(batch)`` after each step.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import collections
import threading

from .client import GoldilocksClient, GoldilocksError, results_by_question


class IssuedSteps:
    """The steps a process has asked the service for (to be replaced: issue 31 carries the step
    with each row instead of looking it up by ids)."""

    def __init__(self, keep: int = 64):
        self._steps: "collections.deque" = collections.deque(maxlen=keep)
        self._lock = threading.Lock()

    def add(self, step: int, ids: Sequence[str]) -> None:
        with self._lock:
            self._steps.append((step, set(ids)))

    def step_of(self, ids: Sequence[str]) -> int:
        """The oldest remembered step whose picks hold all ``ids``; older steps are forgotten."""
        wanted = set(ids)
        with self._lock:
            for i, (step, picked) in enumerate(self._steps):
                if wanted <= picked:
                    for _ in range(i):
                        self._steps.popleft()
                    return step
        raise GoldilocksError(f"rewards for questions {sorted(wanted)[:5]} that no remembered step handed out")

try:
    from verl.experimental.dataset.sampler import AbstractCurriculumSampler as _Base  # verl <= 0.7
except ImportError:  # verl absent or >= 0.8: a torch Sampler, or a plain object without torch
    try:
        from torch.utils.data import Sampler as _Base
    except ImportError:  # pragma: no cover
        _Base = object


def _get(cfg: Any, key: str, default: Any = None) -> Any:
    if cfg is None:
        return default
    if isinstance(cfg, dict):
        return cfg.get(key, default)
    return getattr(cfg, key, default) if not hasattr(cfg, "get") else cfg.get(key, default)


def _rewards_and_ids(batch: Any, id_key: str) -> tuple:
    scores = batch.batch["token_level_scores"]
    rewards = [float(x) for x in scores.sum(-1).tolist()]
    ids = [str(x) for x in list(batch.non_tensor_batch[id_key])]
    if len(ids) != len(rewards):
        raise GoldilocksError(f"{len(ids)} ids but {len(rewards)} sequence rewards in the batch")
    return ids, rewards


def _post(client: GoldilocksClient, steps: IssuedSteps, ids: List[str], rewards: List[float], group_size: int,
          reward_range: Optional[tuple]) -> Dict[str, Any]:
    if reward_range is not None:
        low, high = reward_range
        rewards = [(r - low) / (high - low) for r in rewards]
    step = steps.step_of(ids)
    results = results_by_question(ids, rewards, group_size)
    answer = client.rewards(step, results)
    if answer.get("rejected"):
        raise GoldilocksError(f"the service rejected rewards: {answer['rejected'][:3]}")
    return answer


class GoldilocksCurriculumSampler(_Base):
    """verl (<= 0.7) curriculum sampler backed by the service.

    ``data_config.goldilocks``: ``url``, ``token`` (optional), ``id_key`` (the ``non_tensor_batch``
    field and dataset column holding the pool's ids; default ``"index"``, from ``extra_info.index``),
    ``group_size`` (``actor_rollout_ref.rollout.n``), ``reward_range`` (optional [low, high]).
    """

    def __init__(self, data_source: Any, data_config: Any, client: Optional[GoldilocksClient] = None):
        cfg = _get(data_config, "goldilocks", {}) or {}
        self.client = client or GoldilocksClient(_get(cfg, "url"), token=_get(cfg, "token"))
        self.id_key = _get(cfg, "id_key", "index")
        self.group_size = int(_get(cfg, "group_size", 8))
        rr = _get(cfg, "reward_range")
        self.reward_range = tuple(rr) if rr is not None else None
        self.batch_size = int(_get(data_config, "train_batch_size"))
        self.index_of: Dict[str, int] = {}
        for i in range(len(data_source)):
            row = data_source[i]
            qid = row.get(self.id_key) if isinstance(row, dict) else None
            if qid is None and isinstance(row, dict):
                qid = (row.get("extra_info") or {}).get(self.id_key)
            if qid is None:
                raise ValueError(f"dataset row {i} has no {self.id_key!r}")
            self.index_of[str(qid)] = i
        self.next_step = 0
        self.steps = IssuedSteps()

    def __iter__(self):
        for _ in range(len(self.index_of) // self.batch_size):
            step = self.next_step
            self.next_step += 1
            ids = [p["id"] for p in self.client.picks(step, self.batch_size)]
            self.steps.add(step, ids)
            for qid in ids:
                if qid not in self.index_of:
                    raise GoldilocksError(f"the service picked {qid!r}, which is not in the dataset")
                yield self.index_of[qid]

    def __len__(self) -> int:
        return (len(self.index_of) // self.batch_size) * self.batch_size

    def update(self, batch: Any) -> None:
        """Posts the step's rewards (sequence reward = ``token_level_scores.sum(-1)``)."""
        ids, rewards = _rewards_and_ids(batch, self.id_key)
        _post(self.client, self.steps, ids, rewards, self.group_size, self.reward_range)

    def state_dict(self) -> Dict[str, Any]:
        return {"next_step": self.next_step}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        self.next_step = int(state["next_step"])


class GoldilocksDatasetProxy:
    """verl (>= 0.8) dataset wrapper: with a sequential sampler, position ``i`` of an epoch is slot
    ``i % batch_size`` of service step ``epoch * steps_per_epoch + i // batch_size``."""

    def __init__(self, dataset: Any, client: GoldilocksClient, batch_size: int, group_size: int,
                 id_key: str = "index", reward_range: Optional[tuple] = None, ids: Optional[Sequence[str]] = None):
        self.dataset = dataset
        self.client = client
        self.batch_size = batch_size
        self.group_size = group_size
        self.id_key = id_key
        self.reward_range = reward_range
        if ids is None:
            ids = []
            for i in range(len(dataset)):
                row = dataset[i]
                qid = row.get(id_key) if isinstance(row, dict) else None
                if qid is None and isinstance(row, dict):
                    qid = (row.get("extra_info") or {}).get(id_key)
                ids.append(qid)
        self.index_of = {str(q): i for i, q in enumerate(ids)}
        self.steps = IssuedSteps()
        self._cache: Dict[int, List[str]] = {}
        self.epoch = 0

    def __len__(self) -> int:
        return (len(self.index_of) // self.batch_size) * self.batch_size

    def _picks(self, step: int) -> List[str]:
        if step not in self._cache:
            ids = [p["id"] for p in self.client.picks(step, self.batch_size)]
            self._cache[step] = ids
            self.steps.add(step, ids)
            for old in [s for s in self._cache if s < step - 64]:
                del self._cache[old]
        return self._cache[step]

    def __getitem__(self, i: int) -> Any:
        steps_per_epoch = len(self) // self.batch_size
        step = self.epoch * steps_per_epoch + i // self.batch_size
        qid = self._picks(step)[i % self.batch_size]
        return self.dataset[self.index_of[qid]]

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def on_batch_end(self, batch: Any) -> None:
        ids, rewards = _rewards_and_ids(batch, self.id_key)
        _post(self.client, self.steps, ids, rewards, self.group_size, self.reward_range)
