"""A failed, correctable sample record to vary in the store and summary tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kimina_prover_rl.eval import SampleRecord

FAILED = SampleRecord(
    problem_id="p",
    sample=0,
    round=1,
    response="answer",
    finish_reason="stop",
    generation_error=None,
    score=0.0,
    acc=0.0,
    format_error=None,
    status="lean_error",
    infra_failure=False,
    detail="",
    feedback="fix it",
    correction="Lean 4 rejected your proof.",
    skip=None,
)


def record(problem: str, sample: int, round_: int, **fields: Any) -> SampleRecord:
    """:data:`FAILED` for one ``(problem, sample, round)``, with ``fields`` changed."""
    return replace(FAILED, problem_id=problem, sample=sample, round=round_, **fields)
