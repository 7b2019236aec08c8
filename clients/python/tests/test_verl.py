"""verl adapters under a fake of verl that follows verl's own code and call order (verl itself is
not installable here). Read against verl's sources at tags v0.5.0 ... v0.9.0:

* ``create_rl_dataset`` builds ``data.custom_cls`` with keywords ``data_files, tokenizer, processor,
  config`` (+ ``max_samples`` from 0.7) for the training and again for the validation files;
  ``get_dataset_class`` (0.7+) insists on a ``torch.utils.data.Dataset`` subclass.
* ``create_rl_sampler`` builds ``data.sampler.class_path`` (0.5-0.7.x) with ``data_source`` and
  ``data_config`` and insists on ``dataloader_num_workers == 0``; else sequential when
  ``data.shuffle`` is false.
* the dataloader is torchdata's ``StatefulDataLoader`` (``drop_last``, verl's ``collate_fn``);
  ``data.pt`` is its ``state_dict()``; 0.8+ skips restoring it at an epoch boundary.
* ``fit``: uid per row, the generation batch takes every non-tensor field but ``data_source``,
  ``reward_model``, ``extra_info`` and ``uid`` (0.6+; 0.5 pops a fixed list that includes
  ``index``); the rollout brings the input fields back only in sync mode (0.5/0.6) or, from 0.7.1,
  when no reward-loop workers are given; rows are repeated ``rollout.n`` times and reordered;
  checkpoint; ``sampler.update`` (0.5-0.7.x); ``global_steps += 1``; return on the last step;
  ``train_dataset.on_batch_end(batch)``.
"""

import asyncio
import importlib
import json
import os
import sys
import types
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from torch.utils.data import Dataset, SequentialSampler

from conftest import Server
from goldilocks_client import GoldilocksClient, GoldilocksError

from torchdata.stateful_dataloader import StatefulDataLoader  # verl's dataloader

POOL = 9  # questions q0..q8; with a batch of 4, two steps per epoch and most picks repeat
BATCH = 4
N = 2  # rollout.n, the server's group size


# ---------------------------------------------------------------------------- fake verl

class FakeRLHFDataset(Dataset):
    """verl's RLHFDataset as far as the adapters touch it: a HF ``datasets.Dataset`` table in
    ``dataframe``, ``extra_info`` made a dict and ``index`` copied from it in ``__getitem__``,
    ``process_vision_info`` an awaited classmethod."""

    takes_max_samples = True

    def __init__(self, data_files, tokenizer, config, processor=None, **kwargs):
        import datasets
        if set(kwargs) - ({"max_samples"} if self.takes_max_samples else set()):
            raise TypeError(f"unexpected keywords {sorted(kwargs)}")
        files = [data_files] if isinstance(data_files, str) else list(data_files)
        tables = [pq.read_table(f) for f in files]
        self.dataframe = datasets.Dataset(datasets.table.InMemoryTable(pa.concat_tables(tables)))
        max_samples = kwargs.get("max_samples", -1)
        if max_samples > 0:
            self.dataframe = self.dataframe.select(range(max_samples))
        self.config = config

    def __len__(self):
        return len(self.dataframe)

    def __getitem__(self, item):
        row = self.dataframe[item]
        if row.get("extra_info") is None:
            row["extra_info"] = {}
        row["index"] = row["extra_info"].get("index", 0)
        row["dummy_tensor"] = torch.tensor([0], dtype=torch.uint8)
        return row

    @classmethod
    async def process_vision_info(cls, messages, image_patch_size, config):
        return (["image-of", messages[0]["content"]], image_patch_size)


class FakeRLHFDataset05(FakeRLHFDataset):
    takes_max_samples = False  # 0.5 and 0.6: no max_samples


def collate_fn(rows):
    tensors, others = {}, {}
    for row in rows:
        for k, v in row.items():
            (tensors if isinstance(v, torch.Tensor) else others).setdefault(k, []).append(v)
    out = {k: torch.stack(v) for k, v in tensors.items()}
    out.update({k: np.array(v, dtype=object) for k, v in others.items()})
    return out


class FakeDataProto:
    def __init__(self, batch, non_tensor_batch, meta_info=None):
        self.batch, self.non_tensor_batch, self.meta_info = batch, non_tensor_batch, meta_info or {}

    @classmethod
    def from_single_dict(cls, d):
        return cls({k: v for k, v in d.items() if isinstance(v, torch.Tensor)},
                   {k: v for k, v in d.items() if not isinstance(v, torch.Tensor)})

    def __len__(self):
        return len(next(iter(self.batch.values())))

    def pop(self, batch_keys=(), non_tensor_batch_keys=()):
        return FakeDataProto({k: self.batch.pop(k) for k in batch_keys},
                             {k: self.non_tensor_batch.pop(k) for k in non_tensor_batch_keys})

    def repeat(self, n):  # interleave=True
        return FakeDataProto({k: v.repeat_interleave(n, dim=0) for k, v in self.batch.items()},
                             {k: np.repeat(v, n, axis=0) for k, v in self.non_tensor_batch.items()})

    def union(self, other):
        return FakeDataProto({**self.batch, **other.batch}, {**self.non_tensor_batch, **other.non_tensor_batch})

    def reorder(self, perm):
        self.batch = {k: v[perm] for k, v in self.batch.items()}
        self.non_tensor_batch = {k: v[perm] for k, v in self.non_tensor_batch.items()}


def _load_extern(path, name):
    assert path.startswith("pkg://"), path
    return getattr(importlib.import_module(path[len("pkg://"):].replace("/", ".")), name)


class Verl:
    """One verl release: which fields survive to the hook, which hooks exist, how it resumes."""

    def __init__(self, version, rollout="agent"):
        self.version = tuple(int(x) for x in version.split("."))
        self.rollout = rollout  # "sync" (0.5/0.6 rollout.mode=sync) or "agent" (agent loop)
        self.has_sampler_hook = self.version < (0, 8)
        self.dataset_cls = FakeRLHFDataset05 if self.version < (0, 7) else FakeRLHFDataset

    def install(self):
        """Puts the fake's modules where verl's are, for the adapters' lazy imports."""
        mods = {name: types.ModuleType(name) for name in
                ["verl", "verl.utils", "verl.utils.dataset", "verl.utils.dataset.rl_dataset"]}
        mods["verl.utils.dataset.rl_dataset"].RLHFDataset = self.dataset_cls
        mods["verl.utils.dataset.rl_dataset"].collate_fn = collate_fn
        if self.has_sampler_hook:
            from torch.utils.data import Sampler

            class AbstractSampler(Sampler):
                pass

            class AbstractCurriculumSampler(AbstractSampler):
                def update(self, batch):
                    raise NotImplementedError

            for name in ["verl.experimental", "verl.experimental.dataset", "verl.experimental.dataset.sampler"]:
                mods[name] = types.ModuleType(name)
            mods["verl.experimental.dataset.sampler"].AbstractSampler = AbstractSampler
            mods["verl.experimental.dataset.sampler"].AbstractCurriculumSampler = AbstractCurriculumSampler
        sys.modules.update(mods)
        self.modules = mods
        import goldilocks_client.verl as adapters
        self.adapters = importlib.reload(adapters)  # its sampler base class is verl's where verl has one
        return self

    def uninstall(self):
        for name in self.modules:
            sys.modules.pop(name, None)
        import goldilocks_client.verl as adapters
        importlib.reload(adapters)

    # main_ppo.create_rl_dataset / rl_dataset.get_dataset_class
    def create_rl_dataset(self, files, data, is_train):
        custom = data.get("custom_cls") or {}
        cls = _load_extern(custom["path"], custom["name"]) if custom.get("path") else self.dataset_cls
        if not issubclass(cls, Dataset):
            raise TypeError(f"The custom dataset class '{custom.get('name')}' must inherit from "
                            "torch.utils.data.Dataset")
        kwargs = dict(data_files=files, tokenizer=None, processor=None, config=data)
        if self.version >= (0, 7):
            kwargs["max_samples"] = data.get("train_max_samples" if is_train else "val_max_samples", -1)
        return cls(**kwargs)

    # main_ppo.create_rl_sampler
    def create_rl_sampler(self, data, dataset):
        sampler_cfg = data.get("sampler") or {}
        if self.has_sampler_hook and sampler_cfg.get("class_path"):
            cls = _load_extern(sampler_cfg["class_path"], sampler_cfg["class_name"])
            sampler = cls(data_source=dataset, data_config=data)
            assert isinstance(sampler, self.modules["verl.experimental.dataset.sampler"].AbstractSampler)
            assert data.get("dataloader_num_workers", 8) == 0
            return sampler
        assert not data.get("shuffle", True), "these tests run verl with data.shuffle=False"
        return SequentialSampler(dataset)

    def gen_batch(self, batch):
        if self.version < (0, 6):  # 0.5 pops a fixed list of keys, index among them
            keys = [k for k in ["raw_prompt_ids", "raw_prompt", "tools_kwargs", "interaction_kwargs", "index",
                                "agent_name", "multi_modal_data"] if k in batch.non_tensor_batch]
            return batch.pop(["dummy_tensor"], keys)
        keep = {"data_source", "reward_model", "extra_info", "uid"} & set(batch.non_tensor_batch)
        gen = batch.pop([], sorted(set(batch.non_tensor_batch) - keep))
        if self.version >= (0, 7, 1) or self.rollout == "agent":
            gen.non_tensor_batch.update(batch.non_tensor_batch)
        return gen

    def generate(self, gen):
        rows = len(next(iter(gen.non_tensor_batch.values())))
        out = {"responses": torch.zeros(rows, 3, dtype=torch.long)}
        if self.rollout == "sync":  # vLLM's sync rollout returns the input's fields
            return FakeDataProto(out, dict(gen.non_tensor_batch))
        # the agent loop: __num_turns__ only; 0.7.1+ copies the input back when no reward-loop
        # workers are given, but with rule-based rewards they always are
        return FakeDataProto(out, {"__num_turns__": np.full(rows, 2, dtype=np.int32)})


def reward_of(info, k):
    """A rule-based reward per rollout, from the row's own extra_info."""
    return float((int(str(info["index"])[1:]) + k) % 2)


class FakeTrainer:
    """RayPPOTrainer's dataloader, checkpoint and fit loop, reduced to what touches the data."""

    def __init__(self, verl, data, total_epochs, total_training_steps=None, ckpt_dir=None, save_freq=0):
        self.verl, self.data = verl, data
        self.total_epochs, self.save_freq, self.ckpt_dir = total_epochs, save_freq, ckpt_dir
        self.train_dataset = verl.create_rl_dataset(data["train_files"], data, True)
        self.val_dataset = verl.create_rl_dataset(data["val_files"], data, False)
        sampler = verl.create_rl_sampler(data, self.train_dataset)
        workers = data.get("dataloader_num_workers", 8)
        self.train_dataloader = StatefulDataLoader(
            dataset=self.train_dataset, batch_size=data.get("gen_batch_size") or data["train_batch_size"],
            num_workers=workers, drop_last=True, collate_fn=collate_fn, sampler=sampler)
        self.val_dataloader = StatefulDataLoader(dataset=self.val_dataset, batch_size=len(self.val_dataset),
                                                 num_workers=workers, shuffle=True, drop_last=False,
                                                 collate_fn=collate_fn)
        self.total_training_steps = total_training_steps or len(self.train_dataloader) * total_epochs
        self.trained = {}  # global step -> the question ids it trained on, in batch order
        self.carried = {}  # global step -> the service steps its rows carry (GoldilocksDataset)
        self.validated = []

    def _load_checkpoint(self):
        tracker = os.path.join(self.ckpt_dir, "latest_checkpointed_iteration.txt") if self.ckpt_dir else None
        if not tracker or not os.path.exists(tracker):
            return
        self.global_steps = int(Path(tracker).read_text())
        path = os.path.join(self.ckpt_dir, f"global_step_{self.global_steps}", "data.pt")
        if self.verl.version >= (0, 8) and self.global_steps % len(self.train_dataloader) == 0:
            return  # 0.8+: "Skipping dataloader state restore" at an epoch boundary
        self.train_dataloader.load_state_dict(torch.load(path, weights_only=False))

    def _save_checkpoint(self):
        folder = os.path.join(self.ckpt_dir, f"global_step_{self.global_steps}")
        os.makedirs(folder, exist_ok=True)
        torch.save(self.train_dataloader.state_dict(), os.path.join(folder, "data.pt"))
        Path(self.ckpt_dir, "latest_checkpointed_iteration.txt").write_text(str(self.global_steps))

    def fit(self):
        self.global_steps = 0
        self._load_checkpoint()
        current_epoch = self.global_steps // len(self.train_dataloader) if self.verl.version >= (0, 7) else 0
        for val in self.val_dataloader:  # val_before_train
            self.validated.extend(list(val["extra_info"]))
        self.global_steps += 1
        for _epoch in range(current_epoch, self.total_epochs):
            for batch_dict in self.train_dataloader:
                batch = FakeDataProto.from_single_dict(batch_dict)
                batch.non_tensor_batch["uid"] = np.array([str(uuid.uuid4()) for _ in range(len(batch))], dtype=object)
                gen = self.verl.gen_batch(batch).repeat(N)
                is_last_step = self.global_steps >= self.total_training_steps
                out = self.verl.generate(gen)
                batch = batch.repeat(N).union(out)
                rows = len(batch.non_tensor_batch["uid"])
                batch.reorder(np.arange(rows)[::-1].copy())  # balance_batch reorders rows
                infos = list(batch.non_tensor_batch["extra_info"])
                self.trained[self.global_steps] = [str(e["index"]) for e in infos[::-1][::N]]
                self.carried[self.global_steps] = {e.get("goldilocks_step") for e in infos}
                scores = torch.zeros(rows, 3)
                scores[:, -1] = torch.tensor([reward_of(e, (rows - 1 - r) % N) for r, e in enumerate(infos)])
                batch.batch["token_level_scores"] = scores
                batch.batch["token_level_rewards"] = scores
                if self.save_freq > 0 and (is_last_step or self.global_steps % self.save_freq == 0):
                    self._save_checkpoint()
                sampler = self.train_dataloader.sampler
                if self.verl.has_sampler_hook and hasattr(sampler, "update"):
                    sampler.update(batch=batch)
                self.global_steps += 1
                if is_last_step:
                    return
                if hasattr(self.train_dataset, "on_batch_end"):
                    self.train_dataset.on_batch_end(batch=batch)


# ---------------------------------------------------------------------------- fixtures

def write_parquet(path, ids):
    rows = [{"data_source": "toy", "prompt": [{"role": "user", "content": f"question {q}"}],
             "reward_model": {"ground_truth": "1"}, "extra_info": {"index": q, "split": path.stem}} for q in ids]
    pq.write_table(pa.Table.from_pylist(rows), path)
    return str(path)


@pytest.fixture
def files(tmp_path):
    pool = tmp_path / "pool.jsonl"
    with open(pool, "w", encoding="utf-8") as f:
        for i in range(POOL):
            f.write(json.dumps({"id": f"q{i}", "text": f"question q{i}"}) + "\n")
    return {"pool": pool, "train": write_parquet(tmp_path / "train.parquet", [f"q{i}" for i in range(POOL)]),
            "val": write_parquet(tmp_path / "val.parquet", ["v0", "v1", "v2"]), "tmp": tmp_path}


@pytest.fixture
def small_server(files):
    s = Server(files["pool"], files["tmp"] / "state", group_size=N)
    yield s
    s.stop()


def data_config(files, url, workers=2, **goldilocks):
    return {"train_files": files["train"], "val_files": files["val"], "train_batch_size": BATCH, "shuffle": False,
            "dataloader_num_workers": workers, "sampler": {"class_path": None, "class_name": None},
            "custom_cls": {"path": "pkg://goldilocks_client.verl", "name": "GoldilocksDataset"},
            "goldilocks": {"url": url, **goldilocks}}


def metric(client, name):
    for line in client.metrics().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def feedback(client, kind):
    for line in client.metrics().splitlines():
        if line.startswith("goldilocks_feedback_total") and f'"{kind}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def assert_trained_the_picks(client, trained, carried=None):
    for global_step, ids in sorted(trained.items()):
        assert ids == [p["id"] for p in client.picks(global_step - 1, BATCH)], f"global step {global_step}"
        if carried is not None:
            assert carried[global_step] == {global_step - 1}, f"global step {global_step}"
    # on a pool about one batch in size the teacher picks the same questions again: a step cannot
    # be told from its ids, it has to travel with the rows
    assert len({frozenset(ids) for ids in trained.values()}) < len(trained)


@pytest.fixture
def verl(request):
    v = Verl(*request.param).install()
    yield v
    v.uninstall()


# ---------------------------------------------------------------------------- the dataset (0.5-0.9)

@pytest.mark.parametrize("verl", [("0.5.0", "sync"), ("0.7.0", "agent"), ("0.9.0", "agent")],
                         indirect=True, ids=["0.5-sync", "0.7.0", "0.9"])
def test_dataset_built_by_verl_trains_the_picks_over_epochs(verl, files, small_server):
    data = data_config(files, small_server.url)
    trainer = FakeTrainer(verl, data, total_epochs=2)
    assert type(trainer.train_dataset).__name__ == "GoldilocksDataset"
    trainer.fit()
    client = GoldilocksClient(small_server.url)
    steps = trainer.total_training_steps
    assert sorted(trainer.trained) == list(range(1, steps + 1)) and steps == 2 * (POOL // BATCH)
    assert_trained_the_picks(client, trainer.trained, trainer.carried)  # epoch 2 went on to new steps
    # every step's groups reached the teacher once, under its own step; verl skips the last hook
    assert metric(client, "goldilocks_groups_completed_total") == (steps - 1) * BATCH
    assert feedback(client, "duplicate") == 0 and feedback(client, "rejected") == 0
    # the validation set is verl's own rows, untouched
    assert sorted(e["index"] for e in trainer.validated) == ["v0", "v1", "v2"]
    assert all("goldilocks_step" not in e for e in trainer.validated)


@pytest.mark.parametrize("verl", [("0.8.0",)], indirect=True, ids=["0.8"])
def test_dataset_resumes_at_the_right_step(verl, files, small_server):
    """Stop mid-epoch (data.pt restored into the workers) and at an epoch boundary (0.8+ does not
    restore data.pt there: checkpoint_dir gives the step)."""
    ckpt = str(files["tmp"] / "ckpt")
    data = data_config(files, small_server.url, checkpoint_dir=ckpt)
    trained, carried = {}, {}
    for stop in (3, 4, 7):  # 3: mid-epoch 2; 4: end of epoch 2; 7: mid-epoch 4
        trainer = FakeTrainer(verl, data, total_epochs=5, total_training_steps=stop, ckpt_dir=ckpt, save_freq=1)
        trainer.fit()
        assert not set(trainer.trained) & set(trained), "a resumed run trained a global step again"
        trained.update(trainer.trained)
        carried.update(trainer.carried)
    assert sorted(trained) == list(range(1, 8))
    client = GoldilocksClient(small_server.url)
    assert_trained_the_picks(client, trained, carried)
    # each run's last step goes unposted: verl returns before on_batch_end
    assert metric(client, "goldilocks_groups_completed_total") == (7 - 3) * BATCH
    assert feedback(client, "duplicate") == 0 and feedback(client, "rejected") == 0


@pytest.mark.parametrize("verl", [("0.8.0",)], indirect=True, ids=["0.8"])
def test_dataset_resumes_from_data_pt_alone_in_one_process(verl, files, small_server):
    """Without checkpoint_dir: the position comes back through the dataloader state (state_dict)."""
    ckpt = str(files["tmp"] / "ckpt")
    data = data_config(files, small_server.url, workers=0, run_id="verl-run-1")
    first = FakeTrainer(verl, data, total_epochs=3, total_training_steps=3, ckpt_dir=ckpt, save_freq=1)
    first.fit()
    second = FakeTrainer(verl, data, total_epochs=3, ckpt_dir=ckpt, save_freq=1)
    assert second.train_dataset.epoch_start == 0  # nothing but data.pt tells it where the run was
    second.fit()
    assert sorted(second.trained) == [4, 5, 6]
    client = GoldilocksClient(small_server.url)
    assert_trained_the_picks(client, {**first.trained, **second.trained}, {**first.carried, **second.carried})
    assert metric(client, "goldilocks_groups_completed_total") == (6 - 2) * BATCH  # each run's last step unposted
    assert feedback(client, "duplicate") == 0 and feedback(client, "rejected") == 0
    assert client.ready()["run"] == "verl-run-1"  # every call carried the configured run id
    # a checkpoint of another run is refused and changes nothing
    state = second.train_dataset.state_dict()
    with pytest.raises(ValueError, match="belongs to run 'other-run'"):
        second.train_dataset.load_state_dict({**state, "epoch_start": 0, "run_id": "other-run"})
    assert second.train_dataset.state_dict() == state


def test_dataset_delegates_vision_and_refuses_bad_config(files):
    v = Verl("0.9.0").install()
    try:
        cls = v.adapters.GoldilocksDataset
        msgs = [{"role": "user", "content": "look"}]
        assert asyncio.run(cls.process_vision_info(msgs, image_patch_size=16, config={})) == (["image-of", "look"], 16)
        good = data_config(files, "http://127.0.0.1:9")
        for change, words in [({"shuffle": True}, "data.shuffle=False"),
                              ({"goldilocks": {}}, "data.goldilocks.url"),
                              ({"val_files": files["train"]}, "point data.val_files at a copy"),
                              ({"sampler": {"class_path": "pkg://x"}}, "data.sampler.class_path")]:
            with pytest.raises(ValueError, match=words.replace(".", r"\.")):
                cls(data_files=files["train"], tokenizer=None, processor=None, config={**good, **change},
                    max_samples=-1)
        val = cls(data_files=files["val"], tokenizer=None, processor=None, config=good, max_samples=-1)
        assert len(val) == 3 and val[0]["extra_info"] == {"index": "v0", "split": "val"}
        assert len(val.dataframe) == 3  # verl's own attributes reach through
    finally:
        v.uninstall()


# ---------------------------------------------------------------------------- the sampler (0.5-0.7.x)

@pytest.mark.parametrize("verl", [("0.6.0", "agent"), ("0.7.1", "agent")], indirect=True, ids=["0.6-async", "0.7.1"])
def test_curriculum_sampler_posts_every_step_under_its_own_number(verl, files, small_server):
    """A run stopped mid-epoch and resumed from data.pt (the sampler's state) to the end of epoch 3."""
    ckpt = str(files["tmp"] / "ckpt")
    data = data_config(files, small_server.url, workers=0)
    data["custom_cls"] = {"path": None, "name": None}
    data["sampler"] = {"class_path": "pkg://goldilocks_client.verl", "class_name": "GoldilocksCurriculumSampler"}
    trained = {}
    for stop in (3, None):
        trainer = FakeTrainer(verl, data, total_epochs=3, total_training_steps=stop, ckpt_dir=ckpt, save_freq=1)
        trainer.fit()
        trained.update(trainer.trained)
    assert sorted(trained) == list(range(1, 7))
    client = GoldilocksClient(small_server.url)
    assert_trained_the_picks(client, trained)
    assert metric(client, "goldilocks_groups_completed_total") == 6 * BATCH  # update runs on the last step too
    assert feedback(client, "duplicate") == 0 and feedback(client, "rejected") == 0
    # a batch of questions the step did not pick is refused, and the step stays waiting
    sampler = verl.adapters.GoldilocksCurriculumSampler(verl.dataset_cls(files["train"], None, data), data)
    assert isinstance(sampler, verl.modules["verl.experimental.dataset.sampler"].AbstractCurriculumSampler)
    next(iter(sampler))  # verl's dataloader asks for step 0
    picked = {p["id"] for p in client.picks(0, BATCH)}
    other = next(f"q{i}" for i in range(POOL) if f"q{i}" not in picked)
    batch = FakeDataProto({"token_level_scores": torch.zeros(N, 3)},
                          {"extra_info": np.array([{"index": other}] * N, dtype=object)})
    with pytest.raises(GoldilocksError, match="did not pick"):
        sampler.update(batch)
    assert sampler.state_dict() == {"next_step": 1, "epoch_steps": 1} and len(sampler._issued) == 1
