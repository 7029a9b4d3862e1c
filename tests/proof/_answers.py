"""Realistic reasoning-then-generation answers built around real statements, for the tests."""

from __future__ import annotations

from typing import Any

REASONING = [
    "Let me restate the problem: we have to prove the goal from the hypotheses given.",
    "The hypotheses pin down every variable, so substituting them should leave arithmetic.",
    "After the substitution the remaining goal is a numeric identity over the reals.",
]


def theorem_text(row: dict[str, Any]) -> str:
    """The row's declaration without a trailing ``sorry`` or newline (ends with ``by``)."""
    text = row["theorem"].rstrip()
    return text.removesuffix("sorry").rstrip()


def make_answer(
    row: dict[str, Any],
    proof_lines: list[str],
    *,
    repeat_header: bool = True,
    drafts: list[list[str]] | None = None,
    lemmas: str = "",
    theorem: str | None = None,
    think_extra: str = "",
    after: str = "",
) -> str:
    """A well-formed answer for ``row`` whose final proof is ``proof_lines`` (indented)."""
    if drafts is None:
        half = max(1, len(proof_lines) // 2)
        drafts = [proof_lines[:half], proof_lines[half:] or proof_lines[:1]]
    parts = ["<think>", REASONING[0]]
    for i, draft in enumerate(drafts):
        parts.append(REASONING[1 + i % 2])
        parts.append("```tactics")
        parts.extend(draft)
        parts.append("```")
    if think_extra:
        parts.append(think_extra)
    parts.append("</think>")
    parts.append("Here is the complete proof.")
    parts.append("```lean4")
    code = (row["header"] if repeat_header else "") + lemmas
    code += (theorem if theorem is not None else theorem_text(row)) + "\n"
    code += "\n".join("  " + line for line in proof_lines)
    parts.append(code)
    parts.append("```")
    return "\n".join(parts) + "\n" + after


def row_named(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The row whose ``name`` is ``name``."""
    return next(r for r in rows if r["name"] == name)
