"""TRL adapter: prompts chosen by the Goldilocks service, rewards sent back to it.

Use :class:`GoldilocksGRPOTrainer` instead of ``trl.GRPOTrainer`` and wrap the reward function
with :func:`goldilocks_reward`::

    client = GoldilocksClient("http://127.0.0.1:8080", token=os.environ.get("GOLDILOCKS_TOKEN"))
    trainer = GoldilocksGRPOTrainer(
        model=model, args=GRPOConfig(...), train_dataset=dataset,   # dataset has "id" and "prompt"
        reward_funcs=goldilocks_reward(my_reward, client, num_generations=8),
        goldilocks_client=client)

The dataset rows must carry the question ids the server's pool uses (column ``id`` by default).
Every rank asks the service for the picks of each generation batch by its number (the service
answers every rank alike), and keeps TRL's ``RepeatSampler`` layout: each pick repeated
``num_generations`` times, each chunk of picks repeated ``num_iterations * steps_per_generation``
times.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

from .client import GoldilocksClient, GoldilocksError, IssuedSteps, results_by_question

try:  # TRL and torch are optional: only this module needs them
    import torch
    from torch.utils.data import Sampler
    from trl import GRPOTrainer
except ImportError as e:  # pragma: no cover - exercised only without TRL
    raise ImportError("goldilocks_client.trl needs trl and torch: pip install 'goldilocks-client[trl]'") from e


def _issued(client: GoldilocksClient) -> IssuedSteps:
    reg = getattr(client, "_goldilocks_issued", None)
    if reg is None:
        reg = IssuedSteps()
        setattr(client, "_goldilocks_issued", reg)
    return reg


class ServiceSampler(Sampler):
    """A ``RepeatSampler`` whose prompts come from the service, one service step per chunk."""

    def __init__(self, client: GoldilocksClient, ids: Sequence[str], mini_repeat_count: int, batch_size: int,
                 repeat_count: int = 1, first_step: int = 0):
        if batch_size < 1 or mini_repeat_count < 1 or repeat_count < 1:
            raise ValueError("batch_size, mini_repeat_count and repeat_count must be >= 1")
        self.client = client
        self.index_of: Dict[str, int] = {}
        for i, qid in enumerate(ids):
            qid = str(qid)
            if qid in self.index_of:
                raise ValueError(f"question id {qid!r} appears twice in the dataset")
            self.index_of[qid] = i
        self.mini_repeat_count = mini_repeat_count
        self.batch_size = batch_size
        self.repeat_count = repeat_count
        self.num_batches = len(self.index_of) // batch_size
        self.next_step = first_step

    def __iter__(self):
        for _ in range(self.num_batches):
            step = self.next_step
            self.next_step += 1
            picks = self.client.picks(step, self.batch_size)
            ids = [p["id"] for p in picks]
            missing = [i for i in ids if i not in self.index_of]
            if missing:
                raise GoldilocksError(f"the service picked ids that are not in the dataset: {missing[:5]}")
            _issued(self.client).add(step, ids)
            chunk = [self.index_of[i] for i in ids]
            for _ in range(self.repeat_count):
                for index in chunk:
                    for _ in range(self.mini_repeat_count):
                        yield index

    def __len__(self) -> int:
        return self.num_batches * self.batch_size * self.mini_repeat_count * self.repeat_count

    def state_dict(self) -> Dict[str, Any]:
        return {"next_step": self.next_step}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        self.next_step = int(state["next_step"])


class GoldilocksGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` whose training prompts are the service's picks."""

    def __init__(self, *args, goldilocks_client: GoldilocksClient, id_column: str = "id", **kwargs):
        self.goldilocks_client = goldilocks_client
        self.goldilocks_id_column = id_column
        super().__init__(*args, **kwargs)

    def _get_train_sampler(self, dataset=None) -> Sampler:
        if dataset is None:
            dataset = self.train_dataset
        if self.goldilocks_id_column not in dataset.column_names:
            raise ValueError(f"the training dataset needs a {self.goldilocks_id_column!r} column with the pool's question ids")
        return ServiceSampler(
            self.goldilocks_client,
            dataset[self.goldilocks_id_column],
            mini_repeat_count=self.num_generations,
            batch_size=self.args.generation_batch_size // self.num_generations,
            repeat_count=self.num_iterations * self.args.steps_per_generation,
        )


def goldilocks_reward(reward_func: Callable[..., List[float]], client: GoldilocksClient, num_generations: int,
                      id_column: str = "id", reward_range: Optional[tuple] = None) -> Callable[..., List[float]]:
    """Wraps a TRL reward function: returns its rewards unchanged and posts them to the service,
    grouped by question, under the service step that handed the questions out.

    With several processes the rewards are gathered first and the main process posts whole
    groups (a group's G completions may be spread over ranks). ``reward_range=(low, high)`` maps
    rewards into [0, 1] for the service (whose default range is [0, 1]); ``None`` sends them as they are.
    """

    def wrapped(prompts=None, completions=None, **kwargs):
        rewards = reward_func(prompts=prompts, completions=completions, **kwargs)
        ids = kwargs.get(id_column)
        if ids is None:
            raise GoldilocksError(f"the reward function got no {id_column!r} column: keep it in the dataset")
        values = [float("nan") if r is None else float(r) for r in rewards]
        if reward_range is not None:
            low, high = reward_range
            values = [(v - low) / (high - low) for v in values]
        pairs = list(zip([str(i) for i in ids], values))
        if torch.distributed.is_available() and torch.distributed.is_initialized() and torch.distributed.get_world_size() > 1:
            gathered: List[Any] = [None] * torch.distributed.get_world_size()
            torch.distributed.all_gather_object(gathered, pairs)
            if torch.distributed.get_rank() != 0:
                return rewards
            pairs = [p for part in gathered for p in part]
        step = _issued(client).step_of([i for i, _ in pairs])
        results = results_by_question([q for q, _ in pairs], [v for _, v in pairs], num_generations)
        answer = client.rewards(step, results)
        if answer.get("rejected"):
            raise GoldilocksError(f"the service rejected rewards: {answer['rejected'][:3]}")
        return rewards

    wrapped.__name__ = getattr(reward_func, "__name__", "reward")
    return wrapped
