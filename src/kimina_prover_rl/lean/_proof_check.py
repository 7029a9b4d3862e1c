"""One proof on one warm REPL: the proof command, the axiom check, and the verdict they earn.

The pool decides *where* a proof runs (which REPL, retries, limits); this module decides
*what* is sent and what the answers mean:

- The body is sent as one command from the header's environment (``{"cmd", "env"}``);
  Lean numbers its lines from the end of the header, so the verdict's messages and raw
  response are shifted back by the header's line count.
- **Soundness.** ``valid`` needs no error, no ``sorry`` and, from ``#print axioms`` run in
  the proof's own environment, only the standard axioms (see ``outcome``). The axioms of
  the *main* declaration are checked (the one ``parse_lean_code`` picks: the last
  ``theorem``/``lemma``/``example``); they are transitive, so the lemmas it uses are
  covered. The REPL keeps the scopes the proof left open, so the check names the
  declaration as ``_root_.<fully-qualified name>`` and only a report about exactly that
  constant counts (see ``_axiom_check``). An ``example`` has no name to print, so it is
  re-elaborated once more as a root theorem for the check. A check that cannot run is
  ``unsound``, never ``valid``. Code without any declaration is checked for errors and
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
    has_error,
    judge,
    messages_of,
    shift_positions,
    uses_sorry,
)
from kimina_prover_rl.lean.protocol import ErrorResponse, parse_response
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest

__all__ = ["ReplSession", "check_proof", "make_verdict"]


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
) -> Verdict:
    """Run ``proof``'s body from ``env`` and, if Lean accepted it, its axiom check.

    ``timeout_s`` bounds each of the two commands. The verdict carries ``extra`` (the
    caller's timings, plus the axiom check's); its ``time_s`` is the proof command's alone.
    """
    command: dict[str, Any] = {"cmd": proof.body}
    if env is not None:
        command["env"] = env
    started = time.perf_counter()
    raw = await repl.send(command, timeout_s=timeout_s)
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
    axioms_raw: dict[str, Any] | None = None
    check = proof.check
    if check is not None and not has_error(raw) and not uses_sorry(raw):
        axiom_started = time.perf_counter()
        axioms_raw = await repl.send({"cmd": check.command, "env": answer.env}, timeout_s=timeout_s)
        extra["axiom_check_s"] = round(time.perf_counter() - axiom_started, 6)
        checked = parse_response(axioms_raw)
        if isinstance(checked, ErrorResponse):
            return make_verdict(
                request,
                VerdictStatus.INFRA_ERROR,
                f"the REPL refused the axiom check: {checked.message}",
                lean_version=lean_version,
                time_s=time_s,
                extra=extra,
            )
    judgement = judge(
        raw,
        axioms_response=axioms_raw,
        checked_name=None if check is None else check.shown,
        axioms_constant=None if check is None else check.constant,
        allow_native_decide=allow_native_decide,
        axioms_line=None if check is None else check.line,
    )
    if judgement.offending_axioms:
        extra["offending_axioms"] = list(judgement.offending_axioms)
    return make_verdict(
        request,
        judgement.status,
        judgement.detail,
        lean_version=lean_version,
        time_s=time_s,
        extra=extra,
        messages=messages_of(raw, line_offset=proof.line_offset),
        axioms=judgement.axioms,
        response=shift_positions(raw, proof.line_offset),
    )
