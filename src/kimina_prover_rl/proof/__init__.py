"""Pure text: Lean code structure, model answers, format checks, integrity, feedback.

Standard library only: no I/O, no asyncio, no ML libraries.
"""

from __future__ import annotations

from kimina_prover_rl.proof.answer import CodeBlock, ParsedAnswer, parse_answer
from kimina_prover_rl.proof.check import AnswerCheck, check_answer
from kimina_prover_rl.proof.feedback import FeedbackConfig, FeedbackKind, render_feedback
from kimina_prover_rl.proof.format import FormatConfig, FormatError
from kimina_prover_rl.proof.lean_code import (
    DECLARATION_KEYWORDS,
    Declaration,
    LeanCode,
    declarations,
    lexing_hazards,
    mask_code,
    normalize_statement,
    normalize_whitespace,
    parse_lean_code,
    strip_comments,
)

__all__ = [
    "DECLARATION_KEYWORDS",
    "AnswerCheck",
    "CodeBlock",
    "Declaration",
    "FeedbackConfig",
    "FeedbackKind",
    "FormatConfig",
    "FormatError",
    "LeanCode",
    "ParsedAnswer",
    "check_answer",
    "declarations",
    "lexing_hazards",
    "mask_code",
    "normalize_statement",
    "normalize_whitespace",
    "parse_answer",
    "parse_lean_code",
    "render_feedback",
    "strip_comments",
]
