"""`kimina-rl report`: redraw a training run's plots from its metrics log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.errors import InputError

__all__ = ["report"]

_METRICS_FILE = "metrics.jsonl"
_HEADLINE = (
    ("reward/mean", "mean reward"),
    ("format/error_rate", "format-error rate"),
    ("response/length_mean", "response length"),
    ("reward/acc/turn1", "valid, first attempt"),
    ("reward/acc/turn2", "valid, after correction"),
    ("correction/size", "correction cache size"),
)

console = Console(highlight=False)


@app.command("report")
def report(
    run: Annotated[
        Path,
        typer.Argument(
            metavar="RUN",
            help="A dry-run folder (its metrics.jsonl), or a metrics .jsonl file: a dry "
            "run's, or verl's `trainer.logger=[file]` output.",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where the PNGs go [default: RUN/plots, or next to "
            "the file in a folder named after it].",
        ),
    ] = None,
) -> None:
    """Draw the training plots again from a metrics log (PNG, no display needed).

    Reads one line per step, `{"step": N, "data": {...}}` (the format of a dry run's
    `metrics.jsonl` and of verl's file logger; verl's own names such as
    `critic/score/mean` stand in when ours are missing) and writes mean reward,
    format errors by type, response length, accuracy by turn, the correction cache and
    `overview.png`.

    Examples:

    `kimina-rl report out/dry-run`

    `kimina-rl report ~/verl_runs/kimina/exp1.jsonl -o plots/`
    """
    from kimina_prover_rl.report import plot_training, read_metrics

    path = run / _METRICS_FILE if run.is_dir() else run
    if not path.is_file():
        raise InputError(
            f"{path} does not exist: pass a dry-run folder holding {_METRICS_FILE} or a "
            "metrics .jsonl file"
        )
    target = out or (run / "plots" if run.is_dir() else run.with_suffix("") / "plots")
    steps = read_metrics(path)
    written = plot_training(steps, target, title=f"{path}")
    table = Table(title=f"{path}: {len(steps)} steps", title_justify="left")
    for column in ("metric", "first step", "last step"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, label in _HEADLINE:
        values = [s.values[name] for s in steps if name in s.values]
        if values:
            table.add_row(label, f"{values[0]:.3f}", f"{values[-1]:.3f}")
    console.print(table)
    for file in written:
        console.print(f"wrote {file}")
