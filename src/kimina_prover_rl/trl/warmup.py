"""A short supervised warm-up that makes the model a weak prover, before GRPO.

A freshly built tiny model writes noise: no answer would ever earn a reward and GRPO would
have nothing to compare. A few hundred steps of supervised training on answers in the
reasoning-then-generation format teach it the format and, beside the built-in problems'
known proofs, the answers of a weak prover: a share with a ``sorry`` gap, for the
arithmetic problems a false drafted value, and a share that slips on the format (no think
block, or a single draft). The warmed-up model writes all of these; GRPO learns from the
reward which ones pay. (GRPO on a model this small does not sharpen a noisy policy, it
learns to choose among the answers it already writes: ``docs/benchmarks.md`` has the
runs.) Correction conversations (:func:`correction_examples`: a flawed answer, the
feedback the reward really gives it, the fixed answer) teach the second turn, so
corrections served in GRPO batches can succeed. TRL's ``SFTTrainer`` trains on
prompt-completion pairs (the prompt rendered by the chat template as generation sees it,
the answer plus EOS) with its completion-only loss: the prompt is masked, as in any chat
fine-tuning.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from kimina_prover_rl.data import (
    BuiltinProblem,
    ChatMessage,
    Malformation,
    builtin_problems,
    builtin_rows,
    flawed_answer,
    malformed_answer,
    reference_answer,
    wrong_answer,
)
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.reward import (
    CorrectionPrompt,
    CorrectionSettings,
    Sample,
    Scorer,
    correction_for,
)
from kimina_prover_rl.trl._cpu import cpu_training_args

__all__ = ["WarmupConfig", "correction_examples", "flawed_examples", "warmup", "warmup_examples"]

Conversation = tuple[list[ChatMessage], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class WarmupConfig:
    """Steps, batch size, learning rate, seed, and the shares of problems that also get an
    answer with a sorry gap (``flawed_share``) and a malformed one (``malformed_share``)."""

    steps: int = 400
    batch_size: int = 8
    learning_rate: float = 3e-3
    flawed_share: float = 0.25
    malformed_share: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 0 or self.batch_size < 1:
            raise ConfigError(
                f"WarmupConfig steps={self.steps}, batch_size={self.batch_size}: pass "
                "steps >= 0 (0 skips the warm-up) and batch_size >= 1"
            )
        shares = (self.flawed_share, self.malformed_share)
        if not all(0 <= share <= 1 for share in shares) or not self.learning_rate > 0:
            raise ConfigError(
                f"WarmupConfig flawed_share={self.flawed_share}, malformed_share="
                f"{self.malformed_share}, learning_rate={self.learning_rate}: pass shares "
                "in [0, 1] and a positive rate"
            )


def flawed_examples(config: WarmupConfig) -> list[tuple[BuiltinProblem, str]]:
    """The flawed answers the warm-up shows: ``flawed_share`` of the problems (drawn from
    the seed) with a sorry gap, every problem that drafts values with a false one, and
    ``malformed_share`` of the problems (drawn apart) with a malformed answer, its kind
    alternating."""
    problems = builtin_problems()
    draw = random.Random(config.seed)
    gaps = draw.sample(problems, round(config.flawed_share * len(problems)))
    flawed = [(problem, flawed_answer(problem)) for problem in gaps]
    for problem in problems:
        if (wrong := wrong_answer(problem)) is not None:
            flawed.append((problem, wrong))
    slips = draw.sample(problems, round(config.malformed_share * len(problems)))
    kinds: tuple[Malformation, ...] = ("no_think", "one_draft")
    flawed += [(p, malformed_answer(p, kinds[i % 2])) for i, p in enumerate(slips)]
    return flawed


def warmup_examples(
    config: WarmupConfig, corrections: Sequence[Conversation] = ()
) -> list[Conversation]:
    """(prompt messages, answer) pairs: every built-in problem with its reference answer,
    the :func:`flawed_examples` answers to their problems, so the warmed-up model sometimes
    fails there as a weak prover does, and the given correction conversations."""
    prompts = {row["extra_info"]["problem_id"]: row["prompt"] for row in builtin_rows()}
    examples = [(prompts[p.name], reference_answer(p)) for p in builtin_problems()]
    examples += [(prompts[p.name], answer) for p, answer in flawed_examples(config)]
    return examples + list(corrections)


async def correction_examples(
    scorer: Scorer, config: WarmupConfig, correction: CorrectionSettings | None = None
) -> list[Conversation]:
    """The second turns of the warm-up: each :func:`flawed_examples` answer scored by
        ``scorer`` (the run's verifier), turned into its correction prompt by
        :func:`~kimina_prover_rl.reward.correction_for` (the feedback GRPO would give), and
        answered with the reference answer. An answer the verifier accepts gives none, nor does
    a malformed one (it never reaches Lean, so there is no feedback to correct it with)."""
    prompts = {row["extra_info"]["problem_id"]: row for row in builtin_rows()}
    flawed = flawed_examples(config)
    samples = [
        Sample(p.formal_statement, answer, id=p.name, messages=tuple(prompts[p.name]["prompt"]))
        for p, answer in flawed
    ]
    scored = await scorer.score_batch(samples)
    examples = []
    for (problem, _), sample, result in zip(flawed, samples, scored, strict=True):
        prompt = correction_for(sample, result, turn=1, config=correction or CorrectionSettings())
        if isinstance(prompt, CorrectionPrompt):
            turns = [cast(ChatMessage, dict(m)) for m in prompt.messages]
            examples.append((turns, reference_answer(problem)))
    return examples


def warmup(
    model: Any,
    tokenizer: Any,
    config: WarmupConfig,
    *,
    corrections: Sequence[Conversation] = (),
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` in place for ``config.steps`` steps on :func:`warmup_examples` (with
    ``corrections``); return the loss of each step."""
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
        for prompt, answer in warmup_examples(config, corrections)
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
