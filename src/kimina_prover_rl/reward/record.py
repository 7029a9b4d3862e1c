"""What both training adapters exchange with their framework, defined once.

Two shapes cross the framework boundary, whether the trainer is verl or TRL:

* the **reward record**, a flat dict with the same keys for every sample
  (:data:`RECORD_KEYS`), returned by the reward function and read back by the step hook
  that fills the error-correction cache. Numbers are floats, text is a string (``""``
  when absent), so frameworks that stack or average per-sample values never meet None::

      score          the reward (1.0 only for a well-formed, intact, valid proof)
      acc            1.0 when the extracted proof is valid
      format_error   the FormatError value, "" when the format is fine
      status         the verdict status, "not_verified" when the proof never reached Lean
      infra_failure  1.0 when the check failed for infrastructure reasons
      turn           the answer's turn (1 = first attempt, 2 = first correction)
      proof          the code sent to Lean, "" when no proof was extracted
      feedback       Lean's feedback for a failed proof, "" otherwise

  :func:`reward_record` builds it from a :class:`~.score.ScoredSample`;
  :func:`scored_from_record` reads it back (without the verdict object), so
  :func:`~.metrics.step_metrics` works on it, and :func:`correction_from_record` turns a
  failed answer's record and its dataset row into the next turn.

* the **correction row**: :func:`correction_row` turns a
  :class:`~.correction.CorrectionPrompt` into a dataset row with exactly the keys of a
  row written by ``kimina-rl prepare`` (:data:`ROW_KEYS`, :data:`ROW_EXTRA_KEYS`), so a
  correction collates with first-turn rows in any batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean.verdict import VerdictStatus
from kimina_prover_rl.reward.correction import (
    CorrectionConfig,
    CorrectionPrompt,
    SkipReason,
    correction_for,
)
from kimina_prover_rl.reward.metrics import NOT_VERIFIED
from kimina_prover_rl.reward.score import Sample, ScoredSample

__all__ = [
    "RECORD_KEYS",
    "ROW_EXTRA_KEYS",
    "ROW_KEYS",
    "correction_from_record",
    "correction_row",
    "reward_record",
    "scored_from_record",
]

RECORD_KEYS = (
    "score",
    "acc",
    "format_error",
    "status",
    "infra_failure",
    "turn",
    "proof",
    "feedback",
)
"""The keys of every reward record, in order."""

ROW_KEYS = ("data_source", "prompt", "ability", "reward_model", "extra_info")
"""The top-level keys of a prepared dataset row (verl's RL schema)."""

ROW_EXTRA_KEYS = (
    "index",
    "split",
    "problem_id",
    "formal_statement",
    "informal_problem",
    "messages",
    "turn",
)
"""The keys of a prepared row's ``extra_info``."""

_CORRECTION_SOURCE = "data_source"
_CORRECTION_ABILITY = "ability"


def reward_record(scored: ScoredSample, *, turn: int = 1) -> dict[str, float | str]:
    """The reward record of one scored answer (see the module docstring for the keys)."""
    if isinstance(turn, bool) or not isinstance(turn, int) or turn < 1:
        raise InputError(f"reward_record turn={turn!r}: pass the answer's turn, an integer >= 1")
    return {
        "score": float(scored.score),
        "acc": float(scored.acc),
        "format_error": scored.format_error or "",
        "status": NOT_VERIFIED if scored.status is None else scored.status.value,
        "infra_failure": float(scored.infra_failure),
        "turn": float(turn),
        "proof": scored.proof or "",
        "feedback": scored.feedback or "",
    }


def scored_from_record(record: Mapping[str, Any], *, id: str | None = None) -> ScoredSample:
    """The :class:`ScoredSample` a record was built from, less the verdict object.

    Raises ``InputError`` naming the problem when ``record`` lacks a key or holds an
    unknown status, e.g. when a reward function other than ours produced it.
    """
    missing = [key for key in RECORD_KEYS if key not in record]
    if missing:
        raise InputError(
            f"reward record lacks {', '.join(missing)} (has {sorted(record)}): score with "
            "kimina_prover_rl's reward function, whose records carry every key of RECORD_KEYS"
        )
    status_text = str(record["status"])
    try:
        status = None if status_text == NOT_VERIFIED else VerdictStatus(status_text)
    except ValueError as exc:
        known = ", ".join([NOT_VERIFIED, *(s.value for s in VerdictStatus)])
        raise InputError(
            f"reward record status {status_text!r} is not one of {known}: the record was not "
            "written by reward_record"
        ) from exc
    return ScoredSample(
        id=id,
        score=float(record["score"]),
        acc=float(record["acc"]),
        format_error=str(record["format_error"]) or None,
        detail="",
        status=status,
        infra_failure=bool(record["infra_failure"]),
        proof=str(record["proof"]) or None,
        feedback=str(record["feedback"]) or None,
    )


def correction_row(prompt: CorrectionPrompt) -> dict[str, Any]:
    """A dataset row for a correction prompt, keyed exactly like a prepared row.

    ``prompt.extra_info`` is the original row's ``extra_info``, optionally with the row's
    ``data_source`` and ``ability`` (the step hook adds them); its other keys outside
    :data:`ROW_EXTRA_KEYS` are dropped so the row collates with first-turn rows.
    """
    extra = prompt.extra_info
    messages = [dict(m) for m in prompt.messages]
    problem_id = extra.get("problem_id", prompt.id)
    return {
        "data_source": str(extra.get(_CORRECTION_SOURCE, "correction")),
        "prompt": messages,
        "ability": str(extra.get(_CORRECTION_ABILITY, "theorem_proving")),
        "reward_model": {"style": "rule", "ground_truth": prompt.formal_statement},
        "extra_info": {
            "index": int(extra.get("index", -1)),
            "split": str(extra.get("split", "train")),
            "problem_id": "" if problem_id is None else str(problem_id),
            "formal_statement": prompt.formal_statement,
            "informal_problem": str(extra.get("informal_problem", "")),
            "messages": [dict(m) for m in messages],
            "turn": prompt.turn,
        },
    }


def correction_from_record(
    row: Mapping[str, Any],
    response: str,
    record: Mapping[str, Any],
    *,
    config: CorrectionConfig | None = None,
) -> CorrectionPrompt | SkipReason:
    """The next turn for an answer to a dataset ``row``, or why there is none.

    ``row`` holds the row's ``data_source``, ``ability`` and ``extra_info`` (with the
    ``messages`` the model answered and the ``formal_statement``); ``record`` is the
    answer's reward record. The prompt carries ``data_source`` and ``ability`` so
    :func:`correction_row` rebuilds a full row from it.
    """
    extra = row.get("extra_info")
    if not isinstance(extra, Mapping) or not isinstance(extra.get("formal_statement"), str):
        raise InputError(
            f"row extra_info {str(extra)[:200]!r} has no formal_statement: pass rows written "
            "by `kimina-rl prepare` (or correction_row)"
        )
    messages = extra.get("messages")
    sample = Sample(
        formal_statement=extra["formal_statement"],
        response=response,
        id=None if extra.get("problem_id") is None else str(extra["problem_id"]),
        messages=tuple(messages) if isinstance(messages, list | tuple) else (),
    )
    kept = {key: extra[key] for key in ROW_EXTRA_KEYS if key in extra}
    kept[_CORRECTION_SOURCE] = row.get("data_source", "correction")
    kept[_CORRECTION_ABILITY] = row.get("ability", "theorem_proving")
    return correction_for(
        sample,
        scored_from_record(record, id=sample.id),
        extra_info=kept,
        turn=int(float(record["turn"])),
        config=config or CorrectionConfig(),
    )
