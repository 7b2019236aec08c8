"""GoldilocksDataset inside real Ray actors, where verl runs it: a TaskRunner-like actor builds the
trainer and its dataloader (two worker processes forked from the actor) and calls on_batch_end; an
agent-loop-like actor awaits ``process_vision_info`` on the class it loads from ``data.custom_cls``.

Needs Ray (``pip install ray``, about 70 MB), which clients/python/run-tests.sh does not install:
without it this module is skipped. Run it with Ray on the path, e.g.
``pip install --target /tmp/ray ray && PYTHONPATH=/tmp/ray python -m pytest tests/test_verl_ray.py``.
"""

import asyncio
import os
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

import test_verl as tv  # noqa: E402  (the fake of verl, fixtures' helpers)
from goldilocks_client import GoldilocksClient  # noqa: E402

PATHS = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]


@ray.remote(num_cpus=1)
class TaskRunner:
    def fit(self, version, files, url):
        sys.path[:0] = PATHS
        import test_verl
        v = test_verl.Verl(version).install()
        trainer = test_verl.FakeTrainer(v, test_verl.data_config(files, url), total_epochs=2)
        trainer.fit()
        return os.getpid(), trainer.trained, {g: sorted(s) for g, s in trainer.carried.items()}


@ray.remote(num_cpus=1)
class AgentLoopWorker:
    def vision(self, version):
        sys.path[:0] = PATHS
        import test_verl
        test_verl.Verl(version).install()
        cls = test_verl._load_extern("pkg://goldilocks_client.verl", "GoldilocksDataset")
        return asyncio.run(cls.process_vision_info([{"role": "user", "content": "look"}], image_patch_size=14,
                                                   config={}))


@pytest.fixture
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(PATHS + sys.path)}})
    yield
    ray.shutdown()


def test_dataset_in_ray_actors(tmp_path, ray_cluster):
    pool = tmp_path / "pool.jsonl"
    pool.write_text("".join(f'{{"id": "q{i}", "text": "question q{i}"}}\n' for i in range(tv.POOL)))
    files = {"train": tv.write_parquet(tmp_path / "train.parquet", [f"q{i}" for i in range(tv.POOL)]),
             "val": tv.write_parquet(tmp_path / "val.parquet", ["v0", "v1", "v2"])}
    server = tv.Server(pool, tmp_path / "state", group_size=tv.N)
    try:
        pid, trained, carried = ray.get(TaskRunner.remote().fit.remote("0.8.0", files, server.url))
        assert pid != os.getpid()
        client = GoldilocksClient(server.url)
        tv.assert_trained_the_picks(client, trained, {g: set(s) for g, s in carried.items()})
        assert sorted(trained) == [1, 2, 3, 4]
        assert tv.metric(client, "goldilocks_groups_completed_total") == 3 * tv.BATCH  # the last step unposted
        assert tv.feedback(client, "duplicate") == 0 and tv.feedback(client, "rejected") == 0
        assert ray.get(AgentLoopWorker.remote().vision.remote("0.8.0")) == (["image-of", "look"], 14)
    finally:
        server.stop()
