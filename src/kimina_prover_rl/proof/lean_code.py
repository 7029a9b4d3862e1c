"""The structure of Lean 4 source text: comments, strings, header, statement and body.

Everything here is a single left-to-right scan (``str.find`` and non-backtracking regular
expressions), so the cost is linear in the length of the code whatever the text holds.
Offsets are never shifted: :func:`mask_code` keeps every character's position, so a match
found in masked text slices the original text directly.

The scan follows Lean's lexer where it decides what is code: ``--`` and nested ``/- -/``
comments, string literals with escapes, raw strings (``r"…"``, ``r#"…"#``), char literals
and ``«…»`` identifiers (which may hold ``--`` or ``"``). What a regular scan cannot
decide the same way as Lean, :func:`lexing_hazards` reports, so that the integrity checks
can refuse it instead of guessing: ``{`` in a string (an interpolated ``s!"{…}"`` holds
code), a literal right after a number (``2'"'``), a comment opener glued to an operator
(``//-`` is the token ``//`` then ``-`` in Lean).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = [
    "DECLARATION_KEYWORDS",
    "LeanCode",
    "lexing_hazards",
    "mask_code",
    "normalize_statement",
    "normalize_whitespace",
    "parse_lean_code",
    "strip_comments",
]

#: Keywords that open a declaration whose statement the pipeline checks.
DECLARATION_KEYWORDS = ("theorem", "lemma", "example")

# Characters Lean allows after an identifier's first one (``isIdRest``): ASCII letters and
# digits, ``_'!?``, Greek but λ, Π and Σ, Coptic, letter-like symbols (ℕ, ℝ), script and
# double-struck letters, and sub-scripts.
_ID_REST = (
    r"A-Za-z0-9_'!?\u03b1-\u03ba\u03bc-\u03c9\u0391-\u039f\u03a1\u03a4-\u03a9\u03ca-\u03fb"
    r"\u1f00-\u1ffe\u2100-\u214f\U0001d49c-\U0001d59f\u2080-\u209c\u1d62-\u1d6a\u2c7c"
)
_ID_REST_CHAR = re.compile(f"[{_ID_REST}]")
_SPECIAL = re.compile(f'--|/-|"|\'|«|(?<![{_ID_REST}.])r#*"')
_BLOCK_EDGE = re.compile(r"(?:/-)+|(?:-/)+")
_STRING_EDGE = re.compile(r'["\\]')
_CHAR_LITERAL = re.compile(r"'(?:\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)|[^\\'])'", re.DOTALL)
# A comment opener right after one of these may be the end of a longer token in Lean.
_GLUED_OPENER = re.compile(r"[!#$%&*+\-./:<=>@\\^|~]")
_COMMENT, _STRING, _IDENT = 0, 1, 2
_IDENT_CHAR = re.compile(r"[\w'.!?₀-₉ᵢ-ᵪ]")
_HEADER_LINE = re.compile(r"[ \t]*(?:import|set_option|open)[ \t]")
_ENDS_WITH_IN = re.compile(r"\bin[ \t]*$")
_DECLARATION = re.compile(r"(?<![\w'.!?«])(theorem|lemma|example)(?![\w'!?»])")
_NAME = re.compile(r"[ \t\r\n]*([^\s()\[\]{}⦃⦄⟨⟩:,]+)")
_STATEMENT_TOKEN = re.compile(r"[(\[{⦃⟨]+|[)\]}⦄⟩]+|:=|(?<![\w'.!?])(?:let|have)(?![\w'!?])")
_WHITESPACE = re.compile(r"\s+")
_TRAILING_PROOF_STUB = re.compile(r"(?:\s*:=)?(?:\s*by)?(?:\s*sorry)?\s*$")
_OPENERS = "([{⦃⟨"


def _spans(code: str) -> list[tuple[int, int, int]]:
    """Return ``(start, end, kind)`` spans of comments, string/char literals and ``«»`` names.

    Block comments nest as in Lean; an unterminated comment, string or name runs to the end.
    """
    return _scan(code, None)


def lexing_hazards(code: str) -> list[tuple[int, str]]:
    """Offsets (with what is there) where Lean may split ``code`` differently from this scan.

    Each is a construct an honest proof has no use for: ``{`` inside a string literal, a
    char literal or raw string right after a number, a comment opener glued to an operator.
    """
    hazards: list[tuple[int, str]] = []
    _scan(code, hazards)
    return hazards


def _scan(code: str, hazards: list[tuple[int, str]] | None) -> list[tuple[int, int, int]]:
    spans: list[tuple[int, int, int]] = []
    pos = 0
    n = len(code)
    run = (-1, 0)  # the last ``'`` met inside a run of identifier characters, the run's start
    while True:
        m = _SPECIAL.search(code, pos)
        if m is None:
            return spans
        start = m.start()
        token = m.group()
        if token in ("--", "/-"):
            if hazards is not None and start and _GLUED_OPENER.match(code, start - 1):
                hazards.append((start - 1, code[start - 1 : start + 2]))
            if token == "--":
                end = code.find("\n", start)
                end = n if end < 0 else end
            else:
                end = _block_comment_end(code, start + 2)
            spans.append((start, end, _COMMENT))
        elif token == '"':
            end = _string_end(code, start + 1)
            if hazards is not None:
                brace = code.find("{", start, end)
                if brace >= 0:
                    hazards.append((start, code[start : brace + 1]))
                raw = start
                while raw and code[raw - 1] == "#":
                    raw -= 1
                if raw and code[raw - 1] == "r" and _is_digit(code, _run_start(code, raw - 1)):
                    hazards.append((raw - 1, code[raw - 1 : start + 1]))
            spans.append((start, end, _STRING))
        elif token == "'":
            if start and _ID_REST_CHAR.match(code, start - 1):
                # ``'`` is an identifier character too: the next one may reuse this run.
                run = (start, _run_start(code, start, run))
                if hazards is not None and _is_digit(code, run[1]):
                    hazards.append((start, code[start : start + 3]))
                pos = start + 1
                continue
            char = _CHAR_LITERAL.match(code, start)
            if char is None:
                pos = start + 1
                continue
            end = char.end()
            spans.append((start, end, _STRING))
        elif token == "«":
            close = code.find("»", start + 1)
            end = n if close < 0 else close + 1
            spans.append((start, end, _IDENT))
        else:
            hashes = len(token) - 2
            close = code.find('"' + "#" * hashes, m.end())
            end = n if close < 0 else close + 1 + hashes
            spans.append((start, end, _STRING))
        pos = end


def _string_end(code: str, cursor: int) -> int:
    """Offset just past the quote closing a string whose inside starts at ``cursor``."""
    while True:
        edge = _STRING_EDGE.search(code, cursor)
        if edge is None:
            return len(code)
        if edge.group() == "\\":
            cursor = edge.end() + 1
            continue
        return min(edge.end(), len(code))


def _run_start(code: str, pos: int, known: tuple[int, int] = (-1, 0)) -> int:
    """Start of the run of identifier characters that ends just before ``pos``.

    ``known`` is an earlier ``(offset, start)``: a run reaching that offset starts there
    too, so a long ``a'a'a'…`` is walked once.
    """
    start = pos
    while start and _ID_REST_CHAR.match(code, start - 1):
        start -= 1
        if start == known[0]:
            return known[1]
    return start


def _is_digit(code: str, pos: int) -> bool:
    """Whether ``code[pos]`` is an ASCII digit: Lean ends a number where a run starting
    with one meets a quote (``2'a'`` is ``2`` then a char literal; ``h2'`` is a name)."""
    return pos < len(code) and "0" <= code[pos] <= "9"


def _block_comment_end(code: str, cursor: int) -> int:
    """Offset just past the ``-/`` closing a block comment whose inside starts at ``cursor``.

    Runs of openers or closers are taken in one match (``/-/-/-`` is three openers), so
    the loop runs once per run, not once per token.
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


def mask_code(code: str, *, keep_names: bool = False) -> str:
    """Blank out comments and the inside of string literals and ``«»`` names, keeping offsets.

    Masked characters become spaces (newlines stay), so line numbers and offsets found in
    the result are valid in ``code``. The inside of a ``«…»`` name becomes ``_``, so it
    stays one identifier and no keyword can be read inside it (``keep_names`` keeps it).
    """
    return _mask(code, _spans(code), keep_names=keep_names)


def _mask(code: str, spans: list[tuple[int, int, int]], *, keep_names: bool = False) -> str:
    parts: list[str] = []
    last = 0
    for start, end, kind in spans:
        parts.append(code[last:start])
        if kind == _IDENT and keep_names:
            parts.append(code[start:end])
        elif kind == _COMMENT:
            parts.append(_blank(code[start:end]))
        elif end - start < 2:
            parts.append(code[start:end])  # a lone quote or « at the very end
        else:
            inner = code[start + 1 : end - 1]
            filler = _blank(inner) if kind == _STRING else _fill(inner)
            parts.append(code[start] + filler + code[end - 1 : end])
        last = end
    parts.append(code[last:])
    return "".join(parts)


def _blank(text: str) -> str:
    return "".join("\n" if c == "\n" else " " for c in text) if "\n" in text else " " * len(text)


def _fill(text: str) -> str:
    return "".join("\n" if c == "\n" else "_" for c in text) if "\n" in text else "_" * len(text)


def strip_comments(code: str) -> str:
    """Remove ``--`` and (nested) ``/- -/`` comments, leaving string literals intact.

    Newlines inside block comments are kept so line numbers do not move.
    """
    parts: list[str] = []
    last = 0
    for start, end, kind in _spans(code):
        if kind != _COMMENT:
            continue
        parts.append(code[last:start])
        parts.append("\n" * code.count("\n", start, end))
        last = end
    parts.append(code[last:])
    return "".join(parts)


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space and trim both ends."""
    return _WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class LeanCode:
    """Lean source split into four consecutive parts whose concatenation is the input.

    - ``header``: leading ``import`` / ``set_option`` / ``open`` commands (and the comments
      and blank lines among and right after them); ``… in`` modifiers are not header.
    - ``prelude``: everything between the header and the chosen declaration (docstrings,
      auxiliary lemmas, definitions).
    - ``statement``: the declaration from its keyword to its top-level ``:=`` inclusive.
    - ``body``: everything after that ``:=`` (the proof, and whatever follows it).

    When no declaration is found, ``statement`` and ``body`` are empty and ``name`` is None.
    """

    header: str
    prelude: str
    statement: str
    body: str
    name: str | None
    keyword: str | None

    @property
    def text(self) -> str:
        """The original code."""
        return self.header + self.prelude + self.statement + self.body

    @property
    def has_declaration(self) -> bool:
        """Whether a ``theorem``/``lemma``/``example`` with a top-level ``:=`` was found."""
        return self.keyword is not None


def _header_end(code: str, masked: str, spans: list[tuple[int, int, int]]) -> int:
    """Offset just past the header: the last header command line and blank lines after it.

    The header never ends inside a comment or string (``open Foo /-`` on its last line):
    it then runs to the end of the line where that span closes, so whatever follows the
    header is read from a fresh start, as Lean reads it after the given header.
    """
    end = 0
    pos = 0
    n = len(code)
    while pos < n:
        newline = masked.find("\n", pos)
        line_end = n if newline < 0 else newline + 1
        line = masked[pos:line_end]
        if _HEADER_LINE.match(line) and not _ENDS_WITH_IN.search(line.rstrip("\r\n")):
            end = line_end
        elif line.strip():
            break
        pos = line_end
    starts = [span[0] for span in spans]
    while True:
        while end < n:
            newline = code.find("\n", end)
            line_end = n if newline < 0 else newline + 1
            if code[end:line_end].strip():
                break
            end = line_end
        i = bisect.bisect_left(starts, end) - 1
        if i < 0 or spans[i][1] <= end:
            return end
        newline = code.find("\n", spans[i][1])
        end = n if newline < 0 else newline + 1


def _statement_end(masked: str, start: int, limit: int) -> int | None:
    """Offset just past the first ``:=`` at bracket depth zero in ``masked[start:limit]``.

    Runs of brackets are taken in one match; a closer at depth zero is ignored. A ``let``
    or ``have`` at depth zero inside the type owns the next depth-zero ``:=``.
    """
    depth = 0
    local_definitions = 0
    for m in _STATEMENT_TOKEN.finditer(masked, start, limit):
        token = m.group()
        if token == ":=":
            if depth == 0:
                if not local_definitions:
                    return m.end()
                local_definitions -= 1
        elif token in ("let", "have"):
            local_definitions += depth == 0
        elif token[0] in _OPENERS:
            depth += len(token)
        else:
            depth = max(depth - len(token), 0)
    return None


def parse_lean_code(code: str, name: str | None = None) -> LeanCode:
    """Split ``code`` into header, prelude, statement and body.

    With ``name``, the first declaration of that name is chosen; otherwise the last
    ``theorem``/``lemma``/``example`` in the code (answers put auxiliary lemmas first).
    Comments and strings never count: ``-- theorem foo`` is not a declaration.
    """
    spans = _spans(code)
    masked = _mask(code, spans)
    header_end = _header_end(code, masked, spans)
    chosen: tuple[int, int, str, str | None] | None = None
    keywords = list(_DECLARATION.finditer(masked, header_end))
    for i, m in enumerate(keywords):
        limit = keywords[i + 1].start() if i + 1 < len(keywords) else len(masked)
        keyword = m.group(1)
        decl_name: str | None = None
        cursor = m.end()
        if keyword != "example":
            nm = _NAME.match(masked, cursor, limit)
            if nm is None or nm.group(1) == ":=":
                continue
            decl_name = code[nm.start(1) : nm.end(1)]
            cursor = nm.end()
        end = _statement_end(masked, cursor, limit)
        if end is None:
            continue
        candidate = (m.start(), end, keyword, decl_name)
        if name is None:
            chosen = candidate
        elif decl_name == name:
            chosen = candidate
            break
    if chosen is None:
        return LeanCode(code[:header_end], code[header_end:], "", "", None, None)
    start, end, keyword, decl_name = chosen
    return LeanCode(
        header=code[:header_end],
        prelude=code[header_end:start],
        statement=code[start:end],
        body=code[end:],
        name=decl_name,
        keyword=keyword,
    )


def normalize_statement(statement: str, *, ignore_name: bool = False) -> str:
    """A comparison key for a declaration: the same for the same statement, reformatted.

    Comments are dropped, a trailing ``:=``/``by``/``sorry`` is ignored, and whitespace
    only matters between two identifier characters (``(x:ℕ)`` equals ``(x : ℕ)``, but
    ``f x`` differs from ``fx``). With ``ignore_name`` the declaration name is dropped.
    """
    text = strip_comments(statement)
    text = _TRAILING_PROOF_STUB.sub("", text)
    if ignore_name:
        m = _DECLARATION.search(text)
        if m is not None and m.group(1) != "example":
            nm = _NAME.match(text, m.end())
            if nm is not None:
                text = text[: m.start()] + "theorem" + text[nm.end() :]
    out: list[str] = []
    for i, chunk in enumerate(_WHITESPACE.split(text.strip())):
        if i and out and _IDENT_CHAR.match(out[-1][-1:] or " ") and _IDENT_CHAR.match(chunk[:1]):
            out.append(" ")
        out.append(chunk)
    return "".join(out)
