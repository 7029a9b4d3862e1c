"""The ``kimina-rl`` typer application that every command module registers on."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    name="kimina-rl",
    help=(
        "Train and evaluate Lean 4 provers with reinforcement learning.\n\n"
        "Batch commands read JSON Lines and write JSON Lines, one object per input line, "
        "in input order, carrying the input's `id` through."
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
