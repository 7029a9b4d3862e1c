"""`kimina-rl report`: redraw a training run's plots from its metrics log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kimina_prover_rl.cli._app import app, stderr_console
from kimina_prover_rl.errors import InputError

__all__ = ["report"]

_METRICS_FILE = "metrics.jsonl"
_SUMMARY_FILE = "summary.json"
"""A dry run's summary beside its metrics (``trl.run.SUMMARY_FILE``); it holds the title."""
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
    `overview.png`; when the log has verl's validation metrics, also validation best@k and mean@k
    before and after the correction turn (`validation.png`). A last line cut off by a
    killed run is skipped (and said so), as are bytes that are not UTF-8.

    Examples:

    `kimina-rl report out/dry-run`

    `kimina-rl report ~/verl_runs/kimina/exp1.jsonl -o plots/`
    """
    from kimina_prover_rl.report import load_metrics, plot_training

    path = run / _METRICS_FILE if run.is_dir() else run
    if not path.is_file():
        raise InputError(
            f"{path} does not exist: pass a dry-run folder holding {_METRICS_FILE} or a "
            "metrics .jsonl file"
        )
    target = out or (run / "plots" if run.is_dir() else run.with_suffix("") / "plots")
    loaded = load_metrics(path)
    steps = loaded.steps
    for note in loaded.skipped:
        stderr_console.print(
            f"skipped: {note}", markup=False, highlight=False, style="yellow", soft_wrap=True
        )
    written = plot_training(steps, target, title=_title(path))
    console.print(f"{path}: {len(steps)} steps", soft_wrap=True)
    table = Table()
    for column in ("metric", "first step", "last step"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, label in _HEADLINE:
        values = [s.values[name] for s in steps if name in s.values]
        if values:
            table.add_row(label, f"{values[0]:.3f}", f"{values[-1]:.3f}")
    console.print(table)
    for file in written:
        console.print(f"wrote {file}")


def _title(path: Path) -> str:
    """A dry run's own plot title (it says whether Lean was simulated), else the file."""
    summary = path.parent / _SUMMARY_FILE
    try:
        title = json.loads(summary.read_text(encoding="utf-8")).get("title")
    except (OSError, ValueError, AttributeError):
        return str(path)
    return title if isinstance(title, str) and title else str(path)
