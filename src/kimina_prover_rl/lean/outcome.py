"""Turning what a REPL answered about one proof into a verdict status.

Pure functions over the REPL's JSON: no processes, no clocks. A backend sends the proof
with the check ``_axiom_check`` plans appended, splits the answer by line
(:func:`split_check`) and hands both parts here. The order of the checks is the order of
the statuses' severity: an error beats a ``sorry``, a ``sorry`` beats an axiom, an axiom
beats a statement mismatch, so the verdict always names the most basic thing that is
wrong.

The axiom check is what makes ``valid`` sound: a proof closed by ``apply?``'s synthetic
``sorryAx``, by ``exact sorryAx _ false``, by an ``axiom`` the proof declares itself, or
by ``native_decide`` (unless allowed) carries no error and often no warning, but its
axioms give it away.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kimina_prover_rl.lean._axiom_check import CheckPlan
from kimina_prover_rl.lean.verdict import LeanMessage, UnsoundReason, VerdictStatus

__all__ = [
    "ELIDED",
    "NATIVE_DECIDE_AXIOMS",
    "STANDARD_AXIOMS",
    "Judgement",
    "UnsoundReason",
    "has_error",
    "judge",
    "messages_of",
    "parse_axioms",
    "shift_positions",
    "split_check",
    "uses_sorry",
]

STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
"""The axioms of Lean's and Mathlib's foundations; a valid proof uses nothing else."""

NATIVE_DECIDE_AXIOMS = frozenset({"Lean.ofReduceBool", "Lean.trustCompiler"})
"""What ``native_decide`` adds. Recent Lean versions report ``Lean.trustCompiler`` next
to ``Lean.ofReduceBool``; both mean "trust the compiler", so both are allowed together."""

ELIDED = "⋯"
"""What Lean prints for a term it did not print in full; such output is never compared."""

_SORRY_WARNING = re.compile(r"declaration (?:[^\n]+ )?uses ['`]sorry['`]")
"""Every wording Lean has used: ``declaration uses 'sorry'`` (to v4.27), ``declaration
uses `sorry``` (v4.28+) and ``declaration `name` uses `sorry``` (Lean's master)."""
_AXIOM_REPORT = re.compile(
    r"'(?P<name>.*)' (?:depends on axioms: \[(?P<axioms>[^\]]*)\]|does not depend on any axioms)",
    re.DOTALL,
)
_PRIVATE_PREFIX = re.compile(r"_private\.(?:.*?\.)?0\.")
_POSITION_KEYS = ("pos", "endPos")
_POSITIONED_LISTS = ("messages", "sorries", "tactics")


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the answers say about a proof: a status, the axioms seen, and why."""

    status: VerdictStatus
    detail: str = ""
    axioms: tuple[str, ...] = ()
    offending_axioms: tuple[str, ...] = ()
    reason: UnsoundReason | None = None


def shift_positions(response: Mapping[str, Any], line_offset: int) -> dict[str, Any]:
    """A copy of a REPL answer with every ``pos``/``endPos`` line moved by ``line_offset``.

    The pool runs the header as its own command, so Lean numbers the proof's lines from
    the end of the header; adding the header's line count back makes the positions
    valid in the code the user submitted.
    """
    shifted = dict(response)
    if line_offset == 0:
        return shifted
    for key in _POSITIONED_LISTS:
        items = response.get(key)
        if isinstance(items, list):
            shifted[key] = [_shift_item(item, line_offset) for item in items]
    return shifted


def _shift_item(item: Any, line_offset: int) -> Any:
    if not isinstance(item, Mapping):
        return item
    out = dict(item)
    for key in _POSITION_KEYS:
        pos = item.get(key)
        if isinstance(pos, Mapping) and isinstance(pos.get("line"), int):
            out[key] = {**pos, "line": pos["line"] + line_offset}
    return out


def uses_sorry(response: Mapping[str, Any]) -> bool:
    """Whether the REPL listed a ``sorry`` or Lean warned "declaration uses 'sorry'".

    Every wording counts: ``'sorry'`` before Lean 4.28, a backquoted ``sorry`` after, and
    the declaration's name between ``declaration`` and ``uses`` in Lean's newest.
    """
    if response.get("sorries"):
        return True
    return any(
        isinstance(m, Mapping) and _SORRY_WARNING.search(str(m.get("data", "")))
        for m in response.get("messages", ()) or ()
    )


def has_error(response: Mapping[str, Any]) -> bool:
    """Whether any message of the answer has error severity."""
    return any(
        isinstance(m, Mapping) and m.get("severity", "error") == "error"
        for m in response.get("messages", ()) or ()
    )


def parse_axioms(
    response: Mapping[str, Any], *, line: int | None = None, constant: str | None = None
) -> tuple[str, ...] | None:
    """The axioms a ``#print axioms`` answer lists, or None when it lists none at all.

    Returns ``()`` for "does not depend on any axioms". None means the answer holds no
    axiom report (the name was unknown, the command failed): the proof cannot be
    called sound. With ``line``, only a report at that line of the command counts, and
    only when it is the one message there, so text the proof itself printed
    (``#print "… depends on axioms: [propext]"``), or logged at a chosen position, can
    never pass for the check's answer. With ``constant`` (a
    fully-qualified name), only a report about that constant counts (its private
    version and ``«»`` quoting aside), so a report about an alias or another
    declaration Lean's name resolution found instead never does.
    """
    messages = list(response.get("messages", ()) or ())
    if line is not None:
        messages = _messages_at(response, line)
        if len(messages) != 1:
            return None  # a second message on the check's line may be a forged report
    for message in messages:
        if not isinstance(message, Mapping) or message.get("severity") == "error":
            continue
        found = _AXIOM_REPORT.match(str(message.get("data", "")))
        if found is None:
            continue
        if constant is not None and _plain_name(found["name"]) != _plain_name(constant):
            continue
        listed = found["axioms"]
        if listed is None:
            return ()
        return tuple(name for name in re.split(r"[\s,]+", listed) if name)
    return None


def _plain_name(name: str) -> str:
    """A constant's name without its private prefix and ``«»`` quotes, for comparison."""
    private = _PRIVATE_PREFIX.match(name)
    if private is not None:
        name = name[private.end() :]
    return name.replace("«", "").replace("»", "")


def split_check(
    response: Mapping[str, Any], first_line: int
) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
    """Separate the proof's part of an answer from the messages on the check's lines.

    Everything positioned on ``first_line`` or later belongs to the appended check (see
    ``_axiom_check`` for why nothing else can be there); the rest, and whatever carries no
    position, is the proof's.
    """
    proof = dict(response)
    check: list[Mapping[str, Any]] = []
    for key in _POSITIONED_LISTS:
        items = response.get(key)
        if not isinstance(items, list):
            continue
        kept = []
        for item in items:
            if _line_of(item) is not None and (_line_of(item) or 0) >= first_line:
                if key == "messages":
                    check.append(item)
            else:
                kept.append(item)
        if kept:
            proof[key] = kept
        else:
            proof.pop(key, None)
    return proof, check


def _line_of(item: Any) -> int | None:
    pos = item.get("pos") if isinstance(item, Mapping) else None
    line = pos.get("line") if isinstance(pos, Mapping) else None
    return line if isinstance(line, int) else None


def judge(
    response: Mapping[str, Any],
    *,
    plan: CheckPlan | None,
    check_messages: Sequence[Mapping[str, Any]] | None,
    first_line: int,
    allow_native_decide: bool,
    reference: str | None = None,
) -> Judgement:
    """Classify one proof from the proof's part of the answer and its check's messages.

    ``response`` is the proof's part (:func:`split_check`); ``check_messages`` what Lean
    said on the lines of ``plan`` appended from line ``first_line`` (None: the check did
    not run). ``reference`` is the given statement's ``#check`` output
    (``_statement_check``); without it the statement probe, if planned, is not compared.
    Only a report on its own line of the check, naming its own constant, counts, and
    any other message on a line of the check that holds a report makes the proof unsound.
    """
    if has_error(response):
        errors = sum(1 for m in _messages(response) if m.severity == "error")
        return Judgement(VerdictStatus.LEAN_ERROR, f"Lean reported {errors} error(s)")
    if uses_sorry(response):
        return Judgement(VerdictStatus.SORRY, "the proof uses sorry")
    if plan is None:
        return Judgement(VerdictStatus.VALID, "no declaration to check axioms of")
    answer = {"messages": list(check_messages or ())}
    failures = "; ".join(m.data for m in _messages(answer) if m.severity == "error")
    if check_messages is None or failures:
        return Judgement(
            VerdictStatus.UNSOUND,
            "Lean accepted the code but the check after it could not run"
            f"{': ' + failures if failures else ''}; end every command and declare each "
            "theorem once, under its own name",
            reason=UnsoundReason.UNCHECKED,
        )
    crowded = _crowded_check_line(answer, plan, first_line)
    if crowded is not None:
        return Judgement(VerdictStatus.UNSOUND, crowded, reason=UnsoundReason.UNCHECKED)
    allowed = STANDARD_AXIOMS | (NATIVE_DECIDE_AXIOMS if allow_native_decide else frozenset())
    seen: list[str] = []
    for report in sorted(plan.reports, key=lambda r: not r.graded):
        axioms = parse_axioms(answer, line=first_line + report.line - 1, constant=report.constant)
        if axioms is None:
            return Judgement(
                VerdictStatus.UNSOUND,
                f"Lean accepted the code but the axioms of {report.shown} could not be checked; "
                "declare each theorem once, under its own name",
                axioms=tuple(seen),
                reason=UnsoundReason.UNCHECKED,
            )
        offending = tuple(a for a in axioms if a not in allowed)
        if offending:
            return Judgement(
                VerdictStatus.UNSOUND,
                f"{report.shown} depends on non-standard axioms: {', '.join(offending)}",
                axioms=axioms,
                offending_axioms=offending,
                reason=UnsoundReason.AXIOMS,
            )
        seen.extend(a for a in axioms if a not in seen)
    if plan.statement is not None and reference is not None:
        line = first_line + plan.statement.line - 1
        found = _info_at(answer, line)
        mismatch = _statement_mismatch(found, reference, plan.statement.constant)
        if mismatch:
            return Judgement(
                VerdictStatus.UNSOUND,
                mismatch,
                axioms=tuple(seen),
                reason=UnsoundReason.STATEMENT,
            )
    return Judgement(VerdictStatus.VALID, axioms=tuple(seen))


def _info_at(answer: Mapping[str, Any], line: int) -> str | None:
    """The one info message at ``line``; None when there is none, or more than one."""
    messages = _messages_at(answer, line)
    if len(messages) == 1 and messages[0].get("severity") == "info":
        return str(messages[0].get("data", ""))
    return None


def _messages_at(answer: Mapping[str, Any], line: int) -> list[Mapping[str, Any]]:
    return [
        m
        for m in answer.get("messages", ()) or ()
        if isinstance(m, Mapping) and _line_of(m) == line
    ]


def _crowded_check_line(answer: Mapping[str, Any], plan: CheckPlan, first_line: int) -> str | None:
    """Why a line of the check that holds a report holds other messages too (None if none).

    Each such line runs one command that prints one message; anything else there was
    placed by the proof (code can log at any position) and could pass for the report.
    """
    expected = {first_line + r.line - 1: f"the axiom report of {r.shown}" for r in plan.reports}
    if plan.statement is not None:
        expected[first_line + plan.statement.line - 1] = "the type of the graded theorem"
    for line, what in sorted(expected.items()):
        count = len(_messages_at(answer, line))
        if count > 1:
            return (
                f"Lean's answer has {count} messages on line {line}, the check's line for "
                f"{what}, where exactly one belongs: a message the proof logged there could "
                "pass for the check's report; log no messages at positions of other commands"
            )
    return None


def _statement_mismatch(found: str | None, reference: str, constant: str) -> str:
    """Why Lean's type of the graded theorem is not the given statement ("" if it is)."""
    if found is None:
        return (
            f"Lean accepted the code but printed no type for {constant}; "
            "keep the given theorem exactly as stated"
        )
    if ELIDED in found or ELIDED in reference:
        return (
            f"the type of {constant} is too large to compare in full; "
            "keep the given theorem exactly as stated"
        )
    if found != reference:
        return (
            f"{constant} does not prove the given statement: in the proof's environment Lean "
            f"elaborates it as\n{found}\nbut the given statement as\n{reference}\n"
            "keep the given statement, and declare nothing that changes its meaning "
            "(notation, variables, instances, options)"
        )
    return ""


def messages_of(response: Mapping[str, Any], *, line_offset: int = 0) -> tuple[LeanMessage, ...]:
    """The answer's messages as :class:`LeanMessage`, lines shifted by ``line_offset``."""
    return tuple(_messages(response, line_offset=line_offset))


def _messages(response: Mapping[str, Any], *, line_offset: int = 0) -> Iterator[LeanMessage]:
    for message in response.get("messages", ()) or ():
        if isinstance(message, dict):
            yield LeanMessage.from_repl(message, line_offset=line_offset)
