"""Turn Lean's verdict on a proof into feedback a model can act on.

The input is a REPL response (the ``leanprover-community/repl`` JSON: ``messages`` with
``pos``/``endPos``, ``sorries``, and optionally ``infotree`` or ``tactics``), possibly
wrapped as kimina-lean-server does (``{"custom_id", "error", "response"}``), and the code
that was checked. Each shown error carries Lean's message, the goal before the failing
tactic when the response has an infotree (the ``original``, ``tactics`` or ``full``
option) or a ``tactics`` list, and a numbered snippet that marks the failing line. Without
an infotree the goal is the one Lean printed inside the message ("unsolved goals",
``linarith``, placeholder contexts), shown verbatim with it.

Nothing here raises on hostile input: any JSON shape and any code give a non-empty string
no longer than ``FeedbackConfig.max_chars``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeGuard

from kimina_prover_rl.errors import ConfigError

__all__ = ["FeedbackConfig", "FeedbackKind", "render_feedback"]

_Pos = tuple[int, int]

#: Characters kept free for the summary line above the errors.
_HEAD_ROOM = 100

#: Infotree nodes visited at most, so a hostile or enormous tree costs bounded time.
_MAX_TREE_NODES = 100_000


class FeedbackKind(StrEnum):
    """What happened to the proof; the reward maps ``lean.VerdictStatus`` onto it."""

    VALID = "valid"
    LEAN_ERROR = "lean_error"
    SORRY = "sorry"
    UNSOUND = "unsound"
    STATEMENT_CHANGED = "statement_changed"
    """Lean accepted the proof, but the theorem it proves is not the given statement."""
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    REJECTED = "rejected"
    INFRASTRUCTURE = "infrastructure"
    """The checker failed (crash, overload, server error); ``detail`` says which."""


@dataclass(frozen=True, slots=True)
class FeedbackConfig:
    """How much feedback to show.

    ``max_errors`` messages are shown (first in source order), each with
    ``context_lines`` lines of code either side of the failing line. ``max_chars`` caps
    the whole text (a truncation marker says so); the smaller caps keep one enormous
    message, goal or line from crowding out the rest. ``severities`` selects which
    messages count (warnings are noise for most proofs).
    """

    max_errors: int = 3
    context_lines: int = 2
    max_chars: int = 3000
    max_message_chars: int = 1200
    max_goal_chars: int = 1200
    max_line_chars: int = 200
    severities: tuple[str, ...] = ("error",)

    def __post_init__(self) -> None:
        minimums = {
            "max_errors": 1,
            "context_lines": 0,
            "max_chars": 200,
            "max_message_chars": 40,
            "max_goal_chars": 40,
            "max_line_chars": 40,
        }
        for name, minimum in minimums.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                raise ConfigError(
                    f"FeedbackConfig.{name}={value!r} is invalid: pass an integer >= {minimum}"
                )
        if not self.severities or not all(isinstance(s, str) for s in self.severities):
            raise ConfigError(
                f"FeedbackConfig.severities={self.severities!r} is invalid: pass a non-empty "
                "tuple of REPL severities such as ('error',) or ('error', 'warning')"
            )


def render_feedback(
    code: str,
    response: Mapping[str, Any] | None,
    *,
    kind: FeedbackKind | str = FeedbackKind.LEAN_ERROR,
    line_offset: int = 0,
    detail: str = "",
    config: FeedbackConfig = FeedbackConfig(),
) -> str:
    """Explain to the model what Lean said about ``code``.

    ``line_offset`` is added to every line number in ``response`` to make it a line of
    ``code``: 0 when positions are relative to the code itself (the ``Verdict``
    contract), the number of stripped import lines for kimina-lean-server v1, which
    reported positions relative to the body. ``detail`` is a sentence from the verifier
    (e.g. the axioms found, or why the check failed) added to outcome messages.
    """
    try:
        outcome = FeedbackKind(kind)
    except ValueError:
        raise ValueError(
            f"render_feedback got kind={kind!r}: pass one of "
            f"{', '.join(k.value for k in FeedbackKind)}"
        ) from None
    repl, wrapper_error = _unwrap(response)
    lines = code.split("\n")
    note = " ".join(part for part in (detail.strip(), wrapper_error) if part)
    if outcome is FeedbackKind.LEAN_ERROR:
        text = _render_errors(lines, repl, line_offset, note, config)
    elif outcome is FeedbackKind.SORRY:
        text = _render_sorries(lines, repl, line_offset, config)
    else:
        text = _OUTCOME_TEXT[outcome]
        if note:
            text += f"\nDetails: {_clip(note, config.max_message_chars)}"
    return _cap(text, config.max_chars)


_OUTCOME_TEXT = {
    FeedbackKind.VALID: "Lean accepted the proof: no errors and no `sorry`.",
    FeedbackKind.UNSOUND: (
        "Lean accepted the proof, but it relies on something outside the standard axioms "
        "(propext, Classical.choice, Quot.sound), such as an extra axiom, `sorryAx` or "
        "`native_decide`. Prove the theorem without it."
    ),
    FeedbackKind.STATEMENT_CHANGED: (
        "Lean accepted the proof, but in the proof's environment the theorem does not state "
        "what was given: something declared before it (a notation, `variable … include`, an "
        "instance, an option) changed what the statement means. Keep the given statement "
        "and declare nothing that changes its meaning."
    ),
    FeedbackKind.TIMEOUT: (
        "Lean did not finish checking the proof within the time limit. Make it cheaper "
        "to check: replace slow tactics (large `nlinarith`/`polyrith` hint lists, "
        "unbounded `simp`, `decide` on big terms) with explicit intermediate steps."
    ),
    FeedbackKind.OUT_OF_MEMORY: (
        "Checking the proof ran out of memory. Avoid tactics that build huge terms or "
        "case splits (e.g. `decide`/`norm_num` on large numbers, deep `interval_cases`); "
        "break the proof into smaller lemmas."
    ),
    FeedbackKind.REJECTED: (
        "The proof was refused before reaching Lean (for example it is too large or not "
        "valid text). Submit a shorter, well-formed proof."
    ),
    FeedbackKind.INFRASTRUCTURE: (
        "The proof could not be checked because the Lean checker failed (a crash, an "
        "overload or a server error). This is not a judgement of the proof."
    ),
}


@dataclass(frozen=True, slots=True)
class _Span:
    """A tactic's source range and the goals before it, from the infotree or tactics."""

    start: _Pos
    end: _Pos
    goals: str


def _unwrap(response: Mapping[str, Any] | None) -> tuple[Mapping[str, Any], str]:
    """The REPL response inside a kimina-lean-server wrapper, and the wrapper's error."""
    if not isinstance(response, Mapping):
        return {}, ""
    wrapper_error = ""
    inner = response.get("response")
    if "response" in response and "messages" not in response and not isinstance(inner, str):
        error = response.get("error")
        wrapper_error = error.strip() if isinstance(error, str) else ""
        response = inner if isinstance(inner, Mapping) else {}
    message = response.get("message")
    if isinstance(message, str) and message.strip() and "messages" not in response:
        wrapper_error = " ".join(p for p in (wrapper_error, message.strip()) if p)
    return response, wrapper_error


def _render_errors(
    lines: list[str], repl: Mapping[str, Any], offset: int, note: str, config: FeedbackConfig
) -> str:
    messages = [m for m in _dicts(repl.get("messages")) if m.get("severity") in config.severities]
    spans = _goal_spans(repl, offset)
    if not messages:
        text = "Lean rejected the proof but reported no error message."
        if note:
            text += f"\nDetails: {_clip(note, config.max_message_chars)}"
        summary = _sorry_summary(repl, offset)
        return f"{text}\n{summary}" if summary else text
    messages.sort(key=lambda m: _position_key(_pos(m.get("pos"), offset)))
    tail = _sorry_summary(repl, offset)
    room = config.max_chars - _HEAD_ROOM - (len(tail) + 2 if tail else 0)
    blocks: list[str] = []
    for number, message in enumerate(messages[: config.max_errors], 1):
        block = _render_message(number, message, lines, spans, offset, config)
        scale = 1.0
        while len(block) > room and not blocks and scale > 0.1:
            scale *= max(room, 0) / len(block) * 0.9
            block = _render_message(number, message, lines, spans, offset, config, scale)
        if len(block) > room and blocks:
            break
        blocks.append(block)
        room -= len(block) + 2
    noun = "error" if config.severities == ("error",) else "message"
    head = f"Lean reported {len(messages)} {noun}{'s' if len(messages) != 1 else ''}"
    if len(messages) > len(blocks):
        head += f"; the first {len(blocks)} (in source order) are shown"
    return "\n\n".join([head + ".", *blocks, *([tail] if tail else [])])


def _render_message(  # noqa: PLR0917 - private, called from one place
    number: int,
    message: Mapping[str, Any],
    lines: list[str],
    spans: list[_Span],
    offset: int,
    config: FeedbackConfig,
    scale: float = 1.0,
) -> str:
    """One error: position, Lean's message, the goal before it, and the code around it.

    ``scale`` shrinks the message, goal and line caps so that a huge first error fits.
    """
    message_limit = max(40, int(config.max_message_chars * scale))
    goal_limit = max(40, int(config.max_goal_chars * scale))
    severity = str(message.get("severity", "error"))
    data = message.get("data")
    text = data.strip() if isinstance(data, str) and data.strip() else "(no message text)"
    pos = _pos(message.get("pos"), offset)
    where = f"at line {pos[0]}, column {pos[1] + 1}" if pos else "(no position given)"
    parts = [f"{number}. {severity} {where}:", _clip(text, message_limit)]
    if pos is not None:
        goal = _goal_before(spans, pos)
        if goal is not None and goal not in text:
            parts.append("Goal before the failing step:\n" + _clip(goal, goal_limit))
        line_limit = max(40, int(config.max_line_chars * scale))
        parts.append("Code:\n" + _snippet(lines, pos[0], config.context_lines, line_limit))
    return "\n".join(parts)


def _render_sorries(
    lines: list[str], repl: Mapping[str, Any], offset: int, config: FeedbackConfig
) -> str:
    sorries = _dicts(repl.get("sorries"))
    head = (
        "The proof is incomplete: it uses `sorry`, which is not accepted. "
        "Replace every `sorry` with a real proof."
    )
    if not sorries:
        warned = [
            _pos(m.get("pos"), offset)
            for m in _dicts(repl.get("messages"))
            if isinstance(m.get("data"), str) and "sorry" in m["data"]
        ]
        found = sorted({p[0] for p in warned if p is not None})
        if found:
            head += f" Lean reported it at line{'s' if len(found) > 1 else ''} "
            head += ", ".join(str(line) for line in found) + "."
        return head
    blocks = [head]
    for number, entry in enumerate(sorries[: config.max_errors], 1):
        pos = _pos(entry.get("pos"), offset)
        where = f"at line {pos[0]}, column {pos[1] + 1}" if pos else "(no position given)"
        parts = [f"{number}. sorry {where}"]
        goal = entry.get("goal")
        if isinstance(goal, str) and goal.strip():
            parts.append("Goal left open:\n" + _clip(goal.strip(), config.max_goal_chars))
        if pos is not None:
            snippet = _snippet(lines, pos[0], config.context_lines, config.max_line_chars)
            parts.append("Code:\n" + snippet)
        blocks.append("\n".join(parts))
    if len(sorries) > config.max_errors:
        blocks.append(f"({len(sorries) - config.max_errors} more `sorry` not shown.)")
    return "\n\n".join(blocks)


def _sorry_summary(repl: Mapping[str, Any], offset: int) -> str:
    """One line listing where the proof also uses ``sorry`` (empty when it does not)."""
    where = [_pos(s.get("pos"), offset) for s in _dicts(repl.get("sorries"))]
    found = sorted({p[0] for p in where if p is not None})
    if not found:
        return ""
    listed = ", ".join(str(line) for line in found[:10])
    return f"The proof also uses `sorry` (line {listed}); replace it with a real proof."


def _snippet(lines: list[str], line: int, context: int, line_limit: int) -> str:
    """Numbered lines around ``line`` (1-based) with the failing one marked ``>``."""
    if not 1 <= line <= len(lines):
        return f"(line {line} is outside the checked code, which has {len(lines)} lines)"
    first = max(1, line - context)
    last = min(len(lines), line + context)
    width = len(str(last))
    rows = []
    for number in range(first, last + 1):
        marker = ">" if number == line else " "
        content = _clip(lines[number - 1].rstrip("\r"), line_limit)
        rows.append(f"{marker} {number:>{width}} | {content}")
    return "\n".join(rows)


def _goal_spans(repl: Mapping[str, Any], offset: int) -> list[_Span]:
    """Every tactic with its goals-before, from the infotree and the ``tactics`` list."""
    spans: list[_Span] = []
    for tactic in _dicts(repl.get("tactics")):
        start = _pos(tactic.get("pos"), offset)
        end = _pos(tactic.get("endPos"), offset)
        goals = tactic.get("goals")
        if start is not None and isinstance(goals, str):
            spans.append(_Span(start, end or start, goals.strip() or "no goals"))
    stack: list[Any] = [repl.get("infotree")]
    visited = 0
    while stack and visited < _MAX_TREE_NODES:
        item = stack.pop()
        visited += 1
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, Mapping):
            span = _tactic_span(item.get("node"), offset)
            if span is not None:
                spans.append(span)
            children = item.get("children")
            if isinstance(children, list):
                stack.extend(reversed(children))
    return spans


def _tactic_span(node: Any, offset: int) -> _Span | None:
    """The span of an infotree ``TacticInfo`` node, or None for any other node."""
    if not isinstance(node, Mapping):
        return None
    goals = node.get("goalsBefore")
    stx = node.get("stx")
    if not isinstance(goals, list) or not isinstance(stx, Mapping):
        return None
    rng = stx.get("range")
    if not isinstance(rng, Mapping) or rng.get("synthetic") is True:
        return None
    start = _pos(rng.get("start"), offset)
    end = _pos(rng.get("finish"), offset)
    if start is None:
        return None
    text = "\n\n".join(g.strip() for g in goals if isinstance(g, str) and g.strip())
    return _Span(start, end or start, text or "no goals")


def _goal_before(spans: Sequence[_Span], pos: _Pos) -> str | None:
    """Goals before the innermost tactic whose range contains ``pos``."""
    best: _Span | None = None
    for span in spans:
        if span.start <= pos <= max(span.end, span.start) and (
            best is None or (span.start, best.end) > (best.start, span.end)
        ):
            best = span
    return best.goals if best is not None else None


def _pos(value: Any, offset: int) -> _Pos | None:
    """A REPL ``{"line", "column"}`` object as (line in the code, 0-based column)."""
    if not isinstance(value, Mapping):
        return None
    line = value.get("line")
    column = value.get("column", 0)
    if not _is_int(line) or not _is_int(column):
        return None
    return line + offset, max(column, 0)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _position_key(pos: _Pos | None) -> tuple[int, int, int]:
    return (1, 0, 0) if pos is None else (0, *pos)


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    marker = f" […{len(text) - limit} more characters]"
    return text[: max(limit - len(marker), 0)] + marker


def _cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a line break, with a truncation marker."""
    if len(text) <= limit:
        return text
    marker = f"\n[feedback truncated: {len(text)} characters, {limit} shown at most]"
    cut = text[: limit - len(marker)]
    newline = cut.rfind("\n")
    if newline >= len(cut) // 2:
        cut = cut[:newline]
    return cut + marker
