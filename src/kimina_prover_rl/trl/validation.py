"""Validation in the dry run: best@k and mean@k on held-out problems, before and after one
correction.

Before training and every ``every`` GRPO steps, :class:`Validator` samples ``k`` answers to
each validation row, scores them with the run's scorer, gives every failed answer one
correction turn (the prompt :func:`~kimina_prover_rl.reward.correction_for` builds from the
reward's own feedback) and scores the revision. A problem counts as solved before
correction when one of its ``k`` first answers is valid, and after correction when one of
its answers or their revisions is (best@k); mean@k is the share of the ``k`` answers that
are valid, before and after their revision (an estimate of pass@1, which a handful of
problems does not saturate as quickly as best@k). The metrics carry verl's validation names
(``val-core/<source>/acc/best@k/mean``, ``val-aux/<source>/acc_after_ec/best@k/mean``,
``val-core/<source>/acc/mean@k``, ``val-aux/<source>/acc_after_ec/mean@k``), so ``kimina-rl
report`` draws them as it draws a verl run's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.report import validation_names
from kimina_prover_rl.reward import (
    CorrectionPrompt,
    CorrectionSettings,
    Sample,
    ScoredSample,
    correction_for,
)

__all__ = ["ValidationConfig", "Validator", "validation_names"]

ScoreBatch = Callable[[list[Sample]], list[ScoredSample]]
"""Scores a batch of samples (the run's scorer, called from the training thread)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationConfig:
    """How often (in GRPO steps; 0 turns validation off) and how many answers per problem."""

    every: int = 20
    k: int = 4

    def __post_init__(self) -> None:
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 0:
            raise ConfigError(
                f"validation every={self.every!r}: pass a number of steps >= 0 (0 turns it off)"
            )
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise ConfigError(f"validation k={self.k!r}: pass a number of answers >= 1")


class Validator:
    """Measures best@k and mean@k before and after one correction turn on ``rows``
    (prepared rows)."""

    def __init__(
        self,
        rows: Sequence[Mapping[str, Any]],
        score: ScoreBatch,
        config: ValidationConfig,
        *,
        temperature: float,
        max_new_tokens: int,
        seed: int = 0,
        correction: CorrectionSettings | None = None,
    ) -> None:
        if not rows:
            raise ConfigError("validation needs at least one held-out row")
        self.rows = list(rows)
        self.score = score
        self.config = config
        self.temperature = temperature
        self.max_new_tokens = max_new_tokens
        self.seed = seed
        self.correction = correction or CorrectionSettings()

    def __call__(self, model: Any, tokenizer: Any, step: int) -> dict[str, float]:
        """The validation metrics of ``model`` at ``step`` (sampling seeded by seed and step,
        without touching the training's random state)."""
        import torch

        k = self.config.k
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed * 100_003 + step)
            samples = [
                Sample.from_row(row, answer)
                for row in self.rows
                for answer in self._generate(model, tokenizer, list(row["prompt"]), k)
            ]
            first = self.score(samples)
            corrections = [
                (i, prompt)
                for i, (sample, scored) in enumerate(zip(samples, first, strict=True))
                if isinstance(
                    prompt := correction_for(sample, scored, turn=1, config=self.correction),
                    CorrectionPrompt,
                )
            ]
            revised = [
                Sample(
                    p.formal_statement,
                    self._generate(model, tokenizer, list(p.messages), 1)[0],
                    id=p.id,
                    messages=p.messages,
                )
                for _, p in corrections
            ]
        fixed = {i for (i, _), s in zip(corrections, self.score(revised), strict=True) if s.acc}
        valid = [bool(scored.acc) for scored in first]
        revised_valid = [v or i in fixed for i, v in enumerate(valid)]
        problems = [range(p * k, (p + 1) * k) for p in range(len(self.rows))]
        source = str(self.rows[0].get("data_source", "val"))
        best_before, best_after = validation_names(source, k)
        mean_before, mean_after = validation_names(source, k, "mean")
        return {
            best_before: sum(any(valid[i] for i in p) for p in problems) / len(problems),
            best_after: sum(any(revised_valid[i] for i in p) for p in problems) / len(problems),
            mean_before: sum(valid) / len(valid),
            mean_after: sum(revised_valid) / len(valid),
        }

    def _generate(
        self, model: Any, tokenizer: Any, messages: list[Mapping[str, Any]], n: int
    ) -> list[str]:
        """``n`` sampled answers to a conversation, decoded as TRL decodes completions."""
        import torch

        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                out = model.generate(
                    **ids,
                    do_sample=True,
                    temperature=self.temperature,
                    max_new_tokens=self.max_new_tokens,
                    num_return_sequences=n,
                    pad_token_id=tokenizer.pad_token_id,
                )
        finally:
            model.train(was_training)
        width = ids["input_ids"].shape[1]
        return [str(t) for t in tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)]
