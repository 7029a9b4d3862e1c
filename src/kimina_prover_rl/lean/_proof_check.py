"""One proof on one warm REPL: one command, proof and check, and the verdict it earns.

The pool decides *where* a proof runs (which REPL, retries, limits); this module decides
*what* is sent and what the answer means:

- The body, a blank line and the check ``_axiom_check`` plans are sent as one command from
  the header's environment (``{"cmd", "env"}``): one round trip per proof. Lean numbers
  lines from the end of the header, so the verdict's messages and raw response are
  shifted back by the header's line count; the check's messages (on its own lines) are
  split off and never shown as the proof's.
- **Soundness.** ``valid`` needs no error and no ``sorry`` in the proof, a check that ran
  without error, only the standard axioms in the report of every declaration, and, when
  the request gives the statement, the graded theorem's printed type equal to the given
  statement's (see ``outcome``). A report counts only on its own line of the check, so
  the proof cannot forge it. Code without any declaration is checked for errors and
  sorries only.
- A REPL that answers a command with an error of its own (not Lean's), or without an
  environment, gives ``infra_error``: the proof was never judged.

REPL faults (:class:`ReplCrashed`, :class:`ReplTimeout`, :class:`ReplOutOfMemory`) pass
through to the caller, which owns the process and the retry policy.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from kimina_prover_rl.lean._jobs import PreparedProof
from kimina_prover_rl.lean.outcome import (
    UnsoundReason,
    judge,
    messages_of,
    shift_positions,
    split_check,
)
from kimina_prover_rl.lean.protocol import ErrorResponse, parse_response
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest

__all__ = ["ReplSession", "check_proof", "command_timeout", "make_verdict"]


class ReplSession(Protocol):
    """What a check needs from a REPL: one request in, one answer out (``LeanRepl`` fits)."""

    async def send(
        self, request: Mapping[str, Any], *, timeout_s: float | None
    ) -> dict[str, Any]: ...


def make_verdict(
    request: VerifyRequest,
    status: VerdictStatus,
    detail: str,
    *,
    lean_version: str,
    time_s: float = 0.0,
    extra: dict[str, Any] | None = None,
    **lean: Any,
) -> Verdict:
    """The verdict for ``request``; ``lean`` holds Lean's part (messages, axioms, response)."""
    return Verdict(
        status,
        id=request.id,
        detail=detail,
        time_s=time_s,
        lean_version=lean_version,
        extra=extra or {},
        **lean,
    )


async def check_proof(
    repl: ReplSession,
    env: int | None,
    proof: PreparedProof,
    request: VerifyRequest,
    *,
    timeout_s: float,
    allow_native_decide: bool,
    lean_version: str,
    extra: dict[str, Any],
    reference: str | None = None,
) -> Verdict:
    """Run ``proof``'s body and its check from ``env`` as one command, and judge the answer.

    ``timeout_s`` bounds the proof; the command gets twice that when the check elaborates
    examples once more (:func:`command_timeout`). ``reference`` is the given statement's
    printed type, compared with the graded theorem's. The verdict carries ``extra`` (the
    caller's timings).
    """
    command: dict[str, Any] = {"cmd": proof.command}
    if env is not None:
        command["env"] = env
    started = time.perf_counter()
    raw = await repl.send(command, timeout_s=command_timeout(proof, timeout_s))
    time_s = time.perf_counter() - started
    answer = parse_response(raw)
    if isinstance(answer, ErrorResponse) or answer.env is None:
        reason = answer.message if isinstance(answer, ErrorResponse) else "no env in answer"
        return make_verdict(
            request,
            VerdictStatus.INFRA_ERROR,
            f"the REPL refused the proof command: {reason}",
            lean_version=lean_version,
            time_s=time_s,
            extra=extra,
        )
    plan = proof.plan
    if plan is None:
        own, check = raw, None
    else:
        own, check = split_check(raw, proof.check_line)
    judgement = judge(
        own,
        plan=plan,
        check_messages=check,
        first_line=proof.check_line,
        allow_native_decide=allow_native_decide,
        reference=reference,
    )
    if judgement.offending_axioms:
        extra["offending_axioms"] = list(judgement.offending_axioms)
    if judgement.reason is UnsoundReason.UNCHECKED and check:
        extra["check_messages"] = list(check)  # Lean's own words, for whoever must read them
    return make_verdict(
        request,
        judgement.status,
        judgement.detail,
        lean_version=lean_version,
        time_s=time_s,
        extra=extra,
        messages=messages_of(own, line_offset=proof.line_offset),
        axioms=judgement.axioms,
        response=shift_positions(own, proof.line_offset),
        unsound_reason=judgement.reason,
    )


def command_timeout(proof: PreparedProof, timeout_s: float) -> float:
    """The deadline of ``proof``'s command: ``timeout_s``, doubled when the check
    elaborates examples once more (it may then take as long as the proof itself)."""
    return timeout_s * 2 if proof.plan is not None and proof.plan.redeclares else timeout_s
