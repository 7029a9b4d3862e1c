"""The structure of Lean 4 source text: comments, strings, header, statement and body.

Everything here is a single left-to-right scan (``str.find`` and non-backtracking regular
expressions), so the cost is linear in the length of the code whatever the text holds.
Offsets are never shifted: :func:`mask_code` keeps every character's position, so a match
found in masked text slices the original text directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DECLARATION_KEYWORDS",
    "LeanCode",
    "mask_code",
    "normalize_statement",
    "normalize_whitespace",
    "parse_lean_code",
    "strip_comments",
]

#: Keywords that open a declaration whose statement the pipeline checks.
DECLARATION_KEYWORDS = ("theorem", "lemma", "example")

_SPECIAL = re.compile(r'--|/-|"|\'')
_BLOCK_EDGE = re.compile(r"(?:/-)+|(?:-/)+")
_STRING_EDGE = re.compile(r'["\\]')
_CHAR_LITERAL = re.compile(r"'(?:\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'")
_IDENT_CHAR = re.compile(r"[\w'.!?₀-₉ᵢ-ᵪ]")
_HEADER_LINE = re.compile(r"[ \t]*(?:import|set_option|open)[ \t]")
_ENDS_WITH_IN = re.compile(r"\bin[ \t]*$")
_DECLARATION = re.compile(r"(?<![\w'.!?«])(theorem|lemma|example)(?![\w'!?»])")
_NAME = re.compile(r"[ \t\r\n]*([^\s()\[\]{}⦃⦄⟨⟩:,]+)")
_STATEMENT_TOKEN = re.compile(r"[(\[{⦃⟨]+|[)\]}⦄⟩]+|:=|(?<![\w'.!?])(?:let|have)(?![\w'!?])")
_WHITESPACE = re.compile(r"\s+")
_TRAILING_PROOF_STUB = re.compile(r"(?:\s*:=)?(?:\s*by)?(?:\s*sorry)?\s*$")
_OPENERS = "([{⦃⟨"


def _spans(code: str) -> list[tuple[int, int, bool]]:
    """Return ``(start, end, is_comment)`` spans of comments and string/char literals.

    Block comments nest as in Lean; an unterminated comment or string runs to the end.
    """
    spans: list[tuple[int, int, bool]] = []
    pos = 0
    n = len(code)
    while True:
        m = _SPECIAL.search(code, pos)
        if m is None:
            return spans
        start = m.start()
        token = m.group()
        if token == "--":
            end = code.find("\n", start)
            end = n if end < 0 else end
            spans.append((start, end, True))
        elif token == "/-":
            end = _block_comment_end(code, start + 2)
            spans.append((start, end, True))
        elif token == '"':
            cursor = start + 1
            while True:
                edge = _STRING_EDGE.search(code, cursor)
                if edge is None:
                    cursor = n
                    break
                if edge.group() == "\\":
                    cursor = edge.end() + 1
                    continue
                cursor = edge.end()
                break
            end = min(cursor, n)
            spans.append((start, end, False))
        else:
            char = _CHAR_LITERAL.match(code, start)
            if char is None or (start > 0 and _IDENT_CHAR.match(code, start - 1)):
                pos = start + 1
                continue
            end = char.end()
            spans.append((start, end, False))
        pos = end


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


def mask_code(code: str) -> str:
    """Blank out comments and the inside of string literals, keeping every offset.

    Masked characters become spaces (newlines stay), so line numbers and offsets found in
    the result are valid in ``code``.
    """
    parts: list[str] = []
    last = 0
    for start, end, is_comment in _spans(code):
        parts.append(code[last:start])
        if is_comment:
            parts.append(_blank(code[start:end]))
        elif end - start < 2:
            parts.append(code[start:end])  # a lone quote at the very end
        else:
            parts.append(code[start] + _blank(code[start + 1 : end - 1]) + code[end - 1 : end])
        last = end
    parts.append(code[last:])
    return "".join(parts)


def _blank(text: str) -> str:
    return "".join("\n" if c == "\n" else " " for c in text) if "\n" in text else " " * len(text)


def strip_comments(code: str) -> str:
    """Remove ``--`` and (nested) ``/- -/`` comments, leaving string literals intact.

    Newlines inside block comments are kept so line numbers do not move.
    """
    parts: list[str] = []
    last = 0
    for start, end, is_comment in _spans(code):
        if not is_comment:
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


def _header_end(code: str, masked: str) -> int:
    """Offset just past the header: the last header command line and blank lines after it."""
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
    while end < n:
        newline = code.find("\n", end)
        line_end = n if newline < 0 else newline + 1
        if code[end:line_end].strip():
            break
        end = line_end
    return end


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
    masked = mask_code(code)
    header_end = _header_end(code, masked)
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
