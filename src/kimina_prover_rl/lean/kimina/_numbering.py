"""Which line numbering a kimina-lean-server answer uses, read from the answer itself.

kimina-lean-server runs a snippet's leading ``import`` lines as a separate command and
has shipped three ways of numbering the lines of its answers (``/health`` answers
``{"status": "ok"}`` in every version, so it cannot say which)::

    SUBMITTED      from the top of the submitted code     GitHub main (shifts back itself)
    AFTER_HEADER   from the first line after the imports   kimina-ast-server 2.1.3 (PyPI)
                   and the blank lines after them
    AFTER_IMPORTS  from the line after the last import     the first releases (recorded in
                   (blank lines after it still count)      ../shared/data samples)

The client knows what it sent: the appended check block starts at a known line and each
command in it reports on a known line. So an answer reveals its own offset: the numbering
whose offset puts a message on *every* expected report line, and no other numbering
does. An answer that cannot tell (no check was appended, or the check said nothing,
or two numberings fit equally well) is read with the numbering this server last
revealed, else with :data:`ASSUMED`; :class:`Numbering` records which of these happened.

The block is found without knowing the numbering: it starts more blank lines after the
proof than any numbering can remove (:func:`block_gap`), so every message past
:func:`block_threshold` is the check's, whatever the server counted, and the proof
cannot place output there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "ASSUMED",
    "LineNumbering",
    "Numbering",
    "block_gap",
    "block_threshold",
    "detect_numbering",
    "header_lines",
    "import_lines",
    "learn",
    "line_of",
]


class LineNumbering(StrEnum):
    """Where a kimina server starts counting lines (see the module docstring)."""

    SUBMITTED = "submitted"
    """Line 1 is the first line of the submitted code (kimina-lean-server main)."""
    AFTER_HEADER = "after_header"
    """Line 1 is the first line after the imports and the blank lines after them (2.1.3)."""
    AFTER_IMPORTS = "after_imports"
    """Line 1 is the line after the last leading import (kimina-lean-server's first releases)."""

    def offset(self, code: str) -> int:
        """How many lines of ``code`` this numbering leaves uncounted."""
        if self is LineNumbering.AFTER_HEADER:
            return header_lines(code)
        if self is LineNumbering.AFTER_IMPORTS:
            return import_lines(code)
        return 0


ASSUMED = LineNumbering.SUBMITTED
"""Used when no answer has told the numbering yet: kimina-lean-server main's."""


@dataclass(frozen=True, slots=True)
class Numbering:
    """How one answer's positions were read: which numbering, the shift, and how we know.

    ``how`` is ``detected`` (this answer's check block told), ``learned`` (an earlier
    answer from the same server told), ``assumed`` (:data:`ASSUMED`), ``ambiguous`` (the
    block fits two numberings: positions read as ``assumed``, the check is not trusted)
    or ``server`` (a ``kimina-rl serve`` verdict, already in submitted-code lines).
    ``fits`` lists every numbering giving the same offset for this code.
    """

    numbering: LineNumbering
    offset: int
    how: str
    fits: frozenset[LineNumbering] = frozenset()

    @property
    def trusted(self) -> bool:
        """Whether the check block's report may be read with this offset."""
        return self.how in ("detected", "learned", "assumed", "server")

    def to_dict(self) -> dict[str, Any]:
        """What a verdict records under ``extra["positions"]``."""
        return {"numbering": self.numbering.value, "line_offset": self.offset, "how": self.how}


def header_lines(code: str) -> int:
    """How many leading lines are ``import`` or blank (what kimina runs as the header)."""
    count = 0
    for line in code.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("import "):
            break
        count += 1
    return count


def import_lines(code: str) -> int:
    """How many leading lines end with the last leading ``import`` (blank lines before it
    included, blank lines after it not)."""
    last = 0
    for number, line in enumerate(code.splitlines()[: header_lines(code)], start=1):
        if line.strip():
            last = number
    return last


def block_gap(code: str) -> int:
    """Blank lines to put between the proof and the check block: more than any numbering
    removes, so the block's first line stays past the proof's last line in every one."""
    return header_lines(code) + 2


def block_threshold(code: str, block_start: int) -> int:
    """The lowest line, as any server numbers it, that can only be in the check block."""
    return block_start - header_lines(code)


def line_of(item: Any) -> int | None:
    """The ``pos.line`` of a message or sorry object, if it has one."""
    pos = item.get("pos") if isinstance(item, Mapping) else None
    line = pos.get("line") if isinstance(pos, Mapping) else None
    return line if isinstance(line, int) and not isinstance(line, bool) else None


def detect_numbering(
    code: str,
    block_messages: Iterable[Any],
    report_lines: Sequence[int],
    *,
    learned: frozenset[LineNumbering] = frozenset(),
) -> Numbering:
    """The numbering of one answer, from the check block's messages (as the server sent
    them) and the lines (of the code as sent) its reports belong on.

    ``code`` is the submitted code, whose header decides each numbering's offset.
    ``learned`` holds the numberings earlier answers from the same server fitted.
    """
    by_offset: dict[int, set[LineNumbering]] = {}
    for numbering in LineNumbering:
        by_offset.setdefault(numbering.offset(code), set()).add(numbering)
    seen = {line for line in map(line_of, block_messages) if line is not None}
    fitting = [
        offset
        for offset in by_offset
        if report_lines and all(line - offset in seen for line in report_lines)
    ]
    if len(fitting) == 1:
        fits = frozenset(by_offset[fitting[0]])
        return Numbering(_first(fits & learned or fits), fitting[0], "detected", fits)
    how = "ambiguous" if fitting else ("learned" if learned else "assumed")
    numbering = _first(learned) if how == "learned" else ASSUMED
    offset = numbering.offset(code)
    return Numbering(numbering, offset, how, frozenset(by_offset[offset]))


def learn(learned: frozenset[LineNumbering], numbering: Numbering) -> frozenset[LineNumbering]:
    """What is known of a server's numbering after one more answer: the numberings that
    fitted every detected answer so far (a server that changed starts afresh)."""
    if numbering.how != "detected":
        return learned
    return learned & numbering.fits or numbering.fits


def _first(numberings: frozenset[LineNumbering]) -> LineNumbering:
    """One of ``numberings``, the first in declaration order (the most recent servers')."""
    return next(n for n in LineNumbering if n in numberings)
