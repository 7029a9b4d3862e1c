"""Which attributes a proof may put on its helpers: a short list of lemma attributes.

``@[simp]``, ``@[ext]``, ``@[gcongr]`` and the like only file a lemma for a tactic; other
attributes register code or instances that change what is checked (``@[instance]``,
``@[default_instance]``, ``@[tactic …]``, ``@[command_elab …]``, ``@[norm_num …]``), so
every attribute outside the list is refused, in ``@[…]`` and in ``attribute […]`` alike,
with ``local``/``scoped`` and ``-`` (erase) read through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ALLOWED_ATTRIBUTES", "AttributeUse", "first_refused_attribute"]

ALLOWED_ATTRIBUTES = frozenset(
    {
        "bound",
        "cases_eliminator",
        "congr",
        "continuity",
        "deprecated",
        "elab_as_elim",
        "ext",
        "field_simps",
        "fun_prop",
        "gcongr",
        "induction_eliminator",
        "inherit_doc",
        "inline",
        "irreducible",
        "match_pattern",
        "measurability",
        "mono",
        "noinline",
        "nolint",
        "norm_cast",
        "push_cast",
        "reducible",
        "refl",
        "semireducible",
        "simp",
        "simps",
        "specialize",
        "symm",
        "to_additive",
        "trans",
    }
)
"""Attributes a proof may use."""
_ATTRIBUTES = re.compile(r"@\[|(?<![\w'.!?«])attribute[ \t\r\n]*\[")
_ATTRIBUTE_EDGE = re.compile(r"[\[\],]")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][\w.]*")


@dataclass(frozen=True, slots=True)
class AttributeUse:
    """One refused attribute: where it is, its name, and why."""

    offset: int
    name: str
    reason: str


def first_refused_attribute(masked: str) -> AttributeUse | None:
    """The first attribute (in ``@[…]`` or ``attribute […]``) outside the allowed list, in
    ``masked`` (code with comments and literals blanked)."""
    pos = 0
    n = len(masked)
    while (m := _ATTRIBUTES.search(masked, pos)) is not None:
        depth, entry, pos = 1, m.end(), n
        for edge in _ATTRIBUTE_EDGE.finditer(masked, m.end()):
            char = edge.group()
            if char == "[" or (char == "," and depth > 1):
                depth += char == "["
                continue
            if char == "]" and depth > 1:
                depth -= 1
                continue
            hit = _check_attribute(masked, entry, edge.start())
            if hit is not None:
                return hit
            entry = edge.end()
            if char == "]":
                pos = edge.end()
                break
        else:
            return _check_attribute(masked, entry, n)
    return None


def _check_attribute(masked: str, start: int, end: int) -> AttributeUse | None:
    words = masked[start:end].replace("-", " ").split()
    while words and words[0] in ("local", "scoped"):
        words.pop(0)
    if not words:
        return None
    m = _ATTRIBUTE_NAME.match(words[0])
    attribute = m.group() if m is not None else words[0]
    if attribute in ALLOWED_ATTRIBUTES:
        return None
    allowed = ", ".join(sorted(ALLOWED_ATTRIBUTES))
    reason = f"may register code or instances (allowed attributes: {allowed})"
    return AttributeUse(masked.index(words[0], start), attribute, reason)
