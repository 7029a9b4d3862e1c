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
  rewritten, so ``>>=``, ``<=<`` and ``<-`` stay as written.
- **Glued minus**: ``x<=-y`` → ``x ≤ -y`` (also after ``->``, ``>=``, ``!=``, ``<->``,
  ``/\\``): Lean's tokenizer takes the longest token, and no core or Mathlib token extends
  these by ``-``, so the run is the operator and a negation. ``x<-y`` stays: ``<-`` is a
  token of its own.
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
- **Bare typed binders** (:func:`bracket_typed_binders`): ``∀ x y : ℕ,`` → ``∀ (x y : ℕ),``
  (and ``∃``, ``fun … =>``): both forms expand to the same binders.
- **Nested binders** (:func:`merge_nested_binders`): ``∀ a, ∀ b,`` → ``∀ a b,`` (and
  ``∃``, ``fun``): Lean expands ``∀ a b,`` into ``∀ a, ∀ b,``. Only plain binder lists
  merge; ``∀ x, ∀ y > 0,`` stays, as ``∀ x y > 0,`` would bound ``x`` too.
- **Redundant parentheses** (:func:`drop_redundant_parentheses`): around one identifier
  or numeral, doubled ones, and around a whole type after ``:``.

Rewrites are token-aware: strings, comments and ``«»`` names are never touched, and an
identifier is rewritten only when it is the whole token. Each rule is a linear scan
(repeated once per level of nesting where a rewrite can enable another).
Keys err on the side of *different*: when the text is not understood, nothing is
rewritten, and two statements only match if they then agree token for token. Rewrites
that change the term (``a ≥ b`` versus ``b ≤ a``, parentheses that group differently)
are out of scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kimina_prover_rl.data._statement_forms import (
    BINDER_CLOSE,
    BINDER_OPEN,
    DECL,
    GROUP_CLOSE,
    GROUP_OPEN,
    IDENT,
    NAME,
    bracket_typed_binders,
    drop_redundant_parentheses,
    merge_binder_groups,
    merge_nested_binders,
)
from kimina_prover_rl.data.sources import Problem
from kimina_prover_rl.proof import mask_code, normalize_statement, parse_lean_code

__all__ = [
    "Contamination",
    "bracket_typed_binders",
    "canonical_spelling",
    "decontaminate",
    "drop_redundant_parentheses",
    "merge_binder_groups",
    "merge_nested_binders",
    "rename_binders",
    "statement_key",
]

_PLACEHOLDER = "\ue000{}\ue001"

# Canonical spellings: whole tokens only (see the module docstring for why each is safe).
_WORDS = {"Nat": "ℕ", "Int": "ℤ", "Rat": "ℚ", "Real": "ℝ", "Complex": "ℂ"}
_WORDS |= {"forall": "∀", "exists": "∃"}
_SYMBOLS = {"->": "→", "<=": "≤", ">=": "≥", "!=": "≠", "/\\": "∧", "\\/": "∨", "<->": "↔"}
_SYMBOLS |= {"λ": "fun", "↦": "=>"}
# After these tokens a ``~`` cannot be infix (``List.Perm``), so it is Lean 3's ``¬``.
_PREFIX_CONTEXT = {"", "(", "[", "{", "⦃", "⟨", ",", ":", "¬", "∧", "∨", "→", "↔", "=>"}
_TOKEN = re.compile(
    f"(?P<ident>{IDENT.pattern})"
    r"|(?P<number>[0-9](?:[0-9A-Za-z_]|\.[0-9])*)"
    r"|(?P<symbols>[!#$%&*+\-./<=>?@\\^|~]+)"
    r"|\S"
)


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
    key = bracket_typed_binders(key)
    key = drop_redundant_parentheses(key)
    key = merge_nested_binders(key)
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
            if canonical is None and token[:-1] in _SYMBOLS and token.endswith("-"):
                canonical = f"{_SYMBOLS[token[:-1]]} -"  # ``x<=-y`` is ``x ≤ -y``
            if token == "~" and previous in _PREFIX_CONTEXT:
                canonical = "¬"
        elif m.lastgroup is None:
            canonical = _SYMBOLS.get(token)
            if token in "∑∏":
                big_operator = depth
            elif token in GROUP_OPEN:
                depth += 1
            elif token in GROUP_CLOSE:
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
    decl = DECL.match(masked)
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
    for m in IDENT.finditer(masked):
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
        if pos >= n or masked[pos] not in BINDER_OPEN:
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
        if char in BINDER_OPEN:
            depth += 1
        elif char in BINDER_CLOSE:
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
        if char in BINDER_OPEN:
            depth += 1
        elif char in BINDER_CLOSE:
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
            if not NAME.fullmatch(word):
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
