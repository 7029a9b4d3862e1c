"""The answer-checking options shared by ``check-format`` and ``score``, defined once."""

from __future__ import annotations

from typing import Annotated

import typer

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.proof import FormatConfig

__all__ = [
    "DEFAULT_MAX_RESPONSE_CHARS",
    "AcceptLeanFence",
    "AllowNativeDecide",
    "MaxResponseChars",
    "NoStyleChecks",
    "ThinkInPrompt",
    "format_config",
]

_PANEL = "Answer checks"
_DEFAULTS = FormatConfig()

AllowNativeDecide = Annotated[
    bool,
    typer.Option(
        "--allow-native-decide",
        help="Accept proofs that use `native_decide` (and the `Lean.ofReduceBool` axiom).",
        rich_help_panel=_PANEL,
    ),
]
ThinkInPrompt = Annotated[
    bool,
    typer.Option(
        "--think-in-prompt",
        help="The chat template ends the prompt with `<think>`: read answers as inside it.",
        rich_help_panel=_PANEL,
    ),
]
AcceptLeanFence = Annotated[
    bool,
    typer.Option(
        "--accept-lean-fence",
        help="Also accept ```lean blocks as the final code.",
        rich_help_panel=_PANEL,
    ),
]
NoStyleChecks = Annotated[
    bool,
    typer.Option(
        "--no-style-checks",
        help="Skip repeated-line and tactics-draft rules; keep structure and integrity checks.",
        rich_help_panel=_PANEL,
    ),
]
MaxResponseChars = Annotated[
    int,
    typer.Option(
        help="Longer responses fail with `response_too_long` without being parsed.",
        rich_help_panel=_PANEL,
    ),
]
DEFAULT_MAX_RESPONSE_CHARS = _DEFAULTS.max_response_chars


def format_config(
    *,
    allow_native_decide: bool,
    think_in_prompt: bool,
    accept_lean_fence: bool,
    no_style_checks: bool,
    max_response_chars: int,
) -> FormatConfig:
    """The :class:`FormatConfig` the flags describe; a bad value is a usage error."""
    try:
        return FormatConfig(
            max_response_chars=max_response_chars,
            think_in_prompt=think_in_prompt,
            lean_languages=("lean4", "lean") if accept_lean_fence else ("lean4",),
            allow_native_decide=allow_native_decide,
            check_repeated_lines=not no_style_checks,
            check_tactics_count=not no_style_checks,
            check_tactics_length=not no_style_checks,
            check_tactics_coverage=not no_style_checks,
        )
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
