"""TRL's ``GRPOTrainer`` with error-correction prompts mixed in, and the run's step hooks.

:class:`CorrectionGRPOTrainer` changes one thing in TRL's trainer: before a training
batch is generated, :func:`~kimina_prover_rl.trl.mixing.mix_corrections` swaps some prompt
groups for cached corrections. :class:`StepHooks` writes each step's metrics to the
metrics log (verl's file-logger format), runs validation before training and every few
steps (its metrics join that step's line; the one before training is step 0), and saves
the correction cache's state into every checkpoint folder (``correction_cache.json``), so
a resumed run continues where it was.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback
from trl.trainer.grpo_trainer import GRPOTrainer

from kimina_prover_rl.report import MetricsLog
from kimina_prover_rl.reward import CorrectionCache
from kimina_prover_rl.trl.mixing import mix_corrections
from kimina_prover_rl.trl.reward import LeanReward

__all__ = ["CACHE_STATE_FILE", "CorrectionGRPOTrainer", "StepHooks"]

CACHE_STATE_FILE = "correction_cache.json"
"""The correction cache's state inside a checkpoint folder."""


class CorrectionGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` that serves cached error-correction prompts in later batches."""

    def __init__(self, *args: Any, correction_cache: CorrectionCache, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.correction_cache = correction_cache

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        group = self.num_generations
        if self.model is not None and self.model.training and group:
            inputs = mix_corrections(inputs, self.correction_cache, group)
        result: dict[str, Any] = super()._generate_and_score_completions(inputs)
        return result


class StepHooks(TrainerCallback):
    """Logs each step's metrics (ours and TRL's, under ``train/``), the validation metrics
    of ``validate(step)`` before training (when ``validate_at_start``), every
    ``validate_every`` steps and at the last step, and checkpoints the cache."""

    def __init__(
        self,
        reward: LeanReward,
        log: MetricsLog,
        on_step: Callable[[int, dict[str, float]], None] | None = None,
        *,
        validate: Callable[[int], dict[str, float]] | None = None,
        validate_every: int = 0,
        validate_at_start: bool = True,
    ) -> None:
        self.reward = reward
        self.log = log
        self.on_step = on_step
        self.validate = validate if validate_every else None
        self.validate_every = validate_every
        self.validate_at_start = validate_at_start
        self._validation: dict[str, float] = {}

    def on_train_begin(self, args: Any, state: Any, control: Any, **_: Any) -> None:
        if self.validate is not None and self.validate_at_start and not state.global_step:
            values = self.validate(0)
            self.log.append(0, values)
            if self.on_step is not None:
                self.on_step(0, values)

    def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
        step = state.global_step
        if self.validate is not None and (
            step % self.validate_every == 0 or step == state.max_steps
        ):
            self._validation = self.validate(step)

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **_: Any
    ) -> None:
        if not logs or "loss" not in logs:
            return
        values = dict(self.reward.metrics)
        for name, value in logs.items():
            if isinstance(value, int | float) and math.isfinite(value):
                values[f"train/{name}"] = float(value)
        values.update(self._validation)
        self._validation = {}
        self.log.append(state.global_step, values)
        if self.on_step is not None:
            self.on_step(state.global_step, values)

    def on_save(self, args: Any, state: Any, control: Any, **_: Any) -> None:
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        state_json = json.dumps(self.reward.cache.state_dict())
        (folder / CACHE_STATE_FILE).write_text(state_json, encoding="utf-8")
