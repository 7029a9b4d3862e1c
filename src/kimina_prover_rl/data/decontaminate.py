"""Statement keys: the same key for the same theorem however it is written.

:func:`statement_key` ignores the header, comments, whitespace, the theorem's name and
the names of the theorem's own binders (where renaming them is provably harmless, see
:func:`rename_binders`). :func:`decontaminate` drops training problems whose key equals
the key of a validation/test problem, so a benchmark statement that was reformatted,
renamed or re-commented is still caught.

Keys err on the side of *different*: when the text is not understood, nothing is renamed
and two statements only match if they agree token for token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kimina_prover_rl.data.sources import Problem
from kimina_prover_rl.proof import mask_code, normalize_statement, parse_lean_code

__all__ = ["Contamination", "decontaminate", "rename_binders", "statement_key"]

# Lean 4's identifier characters (``Lean.isLetterLike``, ``isSubScriptAlnum``): ASCII
# letters, Greek without λ Π Σ, Coptic, polytonic Greek, letter-like symbols (ℕ ℝ),
# Latin-1/Extended-A letters (newer Lean) and mathematical alphanumerics.
_LETTER = (
    "A-Za-z_"
    "\u03b1-\u03ba\u03bc-\u03c9"
    "\u0391-\u039f\u03a1\u03a2\u03a4-\u03a9"
    "\u03ca-\u03fb\u1f00-\u1ffe\u2100-\u214f"
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u017f"
    "\U0001d49c-\U0001d59f"
)
_REST = _LETTER + "0-9'!?\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a\u2c7c"
_PART = f"[{_LETTER}][{_REST}]*"
# An identifier: components joined by dots; numeric components are projections (``h.1``).
_IDENT = re.compile(f"{_PART}(?:\\.(?:{_PART}|[0-9]+))*")
_NAME = re.compile(_PART)
_DECL = re.compile(r"(?:theorem|example)(?![\w'!?])")
_OPEN = "([{⦃"
_CLOSE = ")]}⦄"
_PLACEHOLDER = "\ue000{}\ue001"


@dataclass(frozen=True, slots=True)
class Contamination:
    """A training problem dropped because it states a validation/test problem."""

    train_id: str
    reference_id: str


def statement_key(formal_statement: str, *, rename: bool = True) -> str:
    """The comparison key of a formal statement (header, name and trailing stub ignored).

    Everything before the declaration (imports, ``open``, docstrings, auxiliary
    definitions) is dropped, as are comments, whitespace that does not separate two
    identifiers, the theorem's name and a trailing ``:= by sorry``. With ``rename`` the
    theorem's binders get canonical names (:func:`rename_binders`).
    """
    parsed = parse_lean_code(formal_statement)
    declaration = parsed.statement + parsed.body if parsed.has_declaration else formal_statement
    key = normalize_statement(declaration, ignore_name=True)
    return rename_binders(key) if rename else key


def rename_binders(key: str) -> str:
    """Replace the names of a normalised statement's own binders by canonical placeholders.

    The binders are the bracket groups between the declaration keyword and the top-level
    ``:`` (``(x y : ℕ)``, ``{α : Type*}``, ``[inst : Fintype α]``, ``⦃s : Set α⦄``);
    the i-th distinct name becomes the i-th placeholder. A name is renamed only when that
    is **safe**, i.e. when every place the name occurs is provably a reference to a
    variable, so renaming is α-equivalence and cannot change what the statement says:

    - it is a plain identifier (no dots, not ``_``) and the statement has no ``«»``, nor
      ``--`` or ``/-`` (which normalising ``- -x`` or ``/ -x`` produces);
    - its first occurrence is where the signature binds it (an earlier use would refer
      to something else, e.g. a global or an auto-bound implicit);
    - it never occurs right before ``:=`` (a named argument ``f (x := 1)``, a structure
      field ``{ x := 1 }`` or a ``let``), where the name is a label, not a variable;
    - it never follows a digit directly (``2x``), where Lean's lexing is not ours to
      guess. Elsewhere identifiers are cut exactly where Lean cuts them (its letter
      ranges; ``λ``, ``Π``, ``Σ``, ``ᵀ``, ``ᶜ`` end a name), so every occurrence is seen.

    Occurrences as the first component of a dotted name (``x.1``, ``h.le``) are renamed,
    since Lean resolves a local variable first; later components (``foo.x``, ``.x``) are
    field or namespace names and stay as written. Names that are not safe stay as written,
    so the key can only miss a match, never invent one. The placeholders use private-use
    characters that cannot occur in Lean source.
    """
    if "«" in key or "--" in key or "/-" in key:
        # Joining tokens can form a comment opener (``x / -y`` becomes ``x/-y``); the
        # masked text would then hide real references, so nothing is renamed.
        return key
    masked = mask_code(key)
    decl = _DECL.match(masked)
    if decl is None:
        return key
    binders = _signature_binders(masked, decl.end())
    if not binders:
        return key
    first_binding: dict[str, int] = {}
    for name, pos in binders:
        first_binding.setdefault(name, pos)
    unsafe: set[str] = set()
    heads: list[tuple[int, int, str]] = []
    for m in _IDENT.finditer(masked):
        start, end = m.span()
        head_end = start + len(m.group().split(".", 1)[0])
        leading_dot = start > 0 and masked[start - 1] == "."
        if start > 0 and masked[start - 1].isdigit():
            unsafe.update(name for name in first_binding if name in m.group())
        head = masked[start:head_end]
        if leading_dot or head not in first_binding:
            continue
        if head_end == end and masked.startswith(":=", end):
            unsafe.add(head)
        heads.append((start, head_end, head))
    for name, pos in first_binding.items():
        first_use = next((start for start, _, head in heads if head == name), None)
        if first_use != pos:
            unsafe.add(name)
    index = {name: i for i, name in enumerate(first_binding)}
    out: list[str] = []
    last = 0
    for start, end, head in heads:
        if head in unsafe:
            continue
        out.append(key[last:start])
        out.append(_PLACEHOLDER.format(index[head]))
        last = end
    out.append(key[last:])
    return "".join(out)


def _signature_binders(masked: str, pos: int) -> list[tuple[str, int]]:
    """``(name, offset)`` of every name bound by the bracket groups starting at ``pos``."""
    binders: list[tuple[str, int]] = []
    n = len(masked)
    while pos < n:
        while pos < n and masked[pos] == " ":
            pos += 1
        if pos >= n or masked[pos] not in _OPEN:
            break
        close = _matching_close(masked, pos)
        if close is None:
            return []
        binders.extend(_group_names(masked, pos + 1, close))
        pos = close + 1
    return binders


def _matching_close(masked: str, start: int) -> int | None:
    depth = 0
    for i in range(start, len(masked)):
        char = masked[i]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return None


def _group_names(masked: str, start: int, end: int) -> list[tuple[str, int]]:
    """The names before a group's top-level ``:``; none when that part is not just names."""
    depth = 0
    colon = None
    for i in range(start, end):
        char = masked[i]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char == ":" and depth == 0 and not masked.startswith(":=", i):
            colon = i
            break
    if colon is None:
        return []
    names: list[tuple[str, int]] = []
    pos = start
    for word in masked[start:colon].split(" "):
        if word and word != "_":
            if not _NAME.fullmatch(word):
                return []
            names.append((word, masked.index(word, pos)))
        pos += len(word) + 1
    return names


def decontaminate(
    problems: Sequence[Problem], reference: Iterable[Problem]
) -> tuple[list[Problem], list[Contamination]]:
    """Split ``problems`` into those kept and those whose statement key is in ``reference``.

    Problems with an empty statement are kept (they are dropped, and counted, elsewhere).
    """
    seen: dict[str, str] = {}
    for ref in reference:
        if ref.formal_statement.strip():
            seen.setdefault(statement_key(ref.formal_statement), ref.id)
    kept: list[Problem] = []
    dropped: list[Contamination] = []
    for problem in problems:
        match = seen.get(statement_key(problem.formal_statement))
        if match is None or not problem.formal_statement.strip():
            kept.append(problem)
        else:
            dropped.append(Contamination(problem.id, match))
    return kept, dropped
