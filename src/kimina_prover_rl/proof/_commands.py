"""The commands an answer may contain: a default-deny list, and where commands start.

A command that adds syntax (``syntax``, ``binder_predicate``, ``declare_syntax_cat``, a
notation, a macro) can add a token holding ``"`` or ``«``, after which Lean lexes the rest
differently from any fixed lexer; others run code or change the environment. Rather than
list what is refused, this module lists what an answer may write where a command starts
(at column 0, after any doc comment, attributes and modifiers): declarations, ``open``,
``set_option``, ``attribute``, ``universe``, ``section``/``namespace``/``end``, and the
words that only continue a declaration at column 0 (match arms, ``where``, a proof written
from column 0). Every other word there is refused by name, with what to write instead.

A ``namespace`` must be closed by ``end`` in the same part of the code: before the
theorem (so the graded theorem keeps its given full name) and after it (so the appended
checks run at the top level); a ``section`` may stay open (it changes no name), and an
``end`` may close only what the answer opened.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kimina_prover_rl.proof.lexer import COMMENT, ID_FIRST, ID_REST, lex

__all__ = ["ALLOWED_COMMANDS", "CommandRefusal", "refused_commands"]

_DECLARATIONS = (
    "theorem lemma def abbrev example instance structure inductive class opaque "
    "irreducible_def alias"
)
_COMMANDS = "open set_option attribute universe section namespace end"
ALLOWED_COMMANDS = frozenset(f"{_DECLARATIONS} {_COMMANDS}".split())
"""What may start a command: declarations, and the commands that only scope them."""
_MODIFIERS = frozenset(["private", "protected", "noncomputable", "partial", "nonrec"])
# Words that never start a command: they continue a declaration written from column 0
# (a term, a match arm, a proof or tactic block), so a line may start with them.
_CONTINUATIONS = frozenset(
    [
        "import",
        "where",
        "termination_by",
        "decreasing_by",
        "deriving",
        "with",
        "at",
        "using",
        "fun",
        "by",
        "calc",
        "show",
        "from",
        "have",
        "let",
        "if",
        "then",
        "else",
        "match",
        "do",
        "return",
        "suffices",
        "obtain",
        "nomatch",
        "intro",
        "intros",
        "exact",
        "apply",
        "refine",
        "refine'",
        "rw",
        "rwa",
        "rewrite",
        "simp",
        "simp_all",
        "simpa",
        "dsimp",
        "norm_num",
        "linarith",
        "nlinarith",
        "positivity",
        "ring",
        "ring_nf",
        "field_simp",
        "omega",
        "decide",
        "constructor",
        "use",
        "rcases",
        "cases",
        "induction",
        "subst",
        "unfold",
        "exact_mod_cast",
        "push_cast",
        "aesop",
        "tauto",
        "trivial",
        "rfl",
        "gcongr",
        "specialize",
        "contradiction",
        "exfalso",
        "by_contra",
        "by_cases",
        "split_ifs",
        "interval_cases",
        "norm_cast",
        "assumption",
        "left",
        "right",
        "ext",
        "funext",
        "congr",
        "symm",
        "linear_combination",
        "polyrith",
        "native_decide",
        "nlinarith!",
        "first",
        "try",
        "repeat",
        "all_goals",
        "any_goals",
        "focus",
        "next",
        "case",
    ]
)
_MAX_PREFIXES = 8
_MAX_ATTRIBUTES_CHARS = 256
_WORD = re.compile(f"#?[{ID_FIRST}][{ID_REST}]*")
_SCOPE = re.compile(
    f"(?<![{ID_REST}.«])(namespace|section|end|mutual)(?![{ID_REST}»])"
    r"(?:[ \t]+([^\s()\[\]{}:,]+))?"
)
_NOT_A_SCOPE_NAME = frozenset({*ALLOWED_COMMANDS, *_MODIFIERS, "mutual"})


@dataclass(frozen=True, slots=True)
class CommandRefusal:
    """A command an answer may not write: its offset, the word that starts it, and why."""

    offset: int
    construct: str
    reason: str


def refused_commands(
    code: str, masked: str, regions: tuple[tuple[int, int, str], ...]
) -> Iterator[CommandRefusal]:
    """Commands outside the allow-list, and unbalanced scopes, in each ``(start, end,
    where)`` region of ``code`` (``masked``: the code with comments, literals and names
    blanked; ``where`` says where a scope must be closed, e.g. "before the theorem")."""
    comments = {start: end for start, end, kind in lex(code).spans if kind == COMMENT}
    opened: list[tuple[int, str, int]] = []  # (offset, command, scopes it opened)
    for start, end, where in regions:
        for head in _command_heads(code, masked, comments, start, end):
            refusal = _refusal_at(masked, head, end)
            if refusal is not None:
                yield refusal
        refusal = _unbalanced_scope(code, masked, (start, end, where), opened)
        if refusal is not None:
            yield refusal


def _command_heads(
    code: str, masked: str, comments: dict[int, int], start: int, end: int
) -> Iterator[int]:
    """Offsets where a command may start: the first token of every line that starts at
    column 0 (after a doc comment there, on any line; after a plain comment, on its line)."""
    line = start
    if start > 0 and code[start - 1] != "\n":
        line = code.find("\n", start) + 1
        if line == 0:
            return
    searched = found = -1
    while line < end:
        if not code[line].isspace():
            if line in comments:
                after = comments[line]
                doc = code.startswith(("/--", "/-!"), line)
                limit = end if doc else code.find("\n", after)
                limit = end if limit < 0 else min(limit, end)
                # Blank from a former search's start to its token: the same token (so
                # a run of doc comments is skipped once, not once per comment).
                if not searched <= after <= found:
                    searched, found = after, _skip_space(masked, after)
                token = found
                if token < limit:
                    yield token
            elif not masked[line].isspace():  # else inside an earlier comment or string
                yield line
        line = code.find("\n", line) + 1
        if line == 0:
            return


def _refusal_at(masked: str, pos: int, end: int) -> CommandRefusal | None:
    """The refusal of the command starting at ``pos`` (None when it is allowed).

    At most a few attribute lists and modifiers are read before the word that names the
    command, and each list within a bounded length, so this stays linear over all lines."""
    start = pos
    for _ in range(_MAX_PREFIXES):
        if pos >= end:
            return None
        if masked.startswith("@[", pos):
            close = _attribute_end(masked, pos + 2, min(end, pos + _MAX_ATTRIBUTES_CHARS))
            if close is None:
                break
            pos = _skip_space(masked, close)
            continue
        word = _WORD.match(masked, pos, end)
        if word is None:
            return None  # a symbol or a literal: it continues a term, no command starts so
        text = word.group()
        if text in _MODIFIERS:
            pos = _skip_space(masked, word.end())
            continue
        if text in ALLOWED_COMMANDS or text in _CONTINUATIONS:
            return None
        return CommandRefusal(pos, text, _reason(text))
    return CommandRefusal(
        start,
        masked[start : start + 2],
        "too many attributes or modifiers in a row, or an attribute list that does not "
        "close: write one attribute list and the modifiers a declaration needs",
    )


def _skip_space(masked: str, pos: int) -> int:
    """The offset of the first non-space character at or after ``pos``."""
    while pos < len(masked) and masked[pos] in " \t\r\n":
        pos += 1
    return pos


def _attribute_end(masked: str, pos: int, limit: int) -> int | None:
    """The offset just after the ``]`` that closes an attribute list (None: not before
    ``limit``)."""
    depth = 1
    for at in range(pos, limit):
        depth += {"[": 1, "]": -1}.get(masked[at], 0)
        if depth == 0:
            return at + 1
    return None


def _reason(word: str) -> str:
    allowed = (
        "an answer holds only declarations (theorem, lemma, def, … with modifiers and "
        "allowed attributes), `open … in`, allowed `set_option`, `section`/`namespace … end` "
        "and comments"
    )
    if word.startswith("#"):
        advice = "remove it: the checks Lean needs run after the proof"
    elif word in ("variable", "include", "omit"):
        advice = "put the hypotheses in each lemma's binders instead"
    elif word in ("axiom", "constant", "postulate"):
        advice = "state it as a lemma and prove it"
    else:
        advice = (
            "write a helper as a lemma or def, spell notation out, and indent proof lines "
            "under their declaration"
        )
    return f"not a command an answer may contain ({allowed}): {advice}"


def _unbalanced_scope(
    code: str, masked: str, region: tuple[int, int, str], opened: list[tuple[int, str, int]]
) -> CommandRefusal | None:
    """The first ``end`` in ``region`` that closes a scope the answer did not open, or the
    first ``namespace`` left open at its end. ``opened`` holds the scopes open when the
    region starts and is updated: a ``section`` may stay open (it changes no name, and
    an honest answer may close it after the theorem), a ``namespace`` may not."""
    start, end, where = region
    for m in _SCOPE.finditer(masked, start, end):
        command = m.group(1)
        name = None if m.group(2) is None else code[m.start(2) : m.end(2)]
        if name in _NOT_A_SCOPE_NAME:
            name = None
        count = 1 if name is None else len(re.findall(r"«[^»]*»|[^.«]+", name))
        if command != "end":
            opened.append((m.start(), command, count if command != "mutual" else 1))
            continue
        while count > 0 and opened:
            offset, what, scopes = opened.pop()
            if scopes > count:
                opened.append((offset, what, scopes - count))
            count -= scopes
        if count > 0:
            return CommandRefusal(
                m.start(),
                "end",
                "closes a scope the answer did not open (it would move the theorem out of "
                "its given namespace): close only the sections and namespaces you open",
            )
    namespace = next((entry for entry in opened if entry[1] == "namespace"), None)
    if namespace is not None:
        return CommandRefusal(
            namespace[0],
            "namespace",
            f"this `namespace` is not closed by `end` {where}: close it, so that the graded "
            "theorem keeps its given name and the checks after the proof run at the top level",
        )
    return None
