"""The reward record and the correction row: what both training adapters exchange.

The **reward record** (:class:`RewardRecord`) is the flat per-sample dict both reward
functions return, the same keys (:data:`RECORD_KEYS`) for every sample. Numbers are floats
and text is a string (``""`` when absent), so frameworks that stack or average per-sample
values never meet None::

      score          the reward (1.0 only for a well-formed, intact, valid proof)
      acc            1.0 when the extracted proof is valid
      format_error   the FormatError value, "" when the format is fine
      status         the verdict status, "not_verified" when the proof never reached Lean
      infra_failure  1.0 when the check failed for infrastructure reasons
      turn           the answer's turn (1 = first attempt, 2 = first correction)
      proof          the code sent to Lean, "" when no proof was extracted
      feedback       Lean's feedback for a failed proof, "" otherwise

:func:`reward_record` builds it from a :class:`~.score.ScoredSample`, and
:func:`scored_from_record` reads it back (without the verdict object) where a framework
handed the record over as a dict. :func:`correction_row` turns a
:class:`~.correction.CorrectionPrompt` into a prompt row (``data.PromptRow``) keyed
exactly like a row written by ``kimina-rl prepare``, so a correction collates with
first-turn rows in any batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from kimina_prover_rl.data.rows import ChatMessage, PromptRow
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean.verdict import VerdictStatus
from kimina_prover_rl.proof import FormatError
from kimina_prover_rl.reward.correction import CorrectionPrompt
from kimina_prover_rl.reward.metrics import NOT_VERIFIED
from kimina_prover_rl.reward.score import ScoredSample

__all__ = ["RECORD_KEYS", "RewardRecord", "correction_row", "reward_record", "scored_from_record"]


class RewardRecord(TypedDict):
    """The per-sample reward record (see the module docstring for each key)."""

    score: float
    acc: float
    format_error: str
    status: str
    infra_failure: float
    turn: float
    proof: str
    feedback: str


RECORD_KEYS = tuple(RewardRecord.__annotations__)
"""The keys of every reward record, in order."""


def reward_record(scored: ScoredSample, *, turn: int = 1) -> RewardRecord:
    """The reward record of one scored answer (see the module docstring for the keys)."""
    if isinstance(turn, bool) or not isinstance(turn, int) or turn < 1:
        raise InputError(f"reward_record turn={turn!r}: pass the answer's turn, an integer >= 1")
    return {
        "score": float(scored.score),
        "acc": float(scored.acc),
        "format_error": "" if scored.format_error is None else scored.format_error.value,
        "status": NOT_VERIFIED if scored.status is None else scored.status.value,
        "infra_failure": float(scored.infra_failure),
        "turn": float(turn),
        "proof": scored.proof or "",
        "feedback": scored.feedback or "",
    }


def scored_from_record(record: Mapping[str, Any], *, id: str | None = None) -> ScoredSample:
    """The :class:`ScoredSample` a record was built from, less the verdict object.

    Raises ``InputError`` naming the problem when ``record`` lacks a key or holds an
    unknown status or format error, e.g. when a reward function other than ours produced it.
    """
    missing = [key for key in RECORD_KEYS if key not in record]
    if missing:
        raise InputError(
            f"reward record lacks {', '.join(missing)} (has {sorted(record)}): score with "
            "kimina_prover_rl's reward function, whose records carry every key of RECORD_KEYS"
        )
    status_text = str(record["status"])
    error_text = str(record["format_error"])
    try:
        status = None if status_text == NOT_VERIFIED else VerdictStatus(status_text)
        format_error = FormatError(error_text) if error_text else None
    except ValueError as exc:
        known = ", ".join([NOT_VERIFIED, *(s.value for s in VerdictStatus)])
        raise InputError(
            f"reward record status {status_text!r} is not one of {known}, or its format_error "
            f"{error_text!r} is not a FormatError: the record was not written by reward_record"
        ) from exc
    return ScoredSample(
        id=id,
        score=float(record["score"]),
        acc=float(record["acc"]),
        format_error=format_error,
        detail="",
        status=status,
        infra_failure=bool(record["infra_failure"]),
        proof=str(record["proof"]) or None,
        feedback=str(record["feedback"]) or None,
    )


def correction_row(prompt: CorrectionPrompt) -> PromptRow:
    """A dataset row for a correction prompt, keyed exactly like a prepared row.

    ``prompt.extra_info`` is the original row's ``extra_info``, optionally with the row's
    ``data_source`` and ``ability`` (:func:`~.step.next_turn` adds them); its other keys
    outside ``data.ROW_EXTRA_KEYS`` are dropped so the row collates with first-turn rows.
    """
    extra = prompt.extra_info
    messages: list[ChatMessage] = [
        {"role": m["role"], "content": m["content"]} for m in prompt.messages
    ]
    problem_id = extra.get("problem_id", prompt.id)
    return {
        "data_source": str(extra.get("data_source", "correction")),
        "prompt": messages,
        "ability": str(extra.get("ability", "theorem_proving")),
        "reward_model": {"style": "rule", "ground_truth": prompt.formal_statement},
        "extra_info": {
            "index": int(extra.get("index", -1)),
            "split": str(extra.get("split", "train")),
            "problem_id": "" if problem_id is None else str(problem_id),
            "formal_statement": prompt.formal_statement,
            "informal_problem": str(extra.get("informal_problem", "")),
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "turn": prompt.turn,
        },
    }
