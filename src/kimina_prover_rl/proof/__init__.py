"""Pure text: Lean code structure, model answers, format checks, integrity, feedback.

Standard library only: no I/O, no asyncio, no ML libraries.
"""

from __future__ import annotations

from kimina_prover_rl.proof.lean_code import (
    DECLARATION_KEYWORDS,
    LeanCode,
    mask_code,
    normalize_statement,
    normalize_whitespace,
    parse_lean_code,
    strip_comments,
)

__all__ = [
    "DECLARATION_KEYWORDS",
    "LeanCode",
    "mask_code",
    "normalize_statement",
    "normalize_whitespace",
    "parse_lean_code",
    "strip_comments",
]
