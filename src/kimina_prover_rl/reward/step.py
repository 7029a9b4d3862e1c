"""A training step's finished answers: corrections into the cache, and the step's metrics.

Both trainers end a step the same way; their adapters only gather the answers::

    verl: TransferQueue fields ─► FinishedAnswer.from_record ─┐
    TRL:  reward function's scored batch ─► FinishedAnswer ───┴─► finish_step
              ├─ next_turn: each failed answer's correction ─► CorrectionCache
              └─► step_metrics + correction_metrics (one flat dict for the tracker)

:func:`next_turn` alone serves validation, which corrects an answer without a cache.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kimina_prover_rl.data.rows import ROW_EXTRA_KEYS
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.reward.correction import (
    CorrectionCache,
    CorrectionPrompt,
    CorrectionSettings,
    SkipReason,
    correction_for,
)
from kimina_prover_rl.reward.metrics import correction_metrics, step_metrics
from kimina_prover_rl.reward.record import scored_from_record
from kimina_prover_rl.reward.score import Sample, ScoredSample

__all__ = ["FinishedAnswer", "correction_from_record", "finish_step", "next_turn"]


@dataclass(frozen=True, slots=True)
class FinishedAnswer:
    """One scored answer of a finished step, with the prompt row it answered."""

    row: Mapping[str, Any]
    """The row's ``data_source``, ``ability`` and ``extra_info`` (a ``data.PromptRow``)."""
    sample: Sample
    """The answer as the reward saw it (``Sample.from_row``)."""
    scored: ScoredSample
    """What the reward made of it."""
    turn: int
    """The answer's turn (1 = first attempt)."""
    length: int = 0
    """The answer's length in tokens (0 when unknown)."""

    def __post_init__(self) -> None:
        if isinstance(self.turn, bool) or not isinstance(self.turn, int) or self.turn < 1:
            raise InputError(f"FinishedAnswer turn={self.turn!r}: pass an integer >= 1")

    @classmethod
    def from_record(
        cls, row: Mapping[str, Any], response: str, record: Mapping[str, Any], *, length: int = 0
    ) -> FinishedAnswer:
        """An answer whose reward came back from the framework as a reward record."""
        sample = Sample.from_row(row, response)
        scored = scored_from_record(record, id=sample.id)
        return cls(row, sample, scored, turn=int(float(record["turn"])), length=length)


def next_turn(
    answer: FinishedAnswer, config: CorrectionSettings | None = None
) -> CorrectionPrompt | SkipReason:
    """The correction prompt for ``answer``, or why there is none.

    The prompt's ``extra_info`` keeps the row's ``extra_info`` fields and its
    ``data_source`` and ``ability``, so :func:`~.record.correction_row` rebuilds a full row.
    """
    extra = answer.row.get("extra_info")
    extra = extra if isinstance(extra, Mapping) else {}
    kept = {key: extra[key] for key in ROW_EXTRA_KEYS if key in extra}
    kept["data_source"] = answer.row.get("data_source", "correction")
    kept["ability"] = answer.row.get("ability", "theorem_proving")
    return correction_for(
        answer.sample,
        answer.scored,
        extra_info=kept,
        turn=answer.turn,
        config=config or CorrectionSettings(),
    )


def finish_step(
    cache: CorrectionCache,
    answers: Sequence[FinishedAnswer],
    *,
    config: CorrectionSettings | None = None,
) -> dict[str, float]:
    """Add every failed answer's next turn to ``cache``; return the step's metrics."""
    for answer in answers:
        cache.add(next_turn(answer, config))
    metrics = step_metrics(
        [a.scored for a in answers],
        turns=[a.turn for a in answers],
        lengths=[a.length for a in answers],
    )
    metrics.update(correction_metrics(cache))
    return metrics


def correction_from_record(
    row: Mapping[str, Any],
    response: str,
    record: Mapping[str, Any],
    *,
    config: CorrectionSettings | None = None,
) -> CorrectionPrompt | SkipReason:
    """:func:`next_turn` for an answer to ``row`` whose reward record is ``record``."""
    return next_turn(FinishedAnswer.from_record(row, response, record), config)
