"""The structure of Lean 4 source text: comments, strings, header, statement and body.

Everything here is a single left-to-right scan (:func:`~.lexer.lex` and non-backtracking
regular expressions), so the cost is linear in the length of the code whatever it holds.
Offsets are never shifted: :func:`mask_code` keeps every character's position, so a match
found in masked text slices the original text directly.

What is code and what is a comment, a string or a ``«»`` name is decided by
:mod:`~kimina_prover_rl.proof.lexer`, which follows Lean's tokenizer; where Lean's answer
depends on its token table, :func:`lexing_hazards` reports it so that the integrity checks
can refuse the code instead of guessing. :func:`declarations` lists every declaration the
code adds, for the checks that must cover each one.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from kimina_prover_rl.proof.lexer import COMMENT, ID_REST, NAME, STRING, lex

__all__ = [
    "DECLARATION_KEYWORDS",
    "Declaration",
    "LeanCode",
    "declarations",
    "lexing_hazards",
    "mask_code",
    "name_components",
    "normalize_statement",
    "normalize_whitespace",
    "parse_lean_code",
    "strip_comments",
]

#: Keywords that open a declaration whose statement the pipeline checks.
DECLARATION_KEYWORDS = ("theorem", "lemma", "example")

_COMMENT, _STRING, _IDENT = COMMENT, STRING, NAME
_IDENT_CHAR = re.compile(r"[\w'.!?₀-₉ᵢ-ᵪ]")
_HEADER_LINE = re.compile(r"[ \t]*(?:import|set_option|open)[ \t]")
_IN_WORD = re.compile(f"(?<![{ID_REST}.»])in(?![{ID_REST}«])")
_DECLARATION = re.compile(f"(?<![{ID_REST}.«])(theorem|lemma|example)(?![{ID_REST}»])")
_NAME = re.compile(r"[ \t\r\n]*([^\s()\[\]{}⦃⦄⟨⟩:,]+)")
_STATEMENT_TOKEN = re.compile(
    f"[(\\[{{⦃⟨]+|[)\\]}}⦄⟩]+|:=|(?<![{ID_REST}.])(?:let|have)(?![{ID_REST}])"
)
_WHITESPACE = re.compile(r"\s+")
_NAME_COMPONENT = re.compile(r"«([^»]*)»|([^.«]+)")
_TRAILING_PROOF_STUB = re.compile(r"(?:\s*:=)?(?:\s*by)?(?:\s*sorry)?\s*$")
_OPENERS = "([{⦃⟨"


def _spans(code: str) -> tuple[tuple[int, int, int], ...]:
    """``(start, end, kind)`` of comments, string/char literals and ``«»`` names."""
    return lex(code).spans


def lexing_hazards(code: str) -> list[tuple[int, str]]:
    """Offsets (with what is there) where Lean may split ``code`` differently from this scan.

    Each is a construct an honest proof has no use for (see :mod:`.lexer`): ``{`` inside a
    string that is not surely interpolated, a char literal, raw string or comment opener
    glued to a symbol that may begin a longer token, a number after ``.`` running into a
    name.
    """
    return list(lex(code).hazards)


def mask_code(code: str, *, keep_names: bool = False) -> str:
    """Blank out comments and the inside of string literals and ``«»`` names, keeping offsets.

    Masked characters become spaces (newlines stay), so line numbers and offsets found in
    the result are valid in ``code``. The inside of a ``«…»`` name becomes ``_``, so it
    stays one identifier and no keyword can be read inside it (``keep_names`` keeps it).
    """
    return _mask(code, _spans(code), keep_names=keep_names)


def _mask(code: str, spans: tuple[tuple[int, int, int], ...], *, keep_names: bool = False) -> str:
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
      and blank lines among and right after them); a line holding ``in`` (a ``… in``
      modifier) is not header.
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


def _header_end(code: str, masked: str, spans: tuple[tuple[int, int, int], ...]) -> int:
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
        if _HEADER_LINE.match(line) and not _IN_WORD.search(line):
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

    With ``name``, the first declaration of that name (however ``«»``-quoted) is chosen;
    otherwise the last
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
        elif decl_name is not None and name_components(decl_name) == name_components(name):
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


def name_components(name: str) -> tuple[str, ...]:
    """A Lean name's components as Lean reads them: ``«a».b`` and ``a.b`` give ``("a", "b")``,
    while ``«a.b»`` is the one component ``a.b``; so two spellings of a name compare equal."""
    return tuple(
        m.group(1) if m.group(1) is not None else m.group(2) for m in _NAME_COMPONENT.finditer(name)
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


#: Keywords that add a declaration to the environment (``example`` adds an anonymous one).
DECLARING_KEYWORDS = (
    "abbrev",
    "axiom",
    "class",
    "def",
    "example",
    "inductive",
    "instance",
    "irreducible_def",
    "lemma",
    "opaque",
    "structure",
    "theorem",
)
_DECLARING = re.compile(f"(?<![{ID_REST}.«])({'|'.join(DECLARING_KEYWORDS)})(?![{ID_REST}»])")
_PRIORITY = re.compile(r"[ \t\r\n]*\(\s*priority\s*:=[^)]*\)")
_DECLARED_NAME = re.compile(
    f"[ \\t\\r\\n]*((?:[{ID_REST}]+|«[^»]*»)(?:\\.(?:[{ID_REST}]+|«[^»]*»))*)"
)


@dataclass(frozen=True, slots=True)
class Declaration:
    """One declaration the code adds: its keyword, its name as written, where it starts.

    ``name`` is None for an ``example`` and an anonymous ``instance``; it is the text of
    the code (``«»`` quoting kept), relative to whatever namespace is open there.
    """

    keyword: str
    name: str | None
    line: int
    offset: int


def declarations(code: str) -> list[Declaration]:
    """Every declaration ``code`` adds, in order (comments and strings never count).

    A ``deriving instance`` is not one (it names no new constant itself).
    """
    masked = mask_code(code, keep_names=True)
    found: list[Declaration] = []
    line, last = 1, 0
    for m in _DECLARING.finditer(masked):
        keyword = m.group(1)
        before = masked[max(0, m.start() - 40) : m.start()]
        if keyword == "instance" and before.rstrip().endswith("deriving"):
            continue
        name: str | None = None
        if keyword != "example":
            cursor = m.end()
            if keyword == "instance":
                priority = _PRIORITY.match(masked, cursor)
                cursor = priority.end() if priority is not None else cursor
            nm = _DECLARED_NAME.match(masked, cursor)
            if nm is not None:
                name = code[nm.start(1) : nm.end(1)]
        line += code.count("\n", last, m.start())
        last = m.start()
        found.append(Declaration(keyword, name, line, m.start()))
    return found
