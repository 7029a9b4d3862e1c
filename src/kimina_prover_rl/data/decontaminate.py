"""Statement keys: the same key for the same theorem however it is written.

:func:`statement_key` ignores the header, comments, whitespace, the theorem's name,
interchangeable spellings, how binders are grouped and the names of the theorem's own
binders. :func:`decontaminate` drops training problems whose key equals the key of a
validation/test problem, so a benchmark statement that was reformatted, respelled,
regrouped, renamed or re-commented is still caught (a missed benchmark statement costs
far more than a wrongly dropped training row).

Canonicalisation rules, applied to both sides before the key is computed; each rewrites
only spellings that Lean 4 / Mathlib elaborate to the same term:

- **Operators** (:func:`canonical_spelling`): ``->`` → ``→``, ``<=`` → ``≤``, ``>=`` →
  ``≥``, ``/\\`` → ``∧``, ``\\/`` → ``∨``, ``<->`` → ``↔`` (core declares both
  spellings of each as the same notation), ``λ`` → ``fun`` and ``↦`` → ``=>`` (the
  ``fun`` parser accepts either), ``forall`` → ``∀`` and ``exists`` → ``∃`` (core
  macros with identical expansions). Only a whole run of ASCII operator characters is
  rewritten, so ``>>=``, ``<=<``, ``<-`` and ``x<=-y`` stay as written.
- ``!=`` → ``≠``: the one rule that is not the same term (``bne a b = true`` rather
  than ``Ne a b``), kept because for the lawful ``BEq`` of number types it states the
  same problem, and a spurious match only drops a training row.
- ``~`` → ``¬`` only in prefix position (after a bracket, ``,``, ``:`` or a logical
  connective): Lean 4 has no prefix ``~`` (that is Lean 3's ``¬``), while infix ``~``
  is ``List.Perm`` and stays.
- **Type names**: the standalone identifiers ``Nat``, ``Int``, ``Rat``, ``Real``,
  ``Complex`` → ``ℕ ℤ ℚ ℝ ℂ`` (Mathlib's ``notation "ℕ" => Nat`` and friends).
  Namespaced names keep their spelling: ``Nat.succ`` is a constant's name and
  ``ℕ.succ`` is not, so neither ``Nat.succ`` nor a field ``x.Nat`` is touched.
- **Big operators**: ``∑ x in s, f`` → ``∑ x ∈ s, f`` (and ``∏``): Mathlib deprecated
  the ``in`` form for the ``∈`` form and both build the same ``Finset.sum``.
- **Binder groups** (:func:`merge_binder_groups`): adjacent ``(x : T) (y : T)`` →
  ``(x y : T)`` in the theorem's signature and after ``∀``/``∃``/``fun``, for ``()``,
  ``{}`` and ``⦃⦄`` with textually equal types: Lean expands ``(x y : T)`` into exactly
  ``(x : T) (y : T)``. Binders of different kinds or types, instance binders ``[…]``
  and type ascriptions like ``(f x : ℕ)`` are never merged.

Rewrites are token-aware: strings, comments and ``«»`` names are never touched, and an
identifier is rewritten only when it is the whole token. Each rule is one linear scan.
Keys err on the side of *different*: when the text is not understood, nothing is
rewritten, and two statements only match if they then agree token for token. Redundant
parentheses and rewrites that change the term (``a ≥ b`` versus ``b ≤ a``) are out of
scope.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kimina_prover_rl.data.sources import Problem
from kimina_prover_rl.proof import mask_code, normalize_statement, parse_lean_code

__all__ = [
    "Contamination",
    "canonical_spelling",
    "decontaminate",
    "merge_binder_groups",
    "rename_binders",
    "statement_key",
]

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

# Canonical spellings: whole tokens only (see the module docstring for why each is safe).
_WORDS = {"Nat": "ℕ", "Int": "ℤ", "Rat": "ℚ", "Real": "ℝ", "Complex": "ℂ"}
_WORDS |= {"forall": "∀", "exists": "∃"}
_SYMBOLS = {"->": "→", "<=": "≤", ">=": "≥", "!=": "≠", "/\\": "∧", "\\/": "∨", "<->": "↔"}
_SYMBOLS |= {"λ": "fun", "↦": "=>"}
# After these tokens a ``~`` cannot be infix (``List.Perm``), so it is Lean 3's ``¬``.
_PREFIX_CONTEXT = {"", "(", "[", "{", "⦃", "⟨", ",", ":", "¬", "∧", "∨", "→", "↔", "=>"}
_TOKEN = re.compile(
    f"(?P<ident>{_IDENT.pattern})"
    r"|(?P<number>[0-9](?:[0-9A-Za-z_]|\.[0-9])*)"
    r"|(?P<symbols>[!#$%&*+\-./<=>?@\\^|~]+)"
    r"|\S"
)
_GROUP_OPEN = "([{⦃⟨"
_GROUP_CLOSE = ")]}⦄⟩"
_MERGEABLE = "({⦃"
# Where binder groups follow: ``∀``, ``∃`` (not ``∃!``) and ``fun`` in a normalised key.
_BINDER_HEAD = re.compile(r"∀|∃(?!!)|(?<![\w'.!?₀-₉])fun(?![\w'!?₀-₉])")


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
    key = normalize_statement(canonical_spelling(declaration), ignore_name=True)
    key = merge_binder_groups(key)
    return rename_binders(key) if rename else key


def canonical_spelling(code: str) -> str:
    """``code`` with every interchangeable spelling replaced by its canonical one.

    The rules and why each is safe are in the module docstring. Replacements are padded
    with spaces, which :func:`~kimina_prover_rl.proof.normalize_statement` then drops
    wherever they do not separate two identifiers; strings and comments are untouched.
    """
    masked = mask_code(code)
    out: list[str] = []
    last = 0
    previous = ""
    depth = 0
    big_operator: int | None = None  # depth of an open ``∑ x in s,`` binder
    for m in _TOKEN.finditer(masked):
        token = m.group()
        start = m.start()
        canonical: str | None = None
        if m.lastgroup == "ident":
            if start == 0 or masked[start - 1] != ".":
                canonical = _WORDS.get(token)
            if token == "in" and big_operator == depth:
                canonical, big_operator = "∈", None
        elif m.lastgroup == "symbols":
            canonical = _SYMBOLS.get(token)
            if token == "~" and previous in _PREFIX_CONTEXT:
                canonical = "¬"
        elif m.lastgroup is None:
            canonical = _SYMBOLS.get(token)
            if token in "∑∏":
                big_operator = depth
            elif token in _GROUP_OPEN:
                depth += 1
            elif token in _GROUP_CLOSE:
                depth -= 1
                if big_operator is not None and depth < big_operator:
                    big_operator = None
            elif token == "," and big_operator == depth:
                big_operator = None
        previous = token if canonical is None else canonical
        if canonical is not None:
            out.append(code[last:start])
            out.append(f" {canonical} ")
            last = m.end()
    out.append(code[last:])
    return "".join(out)


def merge_binder_groups(key: str) -> str:
    """Merge adjacent binder groups of one kind and type in a normalised statement.

    ``(x:ℕ)(y:ℕ)`` becomes ``(x y:ℕ)`` in the signature and after ``∀``, ``∃`` and
    ``fun``, for ``()``, ``{}`` and ``⦃⦄`` groups whose text after the ``:`` is equal.
    A merge inside a binder's type can make two outer types equal, so the linear pass
    repeats until nothing changes (at most once per level of binder nesting).
    """
    while True:
        merged = _merge_pass(key)
        if merged == key:
            return key
        key = merged


def _merge_pass(key: str) -> str:
    masked = mask_code(key)
    close, colon = _bracket_table(masked)
    decl = _DECL.match(masked)
    starts = [decl.end()] if decl is not None else []
    starts.extend(m.end() for m in _BINDER_HEAD.finditer(masked))
    cuts: list[tuple[int, int]] = []
    for start in starts:
        groups = _binder_chain(masked, close, start)
        for first, second in itertools.pairwise(groups):
            if _same_binder_kind(key, masked, first, second, colon):
                cuts.append((colon[first[0]], second[0] + 1))
    if not cuts:
        return key
    cuts.sort()
    out: list[str] = []
    last = 0
    for start, end in cuts:
        if start < last:
            continue  # inside the type of a group that an outer merge removes
        out.append(key[last:start])
        out.append(" ")
        last = end
    out.append(key[last:])
    return "".join(out)


def _binder_chain(masked: str, close: dict[int, int], pos: int) -> list[tuple[int, int]]:
    """``(open, close)`` of the bracket groups that follow ``pos`` one after another."""
    groups: list[tuple[int, int]] = []
    while True:
        pos += masked.startswith(" ", pos)
        end = close.get(pos)
        if end is None or masked[pos] not in "([{⦃":
            return groups
        groups.append((pos, end))
        pos = end + 1


def _bracket_table(masked: str) -> tuple[dict[int, int], dict[int, int]]:
    """For each opening bracket: its closing bracket and its first top-level ``:``."""
    close: dict[int, int] = {}
    colon: dict[int, int] = {}
    stack: list[int] = []
    for i, char in enumerate(masked):
        if char in _GROUP_OPEN:
            stack.append(i)
        elif char in _GROUP_CLOSE:
            if stack:
                close[stack.pop()] = i
        elif (
            char == ":"
            and stack
            and stack[-1] not in colon
            and masked[i - 1] != ":"
            and masked[i + 1 : i + 2] not in (":", "=")
        ):
            colon[stack[-1]] = i  # not ``:=`` or ``::``
    return close, colon


def _same_binder_kind(
    key: str,
    masked: str,
    first: tuple[int, int],
    second: tuple[int, int],
    colon: dict[int, int],
) -> bool:
    """Whether two adjacent groups are mergeable binders: same bracket, names, same type."""
    (open1, close1), (open2, close2) = first, second
    if masked[open1] != masked[open2] or masked[open1] not in _MERGEABLE:
        return False
    colon1, colon2 = colon.get(open1), colon.get(open2)
    if colon1 is None or colon2 is None:
        return False
    for names in (masked[open1 + 1 : colon1], masked[open2 + 1 : colon2]):
        words = names.split(" ")
        if not all(w == "_" or _NAME.fullmatch(w) for w in words):
            return False
    return key[colon1:close1] == key[colon2:close2]


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
    first_use: dict[str, int] = {}
    for start, _, head in heads:
        first_use.setdefault(head, start)
    unsafe.update(name for name, pos in first_binding.items() if first_use.get(name) != pos)
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
