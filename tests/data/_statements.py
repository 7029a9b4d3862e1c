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
