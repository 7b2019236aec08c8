"""verl adapters against a fake of the DataProto fields they read (verl is not installable here)."""

import torch

from goldilocks_client import GoldilocksClient
from goldilocks_client.verl import GoldilocksCurriculumSampler, GoldilocksDatasetProxy


class FakeDataProto:
    """The two fields the adapters read, shaped as verl fills them."""

    def __init__(self, ids, sequence_rewards, response_length=5):
        scores = torch.zeros(len(ids), response_length)
        scores[:, -1] = torch.tensor(sequence_rewards, dtype=torch.float32)  # verl puts the reward on the last token
        self.batch = {"token_level_scores": scores}
        self.non_tensor_batch = {"index": list(ids), "uid": [f"u{i}" for i in range(len(ids))]}


def dataset():
    return [{"prompt": f"What is {i}+1?", "extra_info": {"index": f"q{i}"}} for i in range(200)]


def test_curriculum_sampler_picks_and_learns(server):
    client = GoldilocksClient(server.url)
    cfg = {"train_batch_size": 4, "goldilocks": {"url": server.url, "group_size": 4}}
    sampler = GoldilocksCurriculumSampler(dataset(), cfg, client=client)
    it = iter(sampler)
    first = [next(it) for _ in range(4)]
    assert [f"q{i}" for i in first] == [p["id"] for p in client.picks(0, 4)]
    # verl repeats each prompt rollout.n times and may reorder rows (batch balancing)
    ids = [f"q{i}" for i in first for _ in range(4)][::-1]
    sampler.update(FakeDataProto(ids, [float(k % 2) for k in range(16)]))
    assert "goldilocks_groups_completed_total 4" in client.metrics()
    assert sampler.state_dict() == {"next_step": 1}


def test_dataset_proxy_for_verl_0_8(server):
    client = GoldilocksClient(server.url)
    data = dataset()
    proxy = GoldilocksDatasetProxy(data, client, batch_size=4, group_size=4)
    rows = [proxy[i] for i in range(4)]
    step0 = [p["id"] for p in client.picks(0, 4)]
    assert [r["extra_info"]["index"] for r in rows] == step0
    proxy.on_batch_end(FakeDataProto([q for q in step0 for _ in range(4)], [1.0, 0.0] * 8))
    assert "goldilocks_groups_completed_total 4" in client.metrics()
