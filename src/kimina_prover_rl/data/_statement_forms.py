"""Structural rewrites of a normalised statement key: binder forms and redundant parentheses.

Each function takes a key as ``proof.normalize_statement`` writes it (comments gone, a
space only between two identifier characters) and returns one in the same form. Each
rewrites only text that Lean 4 / Mathlib elaborate identically (the reasons are in each
docstring), and leaves anything it does not fully understand as written, so two keys can
only become equal when the statements are the same. Every pass is linear in the key.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable

from kimina_prover_rl.proof import mask_code

__all__ = [
    "BINDER_CLOSE",
    "BINDER_OPEN",
    "DECL",
    "GROUP_CLOSE",
    "GROUP_OPEN",
    "IDENT",
    "NAME",
    "bracket_typed_binders",
    "drop_redundant_parentheses",
    "merge_binder_groups",
    "merge_nested_binders",
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
#: An identifier: components joined by dots; numeric components are projections (``h.1``).
IDENT = re.compile(f"{_PART}(?:\\.(?:{_PART}|[0-9]+))*")
#: One plain name component (no dots).
NAME = re.compile(_PART)
#: The declaration keyword a key starts with.
DECL = re.compile(r"(?:theorem|example)(?![\w'!?])")
_NAMES = re.compile(f"{_PART}(?: {_PART})*")
_NUMERAL = re.compile("[0-9]+")
#: Brackets of every kind, and those that open a binder group.
GROUP_OPEN = "([{⦃⟨"
GROUP_CLOSE = ")]}⦄⟩"
BINDER_OPEN = "([{⦃"
BINDER_CLOSE = ")]}⦄"
_MERGEABLE = "({⦃"
# Where binder groups follow: ``∀``, ``∃`` (not ``∃!``) and ``fun`` in a normalised key.
_BINDER_HEAD = re.compile(r"∀|∃(?!!)|(?<![\w'.!?₀-₉])fun(?![\w'!?₀-₉])")
# Binder notation of any kind: a binder's type holding one is never rewritten.
_BINDER_NOTATION = re.compile(r"[∀∃∑∏λ⋃⋂⨆⨅∫Σ∮]|(?<![\w'.!?₀-₉])fun(?![\w'!?₀-₉])")
# ``normalize_statement`` keeps a space only between two of these characters.
_SPACED = re.compile(r"[\w'.!?₀-₉ᵢ-ᵪ]")


def bracket_typed_binders(key: str) -> str:
    """``∀x y:T,`` becomes ``∀(x y:T),`` (and ``∃``, ``fun … =>``).

    Lean's ``∀``/``fun`` binders and Mathlib's ``∃`` accept a bare ``names : type`` and a
    bracketed group alike and expand both to the same binders. The type must end at the
    ``,`` (``=>`` for ``fun``) on its own bracket level and hold no binder notation (whose
    own comma would end it early) and no second ``:``; otherwise nothing is rewritten.
    """
    masked = mask_code(key)
    stops = [m.start() for m in _BINDER_NOTATION.finditer(masked)]
    inserts: list[tuple[int, str]] = []
    for m in _BINDER_HEAD.finditer(masked):
        after = bisect.bisect_right(stops, m.start())
        limit = stops[after] if after < len(stops) else len(masked)
        span = _bare_binder(masked, m.end(), limit, _terminator(m.group()))
        if span is not None:
            inserts += [(span[0], "("), (span[1], ")")]
    return _tidy(_insert(key, inserts)) if inserts else key


def _terminator(head: str) -> str:
    return "=>" if head == "fun" else ","


def _bare_binder(masked: str, pos: int, limit: int, terminator: str) -> tuple[int, int] | None:
    """``(start, end)`` of ``names:type`` right after a binder head, up to its terminator."""
    pos += masked.startswith(" ", pos)
    names = _NAMES.match(masked, pos)
    if names is None:
        return None
    colon = names.end()
    if masked[colon : colon + 1] != ":" or masked[colon + 1 : colon + 2] in (":", "="):
        return None
    depth = 0
    for i in range(colon + 1, limit):
        char = masked[i]
        if char in GROUP_OPEN:
            depth += 1
        elif char in GROUP_CLOSE:
            if depth == 0:
                return None
            depth -= 1
        elif depth == 0 and masked.startswith(terminator, i):
            return (pos, i) if i > colon + 1 else None
        elif depth == 0 and char == ":":
            return None
    return None


def merge_nested_binders(key: str) -> str:
    """``∀B₁,∀B₂,`` becomes ``∀B₁ B₂,`` (and ``∃``, ``fun B₁=>fun B₂=>``).

    Lean expands ``∀ a b, p`` into ``∀ a, ∀ b, p`` (Mathlib's ``∃`` and ``fun`` likewise),
    so both spellings are one term. Both binder lists must be plain names and bracket
    groups of names: ``∀ x, ∀ y > 0, p`` stays, since ``∀ x y > 0, p`` bounds both.
    """
    masked = mask_code(key)
    close, colon = _bracket_table(masked)
    cuts: list[tuple[int, int]] = []
    for m in _BINDER_HEAD.finditer(masked):
        terminator = _terminator(m.group())
        end = _binder_list(masked, close, colon, m.end(), terminator)
        if end is None:
            continue
        following = end + len(terminator)
        following += masked.startswith(" ", following)
        inner = _BINDER_HEAD.match(masked, following)
        if inner is None or inner.group() != m.group():
            continue
        if _binder_list(masked, close, colon, inner.end(), terminator) is not None:
            cuts.append((end, inner.end()))
    if not cuts:
        return key
    out: list[str] = []
    last = 0
    for start, stop in cuts:
        out += [key[last:start], " "]
        last = stop
    out.append(key[last:])
    return _tidy("".join(out))


def _binder_list(
    masked: str, close: dict[int, int], colon: dict[int, int], pos: int, terminator: str
) -> int | None:
    """Where ``terminator`` ends a list of plain names and binder groups, or None."""
    seen = False
    pos += masked.startswith(" ", pos)
    while pos < len(masked):
        if seen and masked.startswith(terminator, pos):
            return pos
        end = close.get(pos)
        if masked[pos] in BINDER_OPEN and end is not None:
            if masked[pos] != "[" and not _names_only(masked, pos, colon.get(pos, end)):
                return None
            pos = end + 1
        else:
            name = NAME.match(masked, pos)
            if name is None:
                return None
            pos = name.end()
        seen = True
        pos += masked.startswith(" ", pos)
    return None


def _names_only(masked: str, start: int, stop: int) -> bool:
    names = masked[start + 1 : stop]
    return bool(names) and all(NAME.fullmatch(w) for w in names.split(" "))


def drop_redundant_parentheses(key: str) -> str:
    """Remove parentheses that change nothing, until none is left.

    - around one identifier or numeral: ``f (x) (2)`` is ``f x 2`` (both are atoms of
      the highest precedence). Not before ``.`` (``(Nat).succ`` is not ``Nat.succ``),
      ``|`` or ``:`` (set-builder patterns, ascriptions), nor after ``.`` or ``@``, nor
      a binder group of the signature;
    - doubled: ``((e))`` is ``(e)``;
    - around a whole type after a binder's or the theorem's ``:``: ``(h : (a = b))`` is
      ``(h : a = b)``, unless it holds a top-level ``,`` (a tuple) or ``:`` (an ascription).

    A pass never removes both a group and the group directly inside it, so each rule
    sees the text it will change; passes repeat (once per level of nesting).
    """
    return _until_stable(_parentheses_pass, key)


def _parentheses_pass(key: str) -> str:
    masked = mask_code(key)
    close, colon = _bracket_table(masked)
    decl = DECL.match(masked)
    signature = {o for o, _ in _binder_chain(masked, close, decl.end())} if decl else set()
    removed: set[int] = set()
    for start in sorted(o for o in close if masked[o] == "("):
        if start in signature or start - 1 in removed:
            continue
        if _redundant(masked, start, close[start], close, colon):
            removed.add(start)
    if not removed:
        return key
    inserts = [(o, " ") for o in removed] + [(close[o], " ") for o in removed]
    deleted = removed | {close[o] for o in removed}
    out: list[str] = []
    spaces = dict(inserts)
    for i, char in enumerate(key):
        out.append(spaces[i] if i in deleted else char)
    return _tidy("".join(out))


def _redundant(
    masked: str, start: int, end: int, close: dict[int, int], colon: dict[int, int]
) -> bool:
    inner = masked[start + 1 : end]
    before = masked[start - 1] if start else ""
    after = masked[end + 1 : end + 2]
    if (IDENT.fullmatch(inner) or _NUMERAL.fullmatch(inner)) and not _guarded(before, after):
        return True
    if masked[start + 1 : start + 2] == "(" and close.get(start + 1) == end - 1:
        return True
    return (
        before == ":"
        and masked[start - 2 : start - 1] != ":"
        and (after == "" or after in ")]}⦄")
        and start not in colon
        and not _top_level_comma(masked, start + 1, end)
    )


def _guarded(before: str, after: str) -> bool:
    """Whether an atom's parentheses carry meaning here (see ``drop_redundant_parentheses``)."""
    return (before != "" and before in ".@") or (after != "" and after in ".|:")


def _top_level_comma(masked: str, start: int, end: int) -> bool:
    depth = 0
    for char in masked[start:end]:
        if char in GROUP_OPEN:
            depth += 1
        elif char in GROUP_CLOSE:
            depth -= 1
        elif char == "," and depth == 0:
            return True
    return False


def merge_binder_groups(key: str) -> str:
    """Merge adjacent binder groups of one kind and type in a normalised statement.

    ``(x:ℕ)(y:ℕ)`` becomes ``(x y:ℕ)`` in the signature and after ``∀``, ``∃`` and
    ``fun``, for ``()``, ``{}`` and ``⦃⦄`` groups whose text after the ``:`` is equal.
    A merge inside a binder's type can make two outer types equal, so the linear pass
    repeats until nothing changes (at most once per level of binder nesting).
    """
    return _until_stable(_merge_pass, key)


def _merge_pass(key: str) -> str:
    masked = mask_code(key)
    close, colon = _bracket_table(masked)
    decl = DECL.match(masked)
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
        if end is None or masked[pos] not in BINDER_OPEN:
            return groups
        groups.append((pos, end))
        pos = end + 1


def _bracket_table(masked: str) -> tuple[dict[int, int], dict[int, int]]:
    """For each opening bracket: its closing bracket and its first top-level ``:``."""
    close: dict[int, int] = {}
    colon: dict[int, int] = {}
    stack: list[int] = []
    for i, char in enumerate(masked):
        if char in GROUP_OPEN:
            stack.append(i)
        elif char in GROUP_CLOSE:
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
        if not all(w == "_" or NAME.fullmatch(w) for w in words):
            return False
    return key[colon1:close1] == key[colon2:close2]


def _until_stable(rewrite: Callable[[str], str], key: str) -> str:
    """Apply ``rewrite`` until it changes nothing."""
    while True:
        rewritten = rewrite(key)
        if rewritten == key:
            return key
        key = rewritten


def _insert(text: str, inserts: list[tuple[int, str]]) -> str:
    out: list[str] = []
    last = 0
    for pos, piece in sorted(inserts):
        out += [text[last:pos], piece]
        last = pos
    out.append(text[last:])
    return "".join(out)


def _tidy(text: str) -> str:
    """Spaces as ``normalize_statement`` leaves them: only between identifier characters."""
    out: list[str] = []
    for chunk in text.split(" "):
        if not chunk:
            continue
        if out and _SPACED.match(out[-1][-1]) and _SPACED.match(chunk[0]):
            out.append(" ")
        out.append(chunk)
    return "".join(out)
