"""Training reports: the metrics log (verl's file-logger format) and PNG plots of it.

Depends on nothing above the standard library but matplotlib (imported on first plot),
so every layer that logs or plots metrics (the TRL dry run, verl runs, evaluation) uses it.
"""

from __future__ import annotations

from kimina_prover_rl.report.metrics_log import (
    VERL_ALIASES,
    LoadedMetrics,
    MetricsLog,
    StepMetrics,
    load_metrics,
    read_metrics,
    validation_names,
)
from kimina_prover_rl.report.plots import (
    OVERVIEW_FILE,
    PANELS,
    VALIDATION,
    Panel,
    line_chart,
    panel_series,
    plot_training,
)

__all__ = [
    "OVERVIEW_FILE",
    "PANELS",
    "VALIDATION",
    "VERL_ALIASES",
    "LoadedMetrics",
    "MetricsLog",
    "Panel",
    "StepMetrics",
    "line_chart",
    "load_metrics",
    "panel_series",
    "plot_training",
    "read_metrics",
    "validation_names",
]
