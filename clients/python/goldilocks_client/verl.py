"""verl adapters: the Goldilocks service picks each step's prompts and learns from the rewards.

Two ways in, both configured through verl's ``data`` section (keys verl does not define need a
leading ``+`` on a Hydra command line, e.g. ``+data.goldilocks.url=http://host:8080``):

* :class:`GoldilocksDataset` (verl 0.5 to 0.9): a ``torch.utils.data.Dataset`` that verl builds
  from ``data.custom_cls.path=pkg://goldilocks_client.verl`` and ``data.custom_cls.name=GoldilocksDataset``
  with its own constructor call. It wraps verl's ``RLHFDataset``; with ``data.shuffle=False``
  position ``i`` of an epoch is slot ``i % B`` of one service step, and every row it serves
  carries that step and slot in its ``extra_info``, so the step travels with the data into
  worker processes and back to ``on_batch_end``, which posts the rewards under it.
* :class:`GoldilocksCurriculumSampler` (verl 0.5 to 0.7.x only: PR #6302 removed the sampler hook in
  0.8): an ``AbstractCurriculumSampler`` for ``data.sampler.class_path``. It remembers the steps it
  handed out in order and ``update(batch)`` posts the oldest one; verl calls ``update`` on every
  step, the last one included.

Question ids are read from each row's ``extra_info[id_key]`` (default ``index``, verl's own
convention) or from a top-level field of that name when the batch still has one: verl moves most
top-level fields into the generation batch and its agent loop does not bring them back.

verl is not installable where this package is tested; the tests run these classes under fakes that
follow verl's own code and call order (``clients/python/tests/test_verl.py``).
"""

from __future__ import annotations

import collections
import inspect
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .client import GoldilocksClient, GoldilocksError, post_step_rewards

try:
    from verl.experimental.dataset.sampler import AbstractCurriculumSampler as _SamplerBase  # verl 0.5-0.7.x
except ImportError:  # verl absent or >= 0.8: a torch Sampler, or a plain object without torch
    try:
        from torch.utils.data import Sampler as _SamplerBase
    except ImportError:  # pragma: no cover
        _SamplerBase = object

try:
    from torch.utils.data import Dataset as _DatasetBase
except ImportError:  # pragma: no cover - verl always has torch
    _DatasetBase = object

#: ``extra_info`` keys that :class:`GoldilocksDataset` adds to each training row.
STEP_KEY = "goldilocks_step"
SLOT_KEY = "goldilocks_slot"
EPOCH_START_KEY = "goldilocks_epoch_start"

_PICKS_CACHE = 8


def _get(cfg: Any, key: str, default: Any = None) -> Any:
    if cfg is None:
        return default
    if isinstance(cfg, dict) or hasattr(cfg, "get"):
        value = cfg.get(key, default)
    else:
        value = getattr(cfg, key, default)
    return default if value is None else value


class _Settings:
    """The ``data.goldilocks`` section, checked once."""

    def __init__(self, data_config: Any):
        cfg = _get(data_config, "goldilocks", None)
        if cfg is None:
            raise ValueError("the verl config has no data.goldilocks section: add at least "
                             "+data.goldilocks.url=http://HOST:PORT")
        self.url = _get(cfg, "url")
        if not self.url:
            raise ValueError("data.goldilocks.url is missing: add +data.goldilocks.url=http://HOST:PORT")
        self.token = _get(cfg, "token")
        self.run_id = _get(cfg, "run_id")
        self.id_key = str(_get(cfg, "id_key", "index"))
        group_size = _get(cfg, "group_size")
        if group_size is not None and (isinstance(group_size, bool) or int(group_size) < 1):
            raise ValueError(f"data.goldilocks.group_size must be an integer >= 1, got {group_size!r}")
        self.group_size = None if group_size is None else int(group_size)
        rr = _get(cfg, "reward_range")
        if rr is not None:
            rr = tuple(float(x) for x in rr)
            if len(rr) != 2 or not rr[0] < rr[1]:
                raise ValueError(f"data.goldilocks.reward_range must be [low, high] with low < high, got {rr!r}")
        self.reward_range = rr
        self.checkpoint_dir = _get(cfg, "checkpoint_dir")
        batch = _get(data_config, "gen_batch_size") or _get(data_config, "train_batch_size")
        if batch is None or isinstance(batch, bool) or int(batch) < 1:
            raise ValueError(f"data.train_batch_size must be an integer >= 1, got {batch!r}")
        self.batch_size = int(batch)

    def client(self) -> GoldilocksClient:
        kwargs: Dict[str, Any] = {"token": self.token}
        if self.run_id is not None:
            kwargs["run_id"] = str(self.run_id)
        return GoldilocksClient(self.url, **kwargs)


def _column_ids(data: Any, id_key: str) -> List[str]:
    """The id of every row of a verl dataset, read from its table (no tokenisation) when it has one."""
    frame = getattr(data, "dataframe", None)
    n = len(frame) if frame is not None else len(data)
    ids: List[Any] = []
    columns = getattr(frame, "column_names", None)
    if frame is not None and columns is not None and id_key in columns:
        ids = list(frame[id_key])
    elif frame is not None and columns is not None and "extra_info" in columns:
        ids = [(e or {}).get(id_key) if isinstance(e, dict) or e is None else None for e in frame["extra_info"]]
    else:
        for i in range(n):
            row = frame[i] if frame is not None else data[i]
            qid = row.get(id_key) if isinstance(row, dict) else None
            if qid is None and isinstance(row, dict):
                qid = (row.get("extra_info") or {}).get(id_key)
            ids.append(qid)
    out = []
    for i, qid in enumerate(ids):
        if qid is None:
            raise ValueError(f"dataset row {i} has no {id_key!r}, neither as a column nor in extra_info")
        out.append(str(qid))
    return out


def _index_of(ids: Sequence[str]) -> Dict[str, int]:
    index: Dict[str, int] = {}
    for i, qid in enumerate(ids):
        if qid in index:
            raise ValueError(f"question id {qid!r} is on dataset rows {index[qid]} and {i}: ids must be unique")
        index[qid] = i
    return index


def _extra_infos(batch: Any) -> List[Dict[str, Any]]:
    infos = batch.non_tensor_batch.get("extra_info")
    if infos is None:
        return []
    return [e if isinstance(e, dict) else {} for e in list(infos)]


def _batch_ids(batch: Any, id_key: str) -> List[str]:
    """Each row's question id: the top-level field when the batch still has it, else ``extra_info``."""
    top = batch.non_tensor_batch.get(id_key)
    if top is not None:
        return [str(x) for x in list(top)]
    infos = batch.non_tensor_batch.get("extra_info")
    if infos is None:
        raise GoldilocksError(f"the batch has neither a top-level {id_key!r} field nor extra_info")
    ids = []
    for i, info in enumerate(list(infos)):
        qid = info.get(id_key) if isinstance(info, dict) else None
        if qid is None:
            raise GoldilocksError(f"row {i} of the batch has no {id_key!r} in its extra_info")
        ids.append(str(qid))
    return ids


def _sequence_rewards(batch: Any, n: int) -> List[float]:
    scores = batch.batch["token_level_scores"]
    rewards = [float(x) for x in scores.sum(-1).tolist()]
    if len(rewards) != n:
        raise GoldilocksError(f"{n} rows but {len(rewards)} sequence rewards in the batch")
    return rewards


def _post(client: GoldilocksClient, step: int, ids: List[str], rewards: List[float], group_size: Optional[int],
          reward_range: Optional[Tuple[float, float]]) -> Dict[str, Any]:
    if group_size is None:  # verl repeats each prompt rollout.n times: the batch says what n is
        group_size = max(collections.Counter(ids).values())
    return post_step_rewards(client, step, ids, rewards, group_size, reward_range)


def _checkpointed_step(checkpoint_dir: str) -> int:
    """The global step of the checkpoint verl resumes from: ``global_step_N`` itself, or the number
    in ``latest_checkpointed_iteration.txt`` of verl's ``trainer.default_local_dir``; 0 when none."""
    path = str(checkpoint_dir).rstrip("/")
    m = re.fullmatch(r"global_step_(\d+)", os.path.basename(path))
    if m:
        return int(m.group(1))
    tracker = os.path.join(path, "latest_checkpointed_iteration.txt")
    if not os.path.isfile(tracker):
        return 0
    with open(tracker, encoding="utf-8") as f:
        text = f.read().strip()
    if not text.isdigit():
        raise ValueError(f"{tracker} should hold a step number, found {text[:40]!r}")
    return int(text)


def _paths(files: Any) -> Optional[List[str]]:
    if files is None:
        return None
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    return [os.path.normpath(os.fspath(f)) for f in list(files)]


class GoldilocksDataset(_DatasetBase):
    """verl dataset whose training rows are the service's picks (verl 0.5 to 0.9).

    verl builds it with ``GoldilocksDataset(data_files=, tokenizer=, processor=, config=,
    max_samples=)`` (0.5 and 0.6 leave out ``max_samples``) for the training files and again for
    the validation files. The validation instance is verl's ``RLHFDataset`` unchanged. The
    training instance serves ``steps_per_epoch * B`` positions (``B`` = ``data.gen_batch_size``
    or ``data.train_batch_size``): position ``i`` of the epoch that starts at service step ``E``
    is slot ``i % B`` of step ``E + i // B``, and the row's ``extra_info`` gets ``goldilocks_step``,
    ``goldilocks_slot`` and ``goldilocks_epoch_start``. Needs ``data.shuffle=False`` (verl's
    sequential sampler) and no ``data.sampler.class_path``.

    ``on_batch_end(batch)`` (called by verl after every step but the last) posts the rewards under
    the step the rows carry and moves ``E`` on by one epoch after the epoch's last step; worker
    processes started for the next epoch inherit it. ``state_dict``/``load_state_dict`` put the
    position into verl's dataloader checkpoint (``data.pt``); ``data.goldilocks.checkpoint_dir``
    (set it to ``${trainer.default_local_dir}``) lets a resumed run start at the right step even
    where verl does not restore ``data.pt`` (0.8 and 0.9 at an epoch boundary).

    ``data.goldilocks``: ``url``; optional ``token``, ``run_id``, ``id_key`` (default ``index``,
    read from ``extra_info`` or a column), ``group_size`` (default: how often each question occurs
    in the batch, i.e. ``rollout.n``), ``reward_range`` ([low, high] mapped onto [0, 1]),
    ``checkpoint_dir``.
    """

    def __init__(self, data_files: Any, tokenizer: Any, config: Any, processor: Any = None, max_samples: int = -1):
        base_cls = _rlhf_dataset_class()
        kwargs: Dict[str, Any] = dict(data_files=data_files, tokenizer=tokenizer, config=config, processor=processor)
        if "max_samples" in inspect.signature(base_cls.__init__).parameters:
            kwargs["max_samples"] = max_samples
        elif max_samples not in (None, -1):
            raise ValueError(f"max_samples={max_samples} but this verl's RLHFDataset takes no max_samples")
        self.validation = _is_validation(data_files, config)
        if not self.validation:
            settings = _Settings(config)  # checked before verl reads and tokenises the files
            if _get(config, "shuffle", True):
                raise ValueError("GoldilocksDataset needs verl's sequential sampler: set data.shuffle=False")
            if _get(_get(config, "sampler", None), "class_path") is not None:
                raise ValueError("GoldilocksDataset picks the rows itself: leave data.sampler.class_path unset")
        self.base = base_cls(**kwargs)
        if self.validation:
            return
        self.settings = settings
        self.batch_size = settings.batch_size
        self.index_of = _index_of(_column_ids(self.base, settings.id_key))
        self.steps_per_epoch = len(self.index_of) // self.batch_size
        if self.steps_per_epoch < 1:
            raise ValueError(f"{len(self.index_of)} rows are fewer than one batch of {self.batch_size}")
        self.run_id = settings.run_id
        self.epoch_start = 0  # service step of the current epoch's first batch
        self.served_next = 0  # one past the newest step this process has served
        if settings.checkpoint_dir:
            resumed = _checkpointed_step(settings.checkpoint_dir)  # steps 0..resumed-1 are trained
            self.epoch_start = resumed - resumed % self.steps_per_epoch
            self.served_next = resumed
        self._client: Optional[GoldilocksClient] = None
        self._picks: "collections.OrderedDict[int, List[str]]" = collections.OrderedDict()

    # ------------------------------------------------------------------ verl's dataset protocol

    def __len__(self) -> int:
        return len(self.base) if self.validation else self.steps_per_epoch * self.batch_size

    def __getitem__(self, item: int) -> Dict[str, Any]:
        if self.validation:
            return self.base[item]
        item = int(item)
        if not 0 <= item < len(self):
            raise IndexError(f"position {item} is outside 0..{len(self) - 1}")
        step = self.epoch_start + item // self.batch_size
        slot = item % self.batch_size
        qid = self._step_picks(step)[slot]
        row = self.base[self.index_of[qid]]
        extra = dict(row.get("extra_info") or {})
        extra.update({STEP_KEY: step, SLOT_KEY: slot, EPOCH_START_KEY: self.epoch_start})
        row["extra_info"] = extra
        self.served_next = max(self.served_next, step + 1)
        return row

    def on_batch_end(self, batch: Any) -> None:
        """Posts the step's rewards (sequence reward = ``token_level_scores.sum(-1)``) under the
        service step the rows carry; after an epoch's last step the next epoch starts one epoch on."""
        if self.validation:
            raise GoldilocksError("on_batch_end called on the validation dataset")
        infos = _extra_infos(batch)
        if not infos or any(STEP_KEY not in e for e in infos):
            raise GoldilocksError(f"rows of this batch carry no extra_info[{STEP_KEY!r}]: "
                                  "was it served by GoldilocksDataset (data.custom_cls)?")
        steps = sorted({int(e[STEP_KEY]) for e in infos})
        if len(steps) != 1:
            raise GoldilocksError(f"one batch holds rows of service steps {steps[:5]}: verl must batch "
                                  f"data.train_batch_size rows in order (data.shuffle=False)")
        step = steps[0]
        epoch_start = int(infos[0][EPOCH_START_KEY])
        ids = _batch_ids(batch, self.settings.id_key)
        _post(self._service(), step, ids, _sequence_rewards(batch, len(ids)), self.settings.group_size,
              self.settings.reward_range)
        self.epoch_start = epoch_start + self.steps_per_epoch if step == epoch_start + self.steps_per_epoch - 1 \
            else epoch_start
        self.served_next = max(self.served_next, step + 1)

    def state_dict(self) -> Dict[str, Any]:
        """The position, saved by verl's ``StatefulDataLoader`` in ``data.pt``."""
        if self.validation:
            return {}
        return {"epoch_start": self.epoch_start, "served_next": self.served_next, "run_id": self.run_id,
                "batch_size": self.batch_size, "steps_per_epoch": self.steps_per_epoch}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        if self.validation or not state:
            return
        missing = {"epoch_start", "served_next", "batch_size", "steps_per_epoch"} - set(state)
        if missing:
            raise ValueError(f"the saved GoldilocksDataset state lacks {sorted(missing)}")
        if (int(state["batch_size"]), int(state["steps_per_epoch"])) != (self.batch_size, self.steps_per_epoch):
            raise ValueError(f"the checkpoint was written with batch {state['batch_size']} x "
                             f"{state['steps_per_epoch']} steps per epoch, this run has {self.batch_size} x "
                             f"{self.steps_per_epoch}")
        saved_run = state.get("run_id")
        if saved_run is not None and self.run_id is not None and str(saved_run) != str(self.run_id):
            raise ValueError(f"the checkpoint belongs to run {saved_run!r}, data.goldilocks.run_id is {self.run_id!r}")
        epoch_start, served_next = int(state["epoch_start"]), int(state["served_next"])
        if served_next - epoch_start >= self.steps_per_epoch:  # saved after the epoch's last step
            epoch_start = epoch_start + self.steps_per_epoch
        self.epoch_start, self.served_next = epoch_start, served_next
        if saved_run is not None and self.run_id is None:
            self.run_id = saved_run
            self.settings.run_id = saved_run
            self._client = None

    def __getattr__(self, name: str) -> Any:
        # everything else verl may ask of its dataset (dataframe, resume_dataset_state, ...)
        if name.startswith("__") or name == "base" or "base" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["base"], name)

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        state["_client"] = None  # each process opens its own
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)

    # verl's agent loop calls these on the class (0.7+), awaiting them
    @classmethod
    async def process_vision_info(cls, *args: Any, **kwargs: Any) -> Any:
        """verl's ``RLHFDataset.process_vision_info``, unchanged."""
        return await _maybe_await(_rlhf_dataset_class().process_vision_info(*args, **kwargs))

    @classmethod
    async def process_multi_modal_info(cls, *args: Any, **kwargs: Any) -> Any:
        """verl's ``RLHFDataset.process_multi_modal_info`` (0.8+), unchanged."""
        return await _maybe_await(_rlhf_dataset_class().process_multi_modal_info(*args, **kwargs))

    # ------------------------------------------------------------------ internals

    def _service(self) -> GoldilocksClient:
        if self._client is None:
            self._client = self.settings.client()
        return self._client

    def _step_picks(self, step: int) -> List[str]:
        if step not in self._picks:
            ids = [str(p["id"]) for p in self._service().picks(step, self.batch_size)]
            if len(ids) != self.batch_size:
                raise GoldilocksError(f"the service gave {len(ids)} picks for step {step}, asked for {self.batch_size}")
            unknown = [q for q in ids if q not in self.index_of]
            if unknown:
                raise GoldilocksError(f"the service picked {unknown[:3]} for step {step}, not in the training files")
            self._picks[step] = ids
            while len(self._picks) > _PICKS_CACHE:
                self._picks.popitem(last=False)
        return self._picks[step]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _rlhf_dataset_class() -> Any:
    try:
        from verl.utils.dataset.rl_dataset import RLHFDataset
    except ImportError as e:
        raise ImportError(f"GoldilocksDataset wraps verl's RLHFDataset, which cannot be imported: {e}") from e
    return RLHFDataset


def _is_validation(data_files: Any, config: Any) -> bool:
    files, train, val = _paths(data_files), _paths(_get(config, "train_files")), _paths(_get(config, "val_files"))
    if val is not None and files == val:
        if train is not None and files == train:
            raise ValueError("data.train_files and data.val_files are the same files: GoldilocksDataset tells the "
                             "two apart by their paths, so point data.val_files at a copy")
        return True
    return False


class GoldilocksCurriculumSampler(_SamplerBase):
    """verl (0.5 to 0.7.x) curriculum sampler backed by the service.

    verl builds it as ``GoldilocksCurriculumSampler(data_source=dataset, data_config=config.data)``
    and needs ``data.dataloader_num_workers=0``. Each pass hands out ``len(dataset) // B`` steps,
    numbered on across epochs; ``update(batch)`` posts the oldest handed-out step that has not been
    posted (verl calls it once per step, in order, the last step included). ``state_dict`` goes
    into verl's ``data.pt``. ``data.goldilocks`` as for :class:`GoldilocksDataset` (without
    ``checkpoint_dir``).
    """

    def __init__(self, data_source: Any, data_config: Any, client: Optional[GoldilocksClient] = None):
        self.settings = _Settings(data_config)
        if int(_get(data_config, "dataloader_num_workers", 8)) != 0:
            raise ValueError("GoldilocksCurriculumSampler needs data.dataloader_num_workers=0")
        self.client = client or self.settings.client()
        self.id_key = self.settings.id_key
        self.batch_size = self.settings.batch_size
        self.index_of = _index_of(_column_ids(data_source, self.id_key))
        self.steps_per_epoch = len(self.index_of) // self.batch_size
        if self.steps_per_epoch < 1:
            raise ValueError(f"{len(self.index_of)} rows are fewer than one batch of {self.batch_size}")
        self.next_step = 0
        self.epoch_steps = 0  # steps handed out in the current pass
        self._issued: "collections.deque[Tuple[int, List[str]]]" = collections.deque()

    def __iter__(self):
        if self.epoch_steps >= self.steps_per_epoch:
            self.epoch_steps = 0
        while self.epoch_steps < self.steps_per_epoch:
            step = self.next_step
            ids = [str(p["id"]) for p in self.client.picks(step, self.batch_size)]
            unknown = [q for q in ids if q not in self.index_of]
            if unknown or len(ids) != self.batch_size:
                raise GoldilocksError(f"the service picked {ids[:3]}... ({len(ids)}) for step {step}; "
                                      f"not in the dataset: {unknown[:3]}")
            self.next_step += 1
            self.epoch_steps += 1
            self._issued.append((step, ids))
            for qid in ids:
                yield self.index_of[qid]

    def __len__(self) -> int:
        return self.steps_per_epoch * self.batch_size

    def update(self, batch: Any) -> None:
        """Posts the rewards of the oldest step handed out and not yet posted."""
        if not self._issued:
            raise GoldilocksError("update() was called but no step handed out is waiting for rewards")
        step, picks = self._issued[0]
        ids = _batch_ids(batch, self.id_key)
        foreign = sorted(set(ids) - set(picks))
        if foreign:
            raise GoldilocksError(f"the batch holds {foreign[:3]}, which step {step} did not pick: "
                                  "is data.dataloader_num_workers 0 and data.shuffle unused?")
        _post(self.client, step, ids, _sequence_rewards(batch, len(ids)), self.settings.group_size,
              self.settings.reward_range)
        self._issued.popleft()

    def state_dict(self) -> Dict[str, Any]:
        return {"next_step": self.next_step, "epoch_steps": self.epoch_steps}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        if "next_step" not in state:
            raise ValueError(f"the saved sampler state lacks next_step: {sorted(state)}")
        self.next_step = int(state["next_step"])
        self.epoch_steps = int(state.get("epoch_steps", 0))
        self._issued.clear()
