"""Runs GoldilocksGRPOTrainer cases for the tests, in one process or under ``accelerate launch``.

``python trl_driver.py SPEC.json``: SPEC holds a list of cases; each trains a tiny random Qwen2
model (character tokenizer, CPU) against a live server and appends, on the main process, one
JSON line per reward call to the case's ``record`` file: the (step, slot, id) of every completion
the ranks trained on, gathered from all ranks. Cases run one after another in the same processes
so that the start-up cost (torch, transformers, the process group) is paid once.

A case: ``url``, ``record``, ``output_dir``, ``rows`` (pool size), ``per_device``,
``num_generations``, ``grad_accum``, ``num_iterations``, ``steps_per_generation`` (optional),
``max_steps``, ``save_steps`` (0: no checkpoints), ``resume`` (true: from the newest checkpoint),
``run_id`` (optional), ``workers`` (dataloader workers).
"""

import json
import logging
import os
import sys
from pathlib import Path

import torch
import trl
from datasets import Dataset
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from goldilocks_client import GoldilocksClient  # noqa: E402
from goldilocks_client.trl import GoldilocksGRPOTrainer, goldilocks_reward  # noqa: E402


def char_tokenizer():
    """A character tokenizer built here (nothing downloaded)."""
    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3}
    for ch in "0123456789+-=?. Whatis":
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", bos_token="<bos>",
                                   unk_token="<unk>")


def pool_rows(n):
    return [{"id": f"q{i}", "text": f"What is {i % 10}+{i % 7}?"} for i in range(n)]


def tiny_model(tokenizer):
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         pad_token_id=0, eos_token_id=1, bos_token_id=2, tie_word_embeddings=True)
    return Qwen2ForCausalLM(config)


def run_case(case, tokenizer):
    torch.manual_seed(0)
    rows = pool_rows(case["rows"])
    dataset = Dataset.from_dict({"id": [r["id"] for r in rows], "prompt": [r["text"] for r in rows]})
    client = GoldilocksClient(case["url"], run_id=case.get("run_id"), retry_deadline=120, max_backoff=1.0)
    record = case["record"]
    rank0 = int(os.environ.get("RANK", "0")) == 0

    def reward_digits(prompts, completions, id, **kwargs):  # noqa: A002 - TRL passes dataset columns by name
        assert "goldilocks_step" not in kwargs, "the adapter's columns are not passed on"
        return [float(sum(ch.isdigit() for ch in c) % 2) for c in completions]

    G = case["num_generations"]
    wrapped = goldilocks_reward(reward_digits, client, num_generations=G)

    def recording(prompts=None, completions=None, **kwargs):
        local = [(int(s), int(sl), str(q)) for s, sl, q in zip(kwargs["goldilocks_step"], kwargs["goldilocks_slot"],
                                                                kwargs["id"])]
        if torch.distributed.is_initialized() and torch.distributed.get_world_size() > 1:
            parts = [None] * torch.distributed.get_world_size()
            torch.distributed.all_gather_object(parts, local)
            local = [r for p in parts for r in p]
        if rank0:
            with open(record, "a", encoding="utf-8") as f:
                f.write(json.dumps(local) + "\n")
        return wrapped(prompts=prompts, completions=completions, **kwargs)

    recording.__name__ = "reward_digits"
    save_steps = case.get("save_steps", 0)
    extra = {}
    if case.get("steps_per_generation"):
        extra["steps_per_generation"] = case["steps_per_generation"]
    args = trl.GRPOConfig(output_dir=case["output_dir"], per_device_train_batch_size=case["per_device"],
                          num_generations=G, max_completion_length=4, max_steps=case["max_steps"],
                          gradient_accumulation_steps=case.get("grad_accum", 1),
                          num_iterations=case.get("num_iterations", 1), learning_rate=1e-3, logging_steps=1000,
                          report_to="none", use_cpu=True, seed=0, bf16=False,
                          save_strategy="steps" if save_steps else "no", save_steps=save_steps or 500,
                          dataloader_num_workers=case.get("workers", 0), disable_tqdm=True, **extra)
    trainer = GoldilocksGRPOTrainer(model=tiny_model(tokenizer), args=args, train_dataset=dataset,
                                    processing_class=tokenizer, reward_funcs=recording, goldilocks_client=client)
    trainer.train(resume_from_checkpoint=True if case.get("resume") else None)


def main():
    logging.basicConfig(level=logging.WARNING)
    cases = json.loads(Path(sys.argv[1]).read_text())
    tokenizer = char_tokenizer()
    for case in cases:
        run_case(case, tokenizer)
        if torch.distributed.is_initialized():
            torch.distributed.barrier()


if __name__ == "__main__":
    main()
