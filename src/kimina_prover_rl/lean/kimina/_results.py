"""kimina-lean-server results as verdicts, judged by the same rules as the local pool.

kimina-lean-server calls a proof valid when Lean reports no error and lists no sorry. The
local pool is stricter (``sorry`` warnings in either quote style, non-standard axioms), so
:func:`prepare_proof` appends the pool's checks
(:func:`~kimina_prover_rl.lean._axiom_check.plan_checks`) after the proof, and
:func:`verdict_from_result` splits their messages back out, reads the answer's line
numbering from them (:mod:`~kimina_prover_rl.lean.kimina._numbering`) and hands both
parts to :func:`~kimina_prover_rl.lean.outcome.judge`.

The checks are found by line number, never by message text (a proof could print a fake
axiom report itself): the check block starts more blank lines after the proof than any
numbering removes, so only the block can put messages past its threshold, and only a
report on a report's own line, naming the checked constant, counts. When the block fits
two numberings at once, no report is trusted.

The given statement is checked as the pool checks it: the proof's check ends with the
graded theorem's ``#check``, and the statement itself (with ``sorry``, then the same
``#check``) goes as one more snippet (:func:`prepare_reference`) in the same request;
:func:`printed_statement` reads what Lean printed for it, by line as above.

A ``kimina-rl serve`` server judges proofs itself; its verdicts are used as they are,
except that a ``valid`` resting on axioms this request does not allow (the server may
allow ``native_decide``) becomes ``unsound``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from kimina_prover_rl.lean._axiom_check import CheckPlan, plan_checks
from kimina_prover_rl.lean._statement_check import (
    ReferenceCommand,
    ReferenceFailed,
    StatementUnavailable,
)
from kimina_prover_rl.lean.kimina._numbering import (
    LineNumbering,
    Numbering,
    block_gap,
    block_threshold,
    detect_numbering,
    line_of,
)
from kimina_prover_rl.lean.outcome import (
    ELIDED,
    NATIVE_DECIDE_AXIOMS,
    STANDARD_AXIOMS,
    Judgement,
    has_error,
    judge,
    messages_of,
    shift_positions,
    split_check,
)
from kimina_prover_rl.lean.verdict import UnsoundReason, Verdict, VerdictStatus, VerifyRequest

__all__ = [
    "SentProof",
    "SentReference",
    "prepare_proof",
    "prepare_reference",
    "printed_statement",
    "rejection",
    "verdict_from_result",
]

_SERVER_NUMBERING = Numbering(LineNumbering.SUBMITTED, 0, "server")


@dataclass(frozen=True, slots=True)
class SentProof:
    """What is sent for one request: the code (line breaks as kimina splits them) and,
    when checks are appended, the plan and the line the check block starts on."""

    submitted: str
    code: str
    plan: CheckPlan | None = None
    block_start: int | None = None

    @property
    def report_lines(self) -> tuple[int, ...]:
        """The lines (of :attr:`code`) each check command reports on."""
        if self.plan is None or self.block_start is None:
            return ()
        lines = [report.line for report in self.plan.reports]
        if self.plan.statement is not None:
            lines.append(self.plan.statement.line)
        return tuple(self.block_start + line - 1 for line in lines)


def prepare_proof(
    code: str,
    *,
    check_axioms: bool,
    theorem_name: str | None = None,
    check_statement: bool = False,
) -> SentProof:
    """The code to send: the proof, blank lines, then the checks of its declarations
    (``theorem_name``, the graded theorem, is checked even when the code lacks it; with
    ``check_statement``, its ``#check`` ends the block).

    Line breaks are sent as ``\\n`` only: kimina splits snippets with Python's
    ``splitlines`` and joins the body with ``\\n``, so Lean never sees another kind, and
    lines are counted the same way on both sides.
    """
    submitted = "\n".join(code.splitlines())
    if not check_axioms:
        return SentProof(submitted, submitted)
    plan = plan_checks(submitted, theorem_name=theorem_name, check_statement=check_statement)
    if plan is None:
        return SentProof(submitted, submitted)
    sent, block_start = plan.appended_to(submitted, blank_lines=block_gap(submitted))
    return SentProof(submitted, sent, plan, block_start)


def verdict_from_result(
    request: VerifyRequest,
    sent: SentProof,
    result: Mapping[str, Any],
    *,
    lean_version: str,
    learned: frozenset[LineNumbering] = frozenset(),
    reference: str | None = None,
) -> tuple[Verdict, Numbering | None]:
    """One result object of a server's answer as the verdict for ``request``, and the
    line numbering the answer was read with (None when it held no Lean answer).

    ``learned`` is what earlier answers from this server revealed of its numbering (see
    :func:`~kimina_prover_rl.lean.kimina._numbering.learn`); ``reference`` is how Lean
    printed the given statement (:func:`printed_statement`), compared with the graded
    theorem's ``#check``.
    """
    raw = result.get("response")
    response = dict(raw) if isinstance(raw, dict) else None
    time_s = result.get("time")
    if response is not None and "time" in response:
        time_s = response.pop("time")
    time_s = float(time_s) if isinstance(time_s, int | float) else 0.0
    ours = result.get("verdict")
    if isinstance(ours, dict) and sent.plan is None:
        try:
            verdict = Verdict.from_dict(ours)
        except (KeyError, ValueError, TypeError):
            pass
        else:
            if "response" not in ours:
                verdict = replace(verdict, response=response)
            verdict = replace(verdict, id=request.id, cached=False)
            verdict = _with_positions(verdict, _SERVER_NUMBERING)
            return _held_to_request(verdict, request), _SERVER_NUMBERING
    common: dict[str, Any] = {
        "id": request.id,
        "time_s": time_s,
        "lean_version": lean_version,
    }
    error = result.get("error")
    if isinstance(error, str) and error:
        if "timed out" in error and "header" not in error:
            # The time covered the appended check too; with examples re-elaborated it may
            # be the check that ran out, so such a timeout is never cached.
            provisional = sent.plan is not None and sent.plan.redeclares
            verdict = Verdict(
                VerdictStatus.TIMEOUT, detail=error, provisional=provisional, **common
            )
            return verdict, None
        detail = f"the server said: {error}"
        return Verdict(VerdictStatus.INFRA_ERROR, detail=detail, **common), None
    if response is None:
        detail = "the server answered with neither an error nor a response"
        return Verdict(VerdictStatus.INFRA_ERROR, detail=detail, **common), None
    if "message" in response:
        return (
            Verdict(
                VerdictStatus.INFRA_ERROR,
                detail=f"the server's REPL answered with an error: {response['message']}",
                response=response,
                **common,
            ),
            None,
        )
    proof, block = _split_block(response, sent)
    numbering = detect_numbering(sent.submitted, block, sent.report_lines, learned=learned)
    proof = shift_positions(proof, numbering.offset)
    judgement = _judge(request, sent, proof, block, numbering, reference=reference)
    verdict = Verdict(
        judgement.status,
        messages=messages_of(proof),
        axioms=judgement.axioms,
        detail=judgement.detail,
        response=proof,
        unsound_reason=judgement.reason,
        **common,
    )
    return _with_positions(verdict, numbering), numbering


def _judge(
    request: VerifyRequest,
    sent: SentProof,
    proof: dict[str, Any],
    block: list[Any],
    numbering: Numbering,
    *,
    reference: str | None,
) -> Judgement:
    """The proof's judgement by the pool's rules. The check block is read with the
    answer's numbering; one that fits two numberings reports nothing (never valid)."""
    if sent.plan is None or sent.block_start is None:
        check = None
    elif numbering.trusted:
        check = shift_positions({"messages": block}, numbering.offset)["messages"]
    else:
        check = []
    judgement = judge(
        proof,
        plan=sent.plan,
        check_messages=check,
        first_line=sent.block_start or 1,
        allow_native_decide=request.allow_native_decide,
        reference=reference,
    )
    if numbering.how == "ambiguous" and judgement.status is VerdictStatus.UNSOUND:
        detail = (
            "the check's messages fit two of kimina's line numberings at once, so none of "
            "its reports was trusted; " + judgement.detail
        )
        return replace(judgement, detail=detail)
    return judgement


def _with_positions(verdict: Verdict, numbering: Numbering) -> Verdict:
    """The verdict with the numbering its positions were read with in ``extra``."""
    return replace(verdict, extra={**verdict.extra, "positions": numbering.to_dict()})


def _held_to_request(verdict: Verdict, request: VerifyRequest) -> Verdict:
    """A verdict the server judged, made ``unsound`` if it accepted axioms this request
    does not (the server may allow ``native_decide`` when the request does not)."""
    allowed = STANDARD_AXIOMS | (NATIVE_DECIDE_AXIOMS if request.allow_native_decide else set())
    offending = [a for a in verdict.axioms if a not in allowed]
    if verdict.status is not VerdictStatus.VALID or not offending:
        return verdict
    detail = f"the server accepted non-standard axioms: {', '.join(offending)}"
    return replace(
        verdict, status=VerdictStatus.UNSOUND, detail=detail, unsound_reason=UnsoundReason.AXIOMS
    )


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


def _split_block(response: Mapping[str, Any], sent: SentProof) -> tuple[dict[str, Any], list[Any]]:
    """The proof's part of an answer and the check block's messages (as the server
    numbered them), told apart by a line only the block can reach in any numbering."""
    if sent.block_start is None:
        return dict(response), []
    return split_check(response, block_threshold(sent.submitted, sent.block_start))


@dataclass(frozen=True, slots=True)
class SentReference:
    """The snippet printing a given statement's type: its header, the statement with
    ``sorry``, then the ``#check`` on line ``probe_line``, far enough below to be told
    apart in any numbering."""

    reference: ReferenceCommand
    code: str
    probe_line: int


def prepare_reference(reference: ReferenceCommand) -> SentReference:
    """The snippet sent, beside the proofs that need it, for one given statement."""
    lines = reference.body.split("\n")
    statement = "\n".join(lines[: reference.line - 1]).rstrip("\n")
    head = f"{reference.key}\n\n{statement}" if reference.key else statement
    sent, probe_line = _appended(head, lines[reference.line - 1])
    return SentReference(reference, sent, probe_line)


def _appended(code: str, command: str) -> tuple[str, int]:
    """``code``, the blank lines :func:`block_gap` asks for, then ``command``; and its line."""
    prefix = code + "\n" * (block_gap(code) + 1)
    return prefix + command, prefix.count("\n") + 1


def printed_statement(
    sent: SentReference,
    result: Mapping[str, Any],
    *,
    learned: frozenset[LineNumbering] = frozenset(),
) -> tuple[str | ReferenceFailed | StatementUnavailable, Numbering | None]:
    """How Lean printed the statement, from the server's result for ``sent``: the type,
    :class:`ReferenceFailed` (it does not elaborate: the request is wrong) or
    :class:`StatementUnavailable` (no usable answer this time); and the numbering read."""
    raw = result.get("response")
    error = result.get("error")
    if not isinstance(raw, Mapping) or "message" in raw:
        why = error if isinstance(error, str) and error else "no Lean answer"
        if isinstance(raw, Mapping):
            why = f"the REPL answered with an error: {raw['message']}"
        return StatementUnavailable(f"checking the formal statement alone failed ({why})"), None
    threshold = block_threshold(sent.code, sent.probe_line)
    own, block = split_check(raw, threshold)
    if has_error(own):
        errors = "; ".join(
            str(m.get("data", ""))
            for m in own.get("messages", ()) or ()
            if isinstance(m, Mapping) and m.get("severity", "error") == "error"
        )
        failed = ReferenceFailed(
            f"the given statement does not elaborate in its header: {errors}; "
            "fix the formal statement"
        )
        return failed, None
    numbering = detect_numbering(sent.code, block, (sent.probe_line,), learned=learned)
    line = sent.probe_line - numbering.offset
    for message in block:
        if (
            numbering.trusted
            and isinstance(message, Mapping)
            and message.get("severity") == "info"
            and line_of(message) == line
            and ELIDED not in str(message.get("data"))
        ):
            return str(message.get("data")), numbering
    constant = sent.reference.constant
    failed = ReferenceFailed(
        f"Lean printed no complete type for {constant} from the given statement; "
        "check that the formal statement declares this theorem"
    )
    return failed, numbering
