"""The ``kimina-rl`` typer application that every command module registers on.

It is also the one boundary where expected failures become exit codes: a
:class:`~kimina_prover_rl.errors.KiminaError` escaping a command prints ``error: <message>``
on stderr, never a traceback, and exits with 2 for bad input or settings
(:class:`~kimina_prover_rl.errors.ConfigError`, :class:`~kimina_prover_rl.errors.InputError`,
:class:`~kimina_prover_rl.errors.DatasetUnavailable`) or 1 for anything else that broke.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from kimina_prover_rl.errors import (
    ConfigError,
    DatasetUnavailable,
    InputError,
    KiminaError,
    SelfCheckFailed,
)

__all__ = [
    "INTERRUPTED",
    "USAGE_ERROR",
    "app",
    "exit_interrupted",
    "exit_with_error",
    "report_infrastructure_failures",
    "stderr_console",
]

#: The exit code of a usage or input error (click's own usage errors use it too).
USAGE_ERROR = 2

#: The exit code after Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130

stderr_console = Console(stderr=True)

_USAGE_ERRORS = (ConfigError, InputError, DatasetUnavailable)


def exit_with_error(exc: BaseException, *, code: int = USAGE_ERROR) -> typer.Exit:
    """Print ``error: <message>`` on stderr (markup-safe) and return the ``Exit`` to raise."""
    stderr_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def exit_interrupted(written: int, total: int, output: Path | None) -> typer.Exit:
    """Say how much of the output survived a Ctrl-C; return the ``Exit`` (130) to raise."""
    where = "stdout" if output is None or str(output) == "-" else str(output)
    stderr_console.print(
        f"interrupted: {written} of {total} lines were written to {where} (the first "
        f"{written} input lines, in order); the rest were not done",
        markup=False,
        highlight=False,
        style="yellow",
        soft_wrap=True,
    )
    return typer.Exit(INTERRUPTED)


def report_infrastructure_failures(
    failed: int, sent: int, first_detail: str | None, *, blamed: str
) -> None:
    """Warn when proofs got no answer from Lean; exit 1 when none of them did.

    Called after every output line is written, so a missing Lean project can never look
    like success while the per-line results are still kept.
    """
    if first_detail is not None:
        stderr_console.print(
            f"warning: {failed} of {sent} proofs sent to the verifier got no answer from "
            f"Lean (not the {blamed}'s fault); the first said: {first_detail}",
            markup=False,
            highlight=False,
            style="yellow",
        )
    if failed and failed == sent:
        raise typer.Exit(1)


def _expected(exc: BaseException) -> KiminaError | None:
    """The package error behind ``exc`` (also inside a task group's exception group)."""
    if isinstance(exc, KiminaError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        matched, rest = exc.split(KiminaError)
        if matched is not None and rest is None:
            return _expected(matched.exceptions[0])
    return None


class _Group(TyperGroup):
    """Typer's group, with package errors reported as one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        try:
            return super().invoke(ctx)
        except (KiminaError, BaseExceptionGroup) as exc:
            expected = _expected(exc)
            if expected is None:
                raise
            if isinstance(expected, SelfCheckFailed):  # its message begins with what failed
                stderr_console.print(str(expected), markup=False, highlight=False, soft_wrap=True)
                raise typer.Exit(1) from exc
            code = USAGE_ERROR if isinstance(expected, _USAGE_ERRORS) else 1
            raise exit_with_error(expected, code=code) from exc


app = typer.Typer(
    name="kimina-rl",
    cls=_Group,
    help=(
        "Train and evaluate Lean 4 provers with reinforcement learning.\n\n"
        "Batch commands read JSON Lines and write JSON Lines, one object per input line, "
        "in input order, carrying the input's `id` through; INPUT `-` reads stdin. Exit "
        "status: 0 when every line was answered (a malformed line gets an error object of "
        "its own) and at least one was a valid record, 2 for a bad option, an unreadable "
        "input or output, `-o` naming the input, or an input without a valid record, 1 when "
        "the verifier answered no proof or something else broke, 130 after Ctrl-C."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from kimina_prover_rl import __version__

        typer.echo(f"kimina-prover-rl {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Train and evaluate Lean 4 provers with reinforcement learning."""
