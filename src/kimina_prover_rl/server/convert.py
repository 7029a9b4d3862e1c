"""Verdicts in kimina-lean-server's result shape, readable by kimina's own clients.

kimina's clients call a result valid when its ``response`` holds no error message and no
listed sorry. Some of our verdicts are stricter than that (a ``sorry`` seen only in a
warning, a non-standard axiom), so for those the response sent gets one extra error
message saying why: a kimina client then never counts such a proof as valid. The exact
verdict travels alongside in the ``verdict`` field.
"""

from __future__ import annotations

from typing import Any

from kimina_prover_rl.lean.kimina.wire import BackwardResult, ReplResult
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus

__all__ = ["backward_result", "repl_result"]

_MARKER = "kimina-prover-rl"


def repl_result(verdict: Verdict, snippet_id: str) -> ReplResult:
    """The ``/api/check`` result for one verdict."""
    response, error = _kimina_view(verdict)
    return ReplResult(
        id=snippet_id,
        time=round(verdict.time_s, 6),
        error=error,
        response=response,
        verdict=_verdict_field(verdict, response),
    )


def backward_result(verdict: Verdict, custom_id: str) -> BackwardResult:
    """The legacy ``/verify`` result for one verdict (``time`` inside ``response``)."""
    response, error = _kimina_view(verdict)
    extended = {**response, "time": round(verdict.time_s, 6)} if response is not None else None
    return BackwardResult(
        custom_id=custom_id,
        error=error,
        response=extended,
        verdict=_verdict_field(verdict, response),
    )


def _verdict_field(verdict: Verdict, sent_response: dict[str, Any] | None) -> dict[str, Any]:
    data = verdict.to_dict()
    if sent_response == verdict.response:
        del data["response"]
    return data


def _kimina_view(verdict: Verdict) -> tuple[dict[str, Any] | None, str | None]:
    """``(response, error)`` as kimina-lean-server would send them; exactly one is set."""
    status = verdict.status
    if status is VerdictStatus.TIMEOUT:
        return None, f"Lean REPL command timed out ({verdict.detail or 'time limit reached'})"
    if status is VerdictStatus.OOM:
        return None, f"Lean REPL ran out of memory ({verdict.detail or 'memory cap reached'})"
    if not status.is_lean_judgement:
        return None, f"{status.value}: {verdict.detail or 'no detail'}"
    response = (
        dict(verdict.response)
        if verdict.response is not None
        else {"messages": [m.to_repl() for m in verdict.messages]}
    )
    if status is not VerdictStatus.VALID and not _looks_rejected(response):
        messages = list(response.get("messages") or [])
        messages.append(
            {
                "severity": "error",
                "pos": {"line": 1, "column": 0},
                "data": f"{_MARKER}: {status.value}: {verdict.detail or status.value}",
            }
        )
        response["messages"] = messages
    return response, None


def _looks_rejected(response: dict[str, Any]) -> bool:
    """Whether kimina's client rules (an error message or a listed sorry) reject it."""
    if response.get("sorries"):
        return True
    return any(
        isinstance(m, dict) and m.get("severity") == "error" for m in response.get("messages") or ()
    )
