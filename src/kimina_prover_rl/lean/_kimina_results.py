"""kimina-lean-server results as verdicts, judged by the same rules as the local pool.

kimina-lean-server calls a proof valid when Lean reports no error and lists no sorry. The
local pool is stricter (``sorry`` warnings in either quote style, non-standard axioms), so
:func:`prepare_proof` appends a ``#print axioms`` check to each proof and
:func:`verdict_from_result` splits that check's messages back out and hands both parts to
:func:`~kimina_prover_rl.lean.outcome.judge`.

The check is found by line number, never by message text (a proof could print a fake
axiom report itself): only a report on the check's own ``#print axioms`` line, naming the
checked constant, counts. kimina-lean-server runs the leading ``import`` lines apart and
numbers lines from the first line after them; the gap of blank lines before the check is
at least that long, so the split is right whichever way a server numbers lines.

A ``kimina-rl serve`` server judges proofs itself; its verdicts are used as they are,
except that a ``valid`` resting on axioms this request does not allow (the server may
allow ``native_decide``) becomes ``unsound``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from kimina_prover_rl.lean._axiom_check import AxiomCheck, plan_axiom_check
from kimina_prover_rl.lean.outcome import (
    NATIVE_DECIDE_AXIOMS,
    STANDARD_AXIOMS,
    judge,
    messages_of,
    shift_positions,
)
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.proof.lean_code import parse_lean_code

__all__ = ["SentProof", "prepare_proof", "rejection", "verdict_from_result"]


@dataclass(frozen=True, slots=True)
class SentProof:
    """What is sent for one request, and where the appended axiom check starts."""

    code: str
    check_line: int | None
    check: AxiomCheck | None
    header_lines: int


def prepare_proof(code: str, *, check_axioms: bool) -> SentProof:
    """The code to send: the proof, blank lines, then its ``#print axioms`` check."""
    header_lines = _kimina_header_lines(code)
    if not check_axioms:
        return SentProof(code, None, None, header_lines)
    check = plan_axiom_check(parse_lean_code(code))
    if check is None:
        return SentProof(code, None, None, header_lines)
    # The gap is at least as long as any header the server may strip, so the check's
    # lines stay past the proof's last line whichever way the server numbers them.
    prefix = code + "\n" * (header_lines + 3)
    return SentProof(prefix + check.command, prefix.count("\n") + 1, check, header_lines)


def verdict_from_result(
    request: VerifyRequest,
    sent: SentProof,
    result: Mapping[str, Any],
    *,
    lean_version: str,
    body_relative_positions: bool,
) -> Verdict:
    """One result object of a server's answer as the verdict for ``request``."""
    raw = result.get("response")
    response = dict(raw) if isinstance(raw, dict) else None
    time_s = result.get("time")
    if response is not None and "time" in response:
        time_s = response.pop("time")
    time_s = float(time_s) if isinstance(time_s, int | float) else 0.0
    ours = result.get("verdict")
    if isinstance(ours, dict) and sent.check_line is None:
        try:
            verdict = Verdict.from_dict(ours)
        except (KeyError, ValueError, TypeError):
            pass
        else:
            if "response" not in ours:
                verdict = replace(verdict, response=response)
            return _held_to_request(replace(verdict, id=request.id, cached=False), request)
    common: dict[str, Any] = {
        "id": request.id,
        "time_s": time_s,
        "lean_version": lean_version,
    }
    error = result.get("error")
    if isinstance(error, str) and error:
        if "timed out" in error and "header" not in error:
            return Verdict(VerdictStatus.TIMEOUT, detail=error, **common)
        return Verdict(VerdictStatus.INFRA_ERROR, detail=f"the server said: {error}", **common)
    if response is None:
        return Verdict(
            VerdictStatus.INFRA_ERROR,
            detail="the server answered with neither an error nor a response",
            **common,
        )
    if "message" in response:
        return Verdict(
            VerdictStatus.INFRA_ERROR,
            detail=f"the server's REPL answered with an error: {response['message']}",
            response=response,
            **common,
        )
    if body_relative_positions and sent.header_lines:
        response = shift_positions(response, sent.header_lines)
    proof, axioms = _split_check(response, sent.check_line)
    check = sent.check
    judgement = judge(
        proof,
        axioms_response=axioms,
        checked_name=None if check is None else check.shown,
        axioms_constant=None if check is None else check.constant,
        allow_native_decide=request.allow_native_decide,
        axioms_line=_report_line(sent, axioms, shifted=body_relative_positions),
    )
    return Verdict(
        judgement.status,
        messages=messages_of(proof),
        axioms=judgement.axioms,
        detail=judgement.detail,
        response=proof,
        **common,
    )


def _held_to_request(verdict: Verdict, request: VerifyRequest) -> Verdict:
    """A verdict the server judged, made ``unsound`` if it accepted axioms this request
    does not (the server may allow ``native_decide`` when the request does not)."""
    allowed = STANDARD_AXIOMS | (NATIVE_DECIDE_AXIOMS if request.allow_native_decide else set())
    offending = [a for a in verdict.axioms if a not in allowed]
    if verdict.status is not VerdictStatus.VALID or not offending:
        return verdict
    detail = f"the server accepted non-standard axioms: {', '.join(offending)}"
    return replace(verdict, status=VerdictStatus.UNSOUND, detail=detail)


def _report_line(sent: SentProof, check: Mapping[str, Any] | None, *, shifted: bool) -> int | None:
    """The line (numbered from the top of the sent code) the axiom report must be on.

    It is the last line of the sent code. If positions were shifted by the header's
    length but the server numbered lines from the top after all, the report sits that
    many lines lower, past the end of the code, where nothing else can be: look there
    first, so a report the proof printed itself can never stand in for it.
    """
    if sent.check_line is None or sent.check is None or check is None:
        return None
    last = sent.check_line + sent.check.line - 1
    lower = last + sent.header_lines
    if shifted and lower != last:
        for message in check.get("messages") or ():
            pos = message.get("pos") if isinstance(message, Mapping) else None
            if isinstance(pos, Mapping) and pos.get("line") == lower:
                return lower
    return last


def rejection(code: str) -> str | None:
    """Why ``code`` cannot be sent at all (it is not encodable as UTF-8), else None."""
    try:
        code.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"the code is not valid Unicode ({exc.reason} at character {exc.start}); "
            "send UTF-8 text"
        )
    return None


def _kimina_header_lines(code: str) -> int:
    """How many leading lines kimina-lean-server runs apart (``import`` and blank lines)."""
    count = 0
    for line in code.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("import "):
            break
        count += 1
    return count


def _split_check(
    response: dict[str, Any], check_line: int | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Separate the proof's part of an answer from the appended axiom check's messages."""
    if check_line is None:
        return response, None

    def is_check(item: Any) -> bool:
        pos = item.get("pos") if isinstance(item, dict) else None
        return (
            isinstance(pos, dict) and isinstance(pos.get("line"), int) and pos["line"] >= check_line
        )

    proof = dict(response)
    check: dict[str, Any] = {"messages": []}
    for key in ("messages", "sorries"):
        items = response.get(key)
        if isinstance(items, list):
            proof[key] = [item for item in items if not is_check(item)]
            if key == "messages":
                check["messages"] = [item for item in items if is_check(item)]
    return proof, check
