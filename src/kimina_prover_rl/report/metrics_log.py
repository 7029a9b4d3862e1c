"""The metrics log: one JSON line per trainer step, in verl's file-logger format.

A line is ``{"step": N, "data": {"name": value, ...}}``, exactly what verl 0.9.1's
``trainer.logger=[file]`` writes (``verl/utils/tracking.py``, ``FileLogger``), so
``kimina-rl report`` reads a dry run's ``metrics.jsonl`` and a verl run's log the same way.
:func:`read_metrics` also maps verl's own names for the same quantities onto ours
(:data:`VERL_ALIASES`), so a verl run that logs only verl's metrics still gets plots.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kimina_prover_rl.errors import InputError

__all__ = [
    "VERL_ALIASES",
    "LoadedMetrics",
    "MetricsLog",
    "StepMetrics",
    "load_metrics",
    "read_metrics",
    "validation_names",
]

VERL_ALIASES = {
    "critic/score/mean": "reward/mean",
    "response_length/mean": "response/length_mean",
    "response_length/max": "response/length_max",
}
"""verl's metric name -> ours, used when a line lacks our name."""


def validation_names(
    source: str, k: int, statistic: Literal["best", "mean"] = "best"
) -> tuple[str, str]:
    """verl's names of best@k (or mean@k) accuracy before and after the correction turn:
    ``acc`` is verl's core variable (``val-core``), ``acc_after_ec`` an auxiliary one."""
    metric = f"best@{k}/mean" if statistic == "best" else f"mean@{k}"
    return f"val-core/{source}/acc/{metric}", f"val-aux/{source}/acc_after_ec/{metric}"


@dataclass(frozen=True, slots=True)
class StepMetrics:
    """The metrics logged at one step (finite numbers only)."""

    step: int
    values: dict[str, float] = field(default_factory=dict)


class MetricsLog:
    """Appends one line per step to a metrics file, flushed at once (survives a crash).

    ``truncate_after(step)`` drops the lines of later steps: a run resumed from the
    checkpoint of ``step`` continues the series without duplicates.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, step: int, values: Mapping[str, float]) -> None:
        """Write ``{"step": step, "data": values}`` as one line."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"step": step, "data": dict(values)}, allow_nan=False)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    def truncate_after(self, step: int) -> None:
        """Keep only the lines of steps up to ``step`` (nothing happens without a file)."""
        if not self.path.is_file():
            return
        kept = [s for s in read_metrics(self.path) if s.step <= step]
        text = "".join(
            json.dumps({"step": s.step, "data": s.values}, allow_nan=False) + "\n" for s in kept
        )
        self.path.write_text(text, encoding="utf-8")


def read_metrics(path: Path) -> list[StepMetrics]:
    """Every step of a metrics file, sorted by step (see :func:`load_metrics`)."""
    return load_metrics(path).steps


@dataclass(frozen=True, slots=True)
class LoadedMetrics:
    """The steps of a metrics file, and what was skipped to read them (for the user)."""

    steps: list[StepMetrics]
    skipped: list[str] = field(default_factory=list)


def load_metrics(path: Path) -> LoadedMetrics:
    """Every step of a metrics file, sorted by step; for a repeated step the last line wins.

    Non-numeric and non-finite values are left out (verl logs some strings and NaNs). Bytes
    that are not UTF-8 are replaced, and a last line cut off by a killed run is skipped;
    both are named in ``skipped``. Any other line that is not the logger's shape raises
    ``InputError`` naming the file and line.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read metrics file {path} ({exc.strerror or exc}): pass the run folder's "
            "metrics.jsonl or a verl file-logger .jsonl"
        ) from exc
    skipped: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        bad_line = data[: exc.start].count(b"\n") + 1
        skipped.append(f"{path}:{bad_line}: bytes that are not UTF-8 were replaced")
    lines = text.split("\n")
    torn = len(lines) if lines[-1].strip() else None  # no newline after the last line
    steps: dict[int, dict[str, float]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            step, record = _parse(line, path, number)
        except InputError:
            if number != torn:
                raise
            skipped.append(f"{path}:{number}: the last line is cut off (an interrupted run?)")
            continue
        values = {k: float(v) for k, v in record.items() if _finite(v)}
        for verl_name, ours in VERL_ALIASES.items():
            if ours not in values and verl_name in values:
                values[ours] = values[verl_name]
        steps[step] = values
    return LoadedMetrics([StepMetrics(step, steps[step]) for step in sorted(steps)], skipped)


def _parse(line: str, path: Path, number: int) -> tuple[int, Mapping[str, Any]]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{number} is not JSON ({exc.msg}): {line[:120]!r}") from exc
    step = record.get("step") if isinstance(record, dict) else None
    data = record.get("data") if isinstance(record, dict) else None
    if isinstance(step, bool) or not isinstance(step, int) or not isinstance(data, dict):
        raise InputError(
            f'{path}:{number} is not a metrics line {{"step": int, "data": {{...}}}}: '
            f"{line[:120]!r}; pass a dry run's metrics.jsonl or verl's file-logger output"
        )
    return step, data


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
