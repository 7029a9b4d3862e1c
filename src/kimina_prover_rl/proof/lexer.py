"""Lean 4's lexical rules: where comments, string and char literals and ``«»`` names are.

One left-to-right pass over the code that decides, at each token start, what Lean's
tokenizer (``Lean.Parser.Basic.tokenFn`` and ``whitespace``) decides there: ``--`` and
nested ``/- -/`` comments (doc comments included), whose body starts after the *third*
character (``/-/- x -/`` is one comment, ``/--/ x -/`` a doc comment still open after
``/--/``); ``"`` strings with escapes; ``'`` char
literals, only at a token start and unless the next character is ``'`` (so ``h!'``, ``x?'``
and ``a₁'`` are names, while ``!'"'`` is ``!`` then the literal ``'"'``); numbers, which
never hold a quote (``2'a'`` is ``2`` then ``'a'``); raw strings ``r#"…"#``; identifiers
with Lean's own character classes (``isIdFirst``/``isIdRest``/``isLetterLike``/
``isSubScriptAlnum``, as of the newest toolchain: a superset of the older ones, whose
extra characters an older Lean rejects outright) and ``«…»`` components joined by ``.``;
and the code inside ``{…}`` of an interpolated string ``s!"…"``/``m!"…"``/``f!"…"``.

What Lean decides with its token table, which this pass does not have, is reported as a
*hazard* wherever it could move a comment, string or name boundary: a longer token may
start at a symbol character and swallow what follows (Mathlib's ``∑'`` ends in a quote,
``→o`` in a letter), so a char literal, raw string or comment opener glued to a symbol,
and a quote inside a name glued to a symbol where a char literal could start, are
hazards. So are ``{`` in a string that is not surely interpolated (a macro such as
``throwError`` interpolates plain-looking strings) and a number after ``.`` or glued to a
symbol whose ``.``/exponent/base part runs into a name or literal (``x.1e5'…``: a field
index then a name, or a number then a char literal). The assumption left: no token holds
``"``, ``«`` or ``--`` inside it.

Linear in the length of the code: one regular-expression match per token.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["COMMENT", "NAME", "STRING", "Lexed", "lex"]

COMMENT, STRING, NAME = 0, 1, 2
"""Span kinds: a comment, the inside of a string/char literal, a ``«…»`` name component."""

_LETTER_LIKE = (
    "\u03b1-\u03ba\u03bc-\u03c9\u0391-\u039f\u03a1\u03a2\u03a4-\u03a9\u03ca-\u03fb"
    "\u1f00-\u1ffe\u2100-\u214f\U0001d49c-\U0001d59f"
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u017f"
)
_SUBSCRIPT = "\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a\u2c7c"
ID_FIRST = f"A-Za-z_{_LETTER_LIKE}"
"""``isIdFirst`` as a regular-expression class body."""
ID_REST = f"A-Za-z_0-9'!?{_LETTER_LIKE}{_SUBSCRIPT}"
"""``isIdRest`` as a regular-expression class body."""

_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<line>--)|(?P<block>/-)|(?P<string>\")|(?P<char>')"
    r"|(?P<number>[0-9])|(?P<raw>r#*\")"
    f"|(?P<name>[{ID_FIRST}«])"
    r"|(?P<symbol>.)",
    re.DOTALL,
)
_NAME_PART = re.compile(f"[{ID_FIRST}][{ID_REST}]*|«[^»]*»?")
_NAME_DOT = re.compile(f"\\.(?=[{ID_FIRST}«])")
_NUMBER = re.compile(
    r"0[bB][01_]*|0[oO][0-7_]*|0[xX][0-9a-fA-F_]*"
    r"|[0-9][0-9_]*(?:\.(?:[0-9][0-9_]*)?)?(?:[eE][+-]?[0-9][0-9_]*)?"
)
# What a number reads that a name read afresh would also take (a ``.`` is read the same).
_NUMBER_LETTERS = re.compile(r"[eExXbBoO_]")
_NUMBER_FOLLOWER = re.compile(f'[{ID_REST}"«]')
_CHAR_LITERAL = re.compile(
    r"'(?:\\(?:[\\\"'rnt]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})|[^\\'])'", re.DOTALL
)
# Runs of at most 64 openers or closers: a comment closed early in a long run of closers
# (``/-/-/-/…`` is a chain of 5-character comments) must not read the whole run.
_BLOCK_EDGE = re.compile(r"(?:/-){1,64}|(?:-/){1,64}")
_PLAIN_STRING_EDGE = re.compile(r'["\\]')
_INTERPOLATED_STRING_EDGE = re.compile(r'["\\{]')
_INTERPOLATING = frozenset({"s!", "m!", "f!"})
# A symbol after which a longer token from Lean's table cannot go on: brackets and
# separators. Any other symbol may begin a token that swallows what is glued to it.
_CLOSED_SYMBOLS = frozenset("()[]{}⟨⟩⦃⦄,;")


@dataclass(frozen=True, slots=True)
class Lexed:
    """What :func:`lex` found: ``(start, end, kind)`` spans in order, and hazards.

    A ``STRING`` span runs from an opening quote (or the ``}`` that resumes an
    interpolated string) to the closing quote (or the ``{`` that interrupts it), both
    included; a ``NAME`` span is one ``«…»``; an unterminated span runs to the end (Lean
    reports an error there, so nothing after it is accepted). A hazard is
    ``(offset, text at that offset)``.
    """

    spans: tuple[tuple[int, int, int], ...]
    hazards: tuple[tuple[int, str], ...]


@functools.lru_cache(maxsize=32)
def lex(code: str) -> Lexed:
    """Lex ``code`` as Lean does (see the module docstring); never raises."""
    return _Lexer(code).run()


class _Lexer:
    def __init__(self, code: str) -> None:
        self.code = code
        self.spans: list[tuple[int, int, int]] = []
        self.hazards: list[tuple[int, str]] = []
        # One entry per open ``{`` of an interpolated string: the brace depth inside it.
        self.interpolations: list[int] = []
        self.glued = False  # whether the last token is a symbol that may continue

    def run(self) -> Lexed:
        code, n, pos = self.code, len(self.code), 0
        while pos < n:
            m = _TOKEN.match(code, pos)
            assert m is not None  # the last branch matches any character
            kind = m.lastgroup
            glued, self.glued = self.glued, False
            if kind == "space":
                pos = m.end()
            elif kind == "line":
                self._hazard_if(glued, pos, 3)
                end = code.find("\n", pos)
                pos = n if end < 0 else end
                self.spans.append((m.start(), pos, COMMENT))
            elif kind == "block":
                # Lean reads a third character after ``/-`` (only to tell ``/--`` and
                # ``/-!``) and starts the comment's body after it, in all three cases.
                self._hazard_if(glued, pos, 3)
                pos = _block_comment_end(code, min(pos + 3, n))
                self.spans.append((m.start(), pos, COMMENT))
            elif kind == "string":
                pos = self._string(pos, interpolated=False)
            elif kind == "char":
                pos = self._char(pos, glued)
            elif kind == "number":
                pos = self._number(pos, glued)
            elif kind == "raw":
                self._hazard_if(glued, pos, m.end() - pos)
                hashes = m.end() - pos - 2
                close = code.find('"' + "#" * hashes, m.end())
                end = n if close < 0 else close + 1 + hashes
                self.spans.append((pos, end, STRING))
                pos = end
            elif kind == "name":
                pos = self._name(pos, glued)
            else:
                pos = self._symbol(pos)
        return Lexed(tuple(self.spans), tuple(self.hazards))

    def _hazard_if(self, condition: bool, pos: int, length: int) -> None:
        if condition:
            self.hazards.append((pos - 1, self.code[pos - 1 : pos + length]))

    def _symbol(self, pos: int) -> int:
        char = self.code[pos]
        stack = self.interpolations
        if stack and char == "}":
            if stack[-1] == 0:
                stack.pop()
                return self._string(pos, interpolated=True)
            stack[-1] -= 1
        elif stack and char == "{":
            stack[-1] += 1
        self.glued = char not in _CLOSED_SYMBOLS
        return pos + 1

    def _string(self, start: int, *, interpolated: bool) -> int:
        """Scan a string from its opening quote (or resuming ``}``) at ``start``."""
        code = self.code
        edges = _INTERPOLATED_STRING_EDGE if interpolated else _PLAIN_STRING_EDGE
        cursor = start + 1
        while True:
            edge = edges.search(code, cursor)
            if edge is None:
                self.spans.append((start, len(code), STRING))
                return len(code)
            char = edge.group()
            if char == "\\":
                cursor = edge.end() + 1
                continue
            self.spans.append((start, edge.end(), STRING))
            if char == "{":
                self.interpolations.append(0)
            elif not interpolated:
                brace = code.find("{", start, edge.end())
                if brace >= 0:
                    self.hazards.append((start, code[start : brace + 1]))
            return edge.end()

    def _char(self, pos: int, glued: bool) -> int:
        m = _CHAR_LITERAL.match(self.code, pos)
        if m is None:
            # ``''`` is a token of its own; anything else is a parse error in Lean.
            self.glued = True
            return pos + 1
        self._hazard_if(glued, pos, m.end() - pos)
        self.spans.append((pos, m.end(), STRING))
        return m.end()

    def _number(self, pos: int, glued: bool) -> int:
        """Scan a number. After ``.`` (a field index takes digits only) or glued to a symbol
        (a token such as ``ℝ≥0`` may take the first digits), Lean may start afresh inside
        the number: where its exponent, base or ``_`` part, which a name read afresh would
        take instead, runs into a name or literal (``x.1e5'…``, ``≥0x1'…``), that is a
        hazard."""
        code = self.code
        m = _NUMBER.match(code, pos)
        assert m is not None  # called at a digit
        end = m.end()
        ambiguous = glued or (pos > 0 and code[pos - 1] == ".")
        swallows = _NUMBER_LETTERS.search(code, pos, end) is not None
        if ambiguous and swallows and _NUMBER_FOLLOWER.match(code, end):
            self.hazards.append((pos - 1, code[pos - 1 : end + 1]))
        return end

    def _name(self, start: int, glued: bool) -> int:
        """Scan a dotted name from ``start``; ``s!"…"`` goes on with its string."""
        code, pos = self.code, start
        while True:
            part = _NAME_PART.match(code, pos)
            assert part is not None  # called at an identifier start or ``«``
            if code[pos] == "«":
                self.spans.append((pos, part.end(), NAME))
            elif glued:
                self._check_glued_part(pos, part.end())
            pos = part.end()
            dot = _NAME_DOT.match(code, pos)
            if dot is None:
                break
            pos = dot.end()
        if code.startswith('"', pos) and code[start:pos] in _INTERPOLATING and not glued:
            return self._string(pos, interpolated=True)
        return pos

    def _check_glued_part(self, start: int, end: int) -> None:
        """A token glued before this name part may end inside it, where Lean starts afresh:
        a quote there opens a char literal, a final ``r`` before ``"`` a raw string."""
        code = self.code
        quote = code.find("'", start, end)
        while quote >= 0:
            if not code.startswith("''", quote) and _CHAR_LITERAL.match(code, quote):
                self.hazards.append((start - 1, code[start - 1 : quote + 3]))
                return
            quote = code.find("'", quote + 1, end)
        if code[end - 1] == "r" and re.match(r'#*"', code[end : end + 64]):
            self.hazards.append((start - 1, code[start - 1 : end + 1]))


def _block_comment_end(code: str, cursor: int) -> int:
    """Offset just past the ``-/`` closing a block comment whose inside starts at ``cursor``.

    Runs of openers or closers are taken in one match (``/-/-/-`` is three openers, up to
    64 at a time), so the loop runs about once per run, not once per token.
    """
    depth = 1
    for edge in _BLOCK_EDGE.finditer(code, cursor):
        run = (edge.end() - edge.start()) // 2
        if code.startswith("/-", edge.start()):
            depth += run
        elif run >= depth:
            return edge.start() + 2 * depth
        else:
            depth -= run
    return len(code)
