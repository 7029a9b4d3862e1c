"""Helpers that rewrite Lean statements as a copier would (independent of the tested code)."""

from __future__ import annotations

import re

_TOKEN_EDGE = r"[\w'!?₀-₉]"


def rename_tokens(text: str, rename: dict[str, str]) -> str:
    """Rename whole identifier tokens (and heads of dotted names like ``x.1``)."""
    if not rename:
        return text
    pattern = "|".join(sorted((re.escape(n) for n in rename), key=len, reverse=True))
    return re.sub(
        rf"(?<![\w'.!?₀-₉])({pattern})(?!{_TOKEN_EDGE})", lambda m: rename[m.group(1)], text
    )


def signature_names(theorem: str) -> list[str]:
    """Names bound by the bracket groups right after the theorem's name."""
    pos = theorem.index(" ", theorem.index("theorem ") + len("theorem "))
    names: list[str] = []
    while True:
        while pos < len(theorem) and theorem[pos].isspace():
            pos += 1
        if pos >= len(theorem) or theorem[pos] not in "({[":
            return list(dict.fromkeys(names))
        depth, end = 0, pos
        for end in range(pos, len(theorem)):
            depth += theorem[end] in "({["
            depth -= theorem[end] in ")}]"
            if depth == 0:
                break
        group = theorem[pos + 1 : end]
        if ":" in group:
            words = group.split(":", 1)[0].split()
            names += [w for w in words if re.fullmatch(r"[^\W\d][\w'₀-₉]*", w)]
        pos = end + 1


def disguise(name: str, theorem: str) -> str:
    """The statement with a new theorem name, new binder names, new layout and comments."""
    renamed = theorem.replace(name, "my_own_problem", 1)
    renamed = rename_tokens(
        renamed, {n: f"{n}_v{i}" for i, n in enumerate(signature_names(theorem))}
    )
    renamed = renamed.replace(" : ", "  :\n      ").replace(" = ", " = /- same -/ ")
    return "import Mathlib\n-- practice problem\n\n" + renamed.rstrip() + "\n  sorry\n"


# ASCII spellings a copier might use instead of the Unicode ones (Lean 4 core / Mathlib).
_ASCII_SYMBOLS = {
    "→": "->",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "∧": "/\\",
    "∨": "\\/",
    "↔": "<->",
    "↦": "=>",
    "λ": "fun",
}
_ASCII_WORDS = {"ℕ": "Nat", "ℤ": "Int", "ℚ": "Rat", "ℝ": "Real", "ℂ": "Complex"}


def ascii_spelling(theorem: str) -> str:
    """The statement spelled in ASCII where Lean accepts it: ``Nat``, ``->``, ``forall``...

    ``∀``/``∃`` become ``forall``/``exists`` (not ``∃!``), ``fun`` becomes ``λ`` and
    ``=>`` becomes ``↦`` (both spellings of ``fun``), ``¬`` after a bracket, ``:``,
    ``,``, ``=>`` or a connective becomes ``~``, ``∑ x in s`` and ``∑ x ∈ s`` swap.
    Glued notations (``ℕ+``, ``ℝ≥0``, ``ℕ∞``) are left alone.
    """
    text = re.sub(r"ℝ≥0|ℕ\+|ℕ∞|[→≤≥≠∧∨↔]", lambda m: _ASCII_SYMBOLS.get(m[0], m[0]), theorem)
    text = re.sub(r"(?<![\w.])([ℕℤℚℝℂ])(?![\w'.+∞≥])", lambda m: _ASCII_WORDS[m[1]], text)
    text = re.sub(r"∀", " forall ", text)
    text = re.sub(r"∃(?!!)", " exists ", text)
    text = re.sub(r"(?<![\w.])fun(?![\w'])", "λ", text)
    text = text.replace("=>", "↦")
    text = re.sub(r"([(:,∧∨]|/\\|\\/|<->|->|↦)(\s*)¬", r"\1\2~", text)
    return re.sub(
        r"([∑∏] *[^\s,]+ +)(in|∈)(?= )",
        lambda m: m[1] + ("∈" if m[2] == "in" else "in"),
        text,
    )


def split_binder_groups(theorem: str) -> str:
    """``(x y : T)`` as ``(x : T) (y : T)`` in the signature and after ``∀``/``∃``."""
    pos = theorem.index(" ", theorem.index("theorem ") + len("theorem "))
    parts: list[str] = [theorem[:pos]]
    while True:
        start = pos
        while start < len(theorem) and theorem[start].isspace():
            start += 1
        if start >= len(theorem) or theorem[start] not in "({[":
            break
        depth, end = 0, start
        for end in range(start, len(theorem)):
            depth += theorem[end] in "({["
            depth -= theorem[end] in ")}]"
            if depth == 0:
                break
        parts.append(theorem[pos:start] + _split(theorem[start : end + 1]))
        pos = end + 1
    text = "".join(parts) + theorem[pos:]
    return re.sub(
        r"(?<=[∀∃] )\(((?:[^\W\d][\w'₀-₉]* )+[^\W\d][\w'₀-₉]*) : ([^(),]*)\)", _split_match, text
    )


def _split(group: str) -> str:
    if group[0] == "[" or " : " not in group:
        return group
    names, ty = group[1:-1].split(" : ", 1)
    words = names.split()
    if len(words) < 2 or not all(re.fullmatch(r"[^\W\d][\w'₀-₉]*", w) for w in words):
        return group
    return " ".join(f"{group[0]}{w} : {ty}{group[-1]}" for w in words)


def _split_match(m: re.Match[str]) -> str:
    return " ".join(f"({w} : {m[2]})" for w in m[1].split())
