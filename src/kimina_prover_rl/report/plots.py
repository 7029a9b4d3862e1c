"""PNG plots of a training run's metrics, and the plain line-chart helper they are drawn with.

:func:`plot_training` draws the panels the reference README shows, from a metrics log
(:mod:`~kimina_prover_rl.report.metrics_log`): mean reward, format-error rate by error type,
response length, accuracy by turn (before and after error correction) and the correction
cache, one PNG each plus ``overview.png`` with all of them. Each series is drawn raw (faint)
and as a moving average, so a trend is visible through the noise of small batches.
:func:`line_chart` is the building block, usable for any ``{label: [(x, y), ...]}``.
matplotlib is imported on first use, with the non-interactive Agg backend.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.report.metrics_log import StepMetrics, validation_names

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["OVERVIEW_FILE", "PANELS", "Panel", "line_chart", "panel_series", "plot_training"]

OVERVIEW_FILE = "overview.png"
Series = dict[str, list[tuple[float, float]]]

_FORMAT_ERROR = re.compile(r"^format/(?!error_rate$)([a-z0-9_]+)$")
_TURN_ACC = re.compile(r"^reward/acc/turn(\d+)$")
_TOP_FORMAT_ERRORS = 5


@dataclass(frozen=True, slots=True)
class Panel:
    """One plot: its file stem, title, y label and the metrics it draws (label by name)."""

    name: str
    title: str
    ylabel: str
    metrics: tuple[tuple[str, str], ...] = ()


PANELS = (
    Panel("reward", "Mean reward", "reward", (("reward/mean", "mean reward"),)),
    Panel("format_errors", "Format errors by type", "share of answers"),
    Panel(
        "response_length",
        "Response length",
        "tokens",
        (("response/length_mean", "mean"),),
    ),
    Panel("accuracy_by_turn", "Accuracy by turn", "valid proofs"),
    Panel(
        "correction_cache",
        "Error-correction cache",
        "prompts",
        (
            ("correction/size", "cached now"),
            ("correction/added", "added (total)"),
            ("correction/drawn", "served (total)"),
        ),
    ),
)
"""The panels of :func:`plot_training`, in the order of the overview."""

VALIDATION = Panel("validation", "Validation: before and after correction", "accuracy")
"""verl's validation best@k and mean@k before and after the correction turn; drawn when
logged."""

_VALIDATION = re.compile(
    r"^val-(?:core|aux)/(.+)/(acc|acc_after_ec)/(?:(best)@(\d+)/mean|(mean)@(\d+))$"
)


def panel_series(panel: Panel, steps: Sequence[StepMetrics]) -> Series:
    """The ``{label: [(step, value), ...]}`` a panel draws (empty series left out)."""
    if panel.name == VALIDATION.name:
        metrics = _validation_metrics(steps)
    elif panel.name == "format_errors":
        metrics = [("format/error_rate", "any format error"), *_top_format_errors(steps)]
    elif panel.name == "accuracy_by_turn":
        turns = sorted({int(m[1]) for s in steps for n in s.values if (m := _TURN_ACC.match(n))})
        metrics = [(f"reward/acc/turn{t}", _turn_label(t)) for t in turns]
    else:
        metrics = list(panel.metrics)
    series: Series = {}
    for name, label in metrics:
        points = [(float(s.step), s.values[name]) for s in steps if name in s.values]
        if points:
            series[label] = points
    return series


def plot_training(steps: Sequence[StepMetrics], out_dir: Path, *, title: str = "") -> list[Path]:
    """Write one PNG per panel and ``overview.png`` into ``out_dir``; return their paths.

    A panel with no data is drawn with a note saying which metrics were missing, so the
    set of files is always the same. Raises ``InputError`` when ``steps`` is empty.
    """
    if not steps:
        raise InputError(
            "no metrics to plot: the log has no step yet; run at least one training step"
        )
    plt = _pyplot()
    out_dir.mkdir(parents=True, exist_ok=True)
    panels = (*PANELS, VALIDATION) if _validation_metrics(steps) else PANELS
    written = []
    for panel in panels:
        figure, axes = plt.subplots(figsize=(6, 4))
        _draw(axes, panel, steps)
        path = out_dir / f"{panel.name}.png"
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    figure, grid = plt.subplots(2, 3, figsize=(15, 8))
    for axes, panel in zip(grid.flat, panels, strict=False):
        _draw(axes, panel, steps)
    if len(panels) < grid.size:
        grid.flat[-1].axis("off")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    path = out_dir / OVERVIEW_FILE
    figure.savefig(path, dpi=80)
    plt.close(figure)
    written.append(path)
    return written


def line_chart(
    series: Mapping[str, Sequence[tuple[float, float]]],
    path: Path,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
) -> Path:
    """Draw ``{label: [(x, y), ...]}`` as lines with markers into the PNG ``path``."""
    if not series:
        raise ConfigError(f"line_chart({path.name}): no series to draw; pass at least one")
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    for label, points in series.items():
        xs, ys = zip(*points, strict=True) if points else ((), ())
        axes.plot(xs, ys, marker="o", label=label)
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _draw(axes: Axes, panel: Panel, steps: Sequence[StepMetrics]) -> None:
    series = panel_series(panel, steps)
    axes.set(title=panel.title, xlabel="step", ylabel=panel.ylabel)
    axes.grid(alpha=0.3)
    if not series:
        wanted = ", ".join(n for n, _ in panel.metrics) or panel.name
        axes.text(0.5, 0.5, f"no data ({wanted})", ha="center", va="center")
        return
    for label, points in series.items():
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        # dashed "after" lines stay visible where they coincide with "before" ones
        style = "--" if label.endswith("after correction") else "-"
        (line,) = axes.plot(xs, ys, alpha=0.3, linewidth=1, linestyle=style)
        axes.plot(
            xs,
            _moving_average(ys),
            color=line.get_color(),
            linewidth=2,
            linestyle=style,
            label=label,
        )
    axes.legend(fontsize="small")


def _validation_metrics(steps: Sequence[StepMetrics]) -> list[tuple[str, str]]:
    """Per data source, verl's best@k and mean@k accuracy (largest k) before and after
    correction, under the section verl logs each in."""
    largest: dict[tuple[str, str, str], int] = {}
    for step in steps:
        for name in step.values:
            if (m := _VALIDATION.match(name)) is not None:
                statistic, k = (m[3], m[4]) if m[3] else (m[5], m[6])
                key = (m[1], statistic, m[2])
                largest[key] = max(largest.get(key, 0), int(k))
    metrics = []
    for (source, statistic, var), k in sorted(largest.items()):
        before, after = validation_names(source, k, "best" if statistic == "best" else "mean")
        if var == "acc":
            metrics.append((before, f"{source} {statistic}@{k}, before correction"))
        else:
            metrics.append((after, f"{source} {statistic}@{k}, after correction"))
    return metrics


def _moving_average(values: Sequence[float]) -> list[float]:
    """Trailing mean over ``max(1, len // 10)`` points (the first points average fewer)."""
    window = max(1, len(values) // 10)
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def _top_format_errors(steps: Sequence[StepMetrics]) -> list[tuple[str, str]]:
    totals: dict[str, float] = {}
    for step in steps:
        for name, value in step.values.items():
            m = _FORMAT_ERROR.match(name)
            if m:
                totals[name] = totals.get(name, 0.0) + value
    ranked = sorted((n for n, t in totals.items() if t > 0), key=lambda n: (-totals[n], n))
    return [(name, name.split("/", 1)[1]) for name in ranked[:_TOP_FORMAT_ERRORS]]


def _turn_label(turn: int) -> str:
    return "first attempt" if turn == 1 else f"after correction {turn - 1}"


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ConfigError("plots need matplotlib: pip install 'kimina-prover-rl[plot]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
