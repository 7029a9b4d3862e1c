"""The answer-checking options shared by ``check-format``, ``score`` and ``eval``, defined once.

:func:`with_format_options` adds them to a command and hands it one ``format_options:
FormatConfig`` in their place, so the three commands cannot drift apart.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

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
    "with_format_options",
]

_R = TypeVar("_R")

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


_FLAGS: dict[str, tuple[Any, Any]] = {
    "allow_native_decide": (AllowNativeDecide, False),
    "think_in_prompt": (ThinkInPrompt, False),
    "accept_lean_fence": (AcceptLeanFence, False),
    "no_style_checks": (NoStyleChecks, False),
    "max_response_chars": (MaxResponseChars, DEFAULT_MAX_RESPONSE_CHARS),
}
_LEFT_AS_WRITTEN = ("format_options", "verifier_options", "return")


def with_format_options() -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Add the answer-check options to a command taking ``format_options: FormatConfig``."""

    def decorate(command: Callable[..., _R]) -> Callable[..., _R]:
        signature = inspect.signature(command)
        namespace = vars(inspect.getmodule(command))
        hints = {
            name: eval(value, namespace) if isinstance(value, str) else value
            for name, value in command.__annotations__.items()
            if name not in _LEFT_AS_WRITTEN
        }
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in signature.parameters.values()
            if p.name != "format_options"
        ]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
            for name, (a, d) in _FLAGS.items()
        ]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> _R:
            flags = {name: kwargs.pop(name) for name in _FLAGS}
            return command(**kwargs, format_options=format_config(**flags))

        wrapper.__signature__ = signature.replace(parameters=own + added)  # type: ignore[attr-defined]
        annotations = {k: v for k, v in command.__annotations__.items() if k != "format_options"}
        wrapper.__annotations__ = {
            **annotations,
            **hints,
            **{name: a for name, (a, _) in _FLAGS.items()},
        }
        return wrapper

    return decorate
