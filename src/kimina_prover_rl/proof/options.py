"""Which ``set_option`` a proof may use: an allow-list, matched on the name Lean parses.

``set_option`` takes its option name as an identifier, so Lean reads the same option in
``set_option debug.skipKernelTC``, ``set_option«debug».skipKernelTC`` (no space, quoted
component) and ``set_option debug.«skipKernelTC»``; a comment may sit between the keyword
and the name. The name is read here as Lean reads it (components, ``«»`` removed) and
compared component by component, so no spelling reaches an option outside the list.

Allowed, because they change only resources, warnings or tactic behaviour, never what a
statement means or what the kernel checks (the verifier's own timeout bounds the time):

- ``maxHeartbeats``, ``maxRecDepth``, ``maxSynthPendingDepth`` and ``synthInstance.*``
  (resource limits honest proofs raise for heavy ``nlinarith``/``simp`` calls);
- ``linter.*`` (warnings only);
- ``tactic.hygienic``, ``push_neg.use_distrib``, ``exponentiation.threshold`` (how some
  tactics behave or when they warn).

Refused, with the reason in the message: ``debug.*`` (``skipKernelTC`` turns off the
kernel), ``warn.*`` (``warn.sorry`` hides the warning), ``pp.*`` (changes how Lean prints
the reports the verifier reads), ``trace.*`` (unbounded output, no use to a proof),
``autoImplicit``/``relaxedAutoImplicit`` (change how the given statement binds names), and
every other option (``internal.*``, ``Elab.*``, ``backward.*``, ``compiler.*``, …).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kimina_prover_rl.proof.lexer import ID_FIRST, ID_REST

__all__ = ["ALLOWED_OPTIONS", "OptionUse", "option_uses"]

ALLOWED_OPTIONS = (
    "exponentiation.threshold",
    "linter.*",
    "maxHeartbeats",
    "maxRecDepth",
    "maxSynthPendingDepth",
    "push_neg.use_distrib",
    "synthInstance.*",
    "tactic.hygienic",
)
"""Options a proof may set; ``root.*`` allows every option under ``root``."""

_REASONS = {
    "debug": "debugging options can turn off the kernel check (`debug.skipKernelTC`)",
    "warn": "warning options can hide the warning that a proof uses `sorry`",
    "pp": "printing options change the reports the verifier reads",
    "trace": "tracing floods the output and does nothing for a proof",
    "autoImplicit": "it changes how the given statement binds unknown names",
    "relaxedAutoImplicit": "it changes how the given statement binds unknown names",
}
_KEYWORD = re.compile(f"(?<![{ID_REST}.«])set_option(?![{ID_REST}»])")
_COMPONENT = re.compile(f"[ \\t\\r\\n]*(?:([{ID_FIRST}][{ID_REST}]*)|«([^»]*)»)")
_NEXT_COMPONENT = re.compile(f"\\.(?:([{ID_FIRST}][{ID_REST}]*)|«([^»]*)»)")


@dataclass(frozen=True, slots=True)
class OptionUse:
    """One ``set_option`` the allow-list refuses: where, the name Lean reads, and why."""

    offset: int
    name: str
    reason: str


def option_uses(masked: str) -> Iterator[OptionUse]:
    """Every refused ``set_option`` in ``masked`` (code with comments and literals blanked
    but ``«»`` names kept, as :func:`~.lean_code.mask_code` with ``keep_names`` gives)."""
    for m in _KEYWORD.finditer(masked):
        components = _option_name(masked, m.end())
        if components is None:
            yield OptionUse(m.start(), "", "`set_option` must be followed by an option name")
            continue
        refusal = _refusal(components)
        if refusal is not None:
            yield OptionUse(m.start(), ".".join(components), refusal)


def _option_name(masked: str, pos: int) -> list[str] | None:
    """The components of the identifier Lean reads at ``pos``, or None if none is there."""
    m = _COMPONENT.match(masked, pos)
    if m is None:
        return None
    components = [m.group(1) or m.group(2) or ""]
    pos = m.end()
    while (dot := _NEXT_COMPONENT.match(masked, pos)) is not None:
        components.append(dot.group(1) or dot.group(2) or "")
        pos = dot.end()
    return components


def _refusal(components: list[str]) -> str | None:
    name = ".".join(components)
    for allowed in ALLOWED_OPTIONS:
        root = allowed.removesuffix(".*")
        if allowed.endswith(".*"):
            if len(components) > 1 and components[0] == root:
                return None
        elif root.split(".") == components:
            return None
    why = _REASONS.get(components[0], "it is not an option proofs need")
    allowed_list = ", ".join(ALLOWED_OPTIONS)
    return f"option `{name}` is not allowed: {why} (allowed: {allowed_list})"
