"""A short supervised warm-up on well-formed answers, before GRPO.

A freshly built tiny model writes noise: no answer would ever earn a reward and GRPO would
have nothing to compare. A few hundred tokens of supervised training on answers in the
reasoning-then-generation format (the built-in problems' known proofs, plus a share with a
``sorry`` gap, the typical failure that feeds the error-correction loop) teach the format
roughly; RL then sharpens it. TRL's ``SFTTrainer`` trains on prompt-completion pairs
(the prompt rendered by the chat template as generation sees it, the answer plus EOS) with
its completion-only loss: the prompt is masked, as in any chat fine-tuning.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kimina_prover_rl.data import (
    ChatMessage,
    builtin_problems,
    builtin_rows,
    flawed_answer,
    reference_answer,
)
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.trl._cpu import cpu_training_args

__all__ = ["WarmupConfig", "warmup", "warmup_examples"]

Conversation = tuple[list[ChatMessage], str]


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
    if not config.steps:
        return []
    import datasets
    from transformers import PrinterCallback, TrainerCallback
    from trl.trainer.sft_config import SFTConfig
    from trl.trainer.sft_trainer import SFTTrainer

    losses: list[float] = []

    class _Losses(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            logs = kwargs.get("logs") or {}
            if "loss" in logs:
                losses.append(float(logs["loss"]))
                if on_step is not None:
                    on_step(state.global_step, losses[-1])

    rows = [
        {
            "prompt": tokenizer.apply_chat_template(
                prompt, tokenize=False, add_generation_prompt=True
            ),
            "completion": answer,
        }
        for prompt, answer in warmup_examples(config)
    ]
    with tempfile.TemporaryDirectory(prefix="kimina-warmup-") as out:
        args = SFTConfig(
            output_dir=out,
            max_steps=config.steps,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            lr_scheduler_type="constant",
            optim="adamw_torch",
            weight_decay=0.01,  # torch's AdamW default
            max_grad_norm=0.0,  # no clipping: a few steps at a high rate
            completion_only_loss=True,
            logging_steps=1,
            save_strategy="no",
            **cpu_training_args(config.seed),
        )
        bars_were_off = datasets.are_progress_bars_disabled()
        datasets.disable_progress_bars()  # the caller shows the warm-up's progress
        try:
            trainer = SFTTrainer(
                model=model,
                args=args,
                train_dataset=datasets.Dataset.from_list(rows),
                processing_class=tokenizer,
                callbacks=[_Losses()],
            )
        finally:
            if not bars_were_off:
                datasets.enable_progress_bars()
        trainer.remove_callback(PrinterCallback)
        trainer.train()
    model.eval()
    return losses
