"""A short supervised warm-up on well-formed answers, before GRPO.

A freshly built tiny model writes noise: no answer would ever earn a reward and GRPO would
have nothing to compare. A few hundred tokens of supervised training on answers in the
reasoning-then-generation format (the built-in problems' known proofs, plus a share with a
``sorry`` gap, the typical failure that feeds the error-correction loop) teach the format
roughly; RL then sharpens it. The loss covers the answer tokens only (the prompt is
masked), as in any chat fine-tuning.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kimina_prover_rl.data import builtin_problems, builtin_rows, flawed_answer, reference_answer
from kimina_prover_rl.errors import ConfigError

__all__ = ["WarmupConfig", "warmup", "warmup_examples"]

Conversation = tuple[list[dict[str, str]], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class WarmupConfig:
    """Steps, batch size, learning rate, seed, and the share of problems that also get an
    answer with a sorry gap."""

    steps: int = 300
    batch_size: int = 8
    learning_rate: float = 3e-3
    flawed_share: float = 0.25
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 0 or self.batch_size < 1:
            raise ConfigError(
                f"WarmupConfig steps={self.steps}, batch_size={self.batch_size}: pass "
                "steps >= 0 (0 skips the warm-up) and batch_size >= 1"
            )
        if not 0 <= self.flawed_share <= 1 or not self.learning_rate > 0:
            raise ConfigError(
                f"WarmupConfig flawed_share={self.flawed_share}, learning_rate="
                f"{self.learning_rate}: pass a share in [0, 1] and a positive rate"
            )


def warmup_examples(config: WarmupConfig) -> list[Conversation]:
    """(prompt messages, answer) pairs: every built-in problem with its reference answer,
    and ``flawed_share`` of the problems (drawn from the seed) with a flawed answer too, so
    the warmed-up model sometimes leaves a gap on those, as a weak prover does."""
    pairs = list(zip(builtin_rows(), builtin_problems(), strict=True))
    examples = [(row["prompt"], reference_answer(problem)) for row, problem in pairs]
    flawed = random.Random(config.seed).sample(pairs, round(config.flawed_share * len(pairs)))
    examples += [(row["prompt"], flawed_answer(problem)) for row, problem in flawed]
    return examples


def warmup(
    model: Any,
    tokenizer: Any,
    config: WarmupConfig,
    *,
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` in place for ``config.steps`` steps; return the loss of each step."""
    import torch

    examples = warmup_examples(config)
    encoded = [_encode(tokenizer, prompt, answer) for prompt, answer in examples]
    rng = random.Random(config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    model.train()
    losses = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        for step in range(config.steps):
            batch = [encoded[rng.randrange(len(encoded))] for _ in range(config.batch_size)]
            input_ids, labels, mask = _pad(batch, tokenizer.pad_token_id)
            loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if on_step is not None:
                on_step(step + 1, losses[-1])
    model.eval()
    return losses


def _encode(tokenizer: Any, prompt: list[dict[str, str]], answer: str) -> tuple[list[int], int]:
    """Token ids of prompt + answer + EOS, and how many of them are the prompt."""
    head = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
    prompt_ids = tokenizer(head, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    return [*prompt_ids, *answer_ids, tokenizer.eos_token_id], len(prompt_ids)


def _pad(batch: Sequence[tuple[list[int], int]], pad_id: int) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(ids) for ids, _ in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (ids, prompt_len) in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        labels[row, prompt_len : len(ids)] = torch.tensor(ids[prompt_len:])
        mask[row, : len(ids)] = 1
    return input_ids, labels, mask
