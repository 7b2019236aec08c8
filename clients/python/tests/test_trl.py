"""End to end with the real TRL: GRPOTrainer on a tiny random Qwen2 model, prompts from the service."""

import json
import threading

import pytest

torch = pytest.importorskip("torch")
trl = pytest.importorskip("trl")

from conftest import Server  # noqa: E402
from datasets import Dataset  # noqa: E402
from transformers import Qwen2Config, Qwen2ForCausalLM  # noqa: E402
from trl_driver import char_tokenizer  # noqa: E402

from goldilocks_client import GoldilocksClient, RunMismatchError  # noqa: E402
from goldilocks_client.trl import GoldilocksGRPOTrainer, goldilocks_reward  # noqa: E402


class ThreadRecordingClient(GoldilocksClient):
    """Records the step and the thread of every picks and rewards call."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.seen = []

    def picks(self, step, n):
        self.seen.append(("picks", step, threading.current_thread().name))
        return super().picks(step, n)

    def rewards(self, step, results):
        self.seen.append(("rewards", step, threading.current_thread().name))
        return super().rewards(step, results)


def test_grpo_trainer_trains_on_the_services_picks_and_reports_rewards(tmp_path):
    torch.manual_seed(0)
    rows = [{"id": f"q{i}", "text": f"What is {i % 10}+{i % 7}?"} for i in range(40)]
    pool = tmp_path / "pool.jsonl"
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    server = Server(pool, tmp_path / "state", group_size=4)
    try:
        client = ThreadRecordingClient(server.url)
        tokenizer = char_tokenizer()
        config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                             pad_token_id=0, eos_token_id=1, bos_token_id=2, tie_word_embeddings=True)
        model = Qwen2ForCausalLM(config)
        dataset = Dataset.from_dict({"id": [r["id"] for r in rows], "prompt": [r["text"] for r in rows]})
        trained = []

        def reward_digits(prompts, completions, id, **kwargs):  # noqa: A002 - TRL passes dataset columns by name
            trained.append((list(id), list(prompts)))
            return [float(sum(ch.isdigit() for ch in c) % 2) for c in completions]

        args = trl.GRPOConfig(output_dir=str(tmp_path / "out"), per_device_train_batch_size=8, num_generations=4,
                              max_completion_length=6, max_steps=3, learning_rate=1e-3, logging_steps=1,
                              report_to="none", use_cpu=True, save_strategy="no", seed=0, bf16=False,
                              dataloader_num_workers=0)
        trainer = GoldilocksGRPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                        reward_funcs=goldilocks_reward(reward_digits, client, num_generations=4),
                                        goldilocks_client=client)
        trainer.train()

        assert len(trained) == 3, "one reward call per generation batch, 3 steps"
        # the calls left the training loop's thread: posts and the picks asked ahead after them
        # (the loader reads step s + 1 ahead while step s trains; the post of s is followed by the picks of s + 2)
        # (the picks of step 4, asked after the last post, may be cancelled at the end before they leave)
        seen = list(client.seen)
        order = [(k, s) for k, s, _ in seen]
        assert order[:7] == [("picks", 0), ("picks", 1), ("rewards", 0), ("picks", 2), ("rewards", 1), ("picks", 3),
                             ("rewards", 2)] and order[7:] in ([], [("picks", 4)]), seen
        assert all(t.startswith("goldilocks-service") for k, s, t in seen if k == "rewards" or s >= 2), seen
        for step, (ids, prompts) in enumerate(trained):
            picks = client.picks(step, 2)  # idempotent: what the service handed out for that step
            expected = [p["id"] for p in picks for _ in range(4)]
            assert sorted(ids) == sorted(expected), f"step {step}: TRL trained on {ids}, the service picked {expected}"
            text = {p["id"]: p["text"] for p in picks}
            assert all(text[i] == pr for i, pr in zip(ids, prompts))
        metrics = client.metrics()
        assert "goldilocks_groups_completed_total 6" in metrics
        assert 'goldilocks_feedback_total{status="rejected"} 0' in metrics

        # a new run (a new trainer, its own run id) against the same state: refused before it trains
        second = GoldilocksGRPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                       reward_funcs=goldilocks_reward(reward_digits, GoldilocksClient(server.url),
                                                                      num_generations=4),
                                       goldilocks_client=GoldilocksClient(server.url))
        with pytest.raises(RunMismatchError, match=client.run_id):
            second.train()
        assert len(trained) == 3, "the refused run trained nothing"
        assert "goldilocks_groups_completed_total 6" in client.metrics()
    finally:
        server.stop()
