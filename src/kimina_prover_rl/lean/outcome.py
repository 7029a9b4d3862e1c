"""Turning what a REPL answered about one proof into a verdict status.

Pure functions over the REPL's JSON: no processes, no clocks. The pool runs the proof,
then (only when Lean reported neither an error nor a ``sorry``) the axiom check that
``_axiom_check`` plans for the proof's main declaration, and hands both answers here.
The order of the checks is the order of the statuses' severity: an error beats a
``sorry``, a ``sorry`` beats an axiom, so the verdict always names the most basic thing
that is wrong.

The axiom check is what makes ``valid`` sound: a proof closed by ``apply?``'s synthetic
``sorryAx``, by ``exact sorryAx _ false``, by an ``axiom`` the proof declares itself, or
by ``native_decide`` (unless allowed) carries no error and often no warning, but its
axioms give it away.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kimina_prover_rl.lean.verdict import LeanMessage, VerdictStatus

__all__ = [
    "NATIVE_DECIDE_AXIOMS",
    "STANDARD_AXIOMS",
    "Judgement",
    "has_error",
    "judge",
    "messages_of",
    "parse_axioms",
    "shift_positions",
    "uses_sorry",
]

STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
"""The axioms of Lean's and Mathlib's foundations; a valid proof uses nothing else."""

NATIVE_DECIDE_AXIOMS = frozenset({"Lean.ofReduceBool", "Lean.trustCompiler"})
"""What ``native_decide`` adds. Recent Lean versions report ``Lean.trustCompiler`` next
to ``Lean.ofReduceBool``; both mean "trust the compiler", so both are allowed together."""

_SORRY_WARNING = re.compile(r"declaration uses ['`]sorry['`]")
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

    Both quote styles count: ``'sorry'`` before Lean 4.28, a backquoted ``sorry`` after.
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
    called sound. With ``line``, only a report at that line of the command counts, so
    text the proof itself printed (``#print "… depends on axioms: [propext]"``) in the
    same command can never pass for the check's answer. With ``constant`` (a
    fully-qualified name), only a report about that constant counts (its private
    version and ``«»`` quoting aside), so a report about an alias or another
    declaration Lean's name resolution found instead never does.
    """
    for message in response.get("messages", ()) or ():
        if not isinstance(message, Mapping) or message.get("severity") == "error":
            continue
        if line is not None and (message.get("pos") or {}).get("line") != line:
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


def judge(
    response: Mapping[str, Any],
    *,
    axioms_response: Mapping[str, Any] | None,
    checked_name: str | None,
    axioms_constant: str | None,
    allow_native_decide: bool,
    axioms_line: int | None = None,
) -> Judgement:
    """Classify one proof from the REPL's answer and, if one ran, its axiom check.

    ``axioms_response`` is None when no check ran: either Lean already reported an
    error or a ``sorry`` (the check is skipped, it cannot change the outcome) or the
    code declares no theorem (errors and sorries are then all there is to check).
    ``checked_name`` names the declaration in details; ``axioms_constant`` and
    ``axioms_line`` say which report of the check counts (see :func:`parse_axioms`).
    """
    if has_error(response):
        errors = sum(1 for m in _messages(response) if m.severity == "error")
        return Judgement(VerdictStatus.LEAN_ERROR, f"Lean reported {errors} error(s)")
    if uses_sorry(response):
        return Judgement(VerdictStatus.SORRY, "the proof uses sorry")
    if axioms_response is None:
        return Judgement(VerdictStatus.VALID, "no declaration to check axioms of")
    what = checked_name or "the example"
    axioms = parse_axioms(axioms_response, line=axioms_line, constant=axioms_constant)
    if axioms is None or has_error(axioms_response):
        reason = "; ".join(m.data for m in _messages(axioms_response) if m.severity == "error")
        return Judgement(
            VerdictStatus.UNSOUND,
            f"Lean accepted the code but the axioms of {what} could not be checked"
            f"{': ' + reason if reason else ''}; declare the theorem once, under its own name",
            axioms=axioms or (),
        )
    allowed = STANDARD_AXIOMS | (NATIVE_DECIDE_AXIOMS if allow_native_decide else frozenset())
    offending = tuple(a for a in axioms if a not in allowed)
    if offending:
        return Judgement(
            VerdictStatus.UNSOUND,
            f"{what} depends on non-standard axioms: {', '.join(offending)}",
            axioms=axioms,
            offending_axioms=offending,
        )
    return Judgement(VerdictStatus.VALID, axioms=axioms)


def messages_of(response: Mapping[str, Any], *, line_offset: int = 0) -> tuple[LeanMessage, ...]:
    """The answer's messages as :class:`LeanMessage`, lines shifted by ``line_offset``."""
    return tuple(_messages(response, line_offset=line_offset))


def _messages(response: Mapping[str, Any], *, line_offset: int = 0) -> Iterator[LeanMessage]:
    for message in response.get("messages", ()) or ():
        if isinstance(message, dict):
            yield LeanMessage.from_repl(message, line_offset=line_offset)
