"""Writing an evaluation's results: ``summary.json``, ``summary.md`` and the plots."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kimina_prover_rl.eval.plots import write_plots
from kimina_prover_rl.eval.summary import render_markdown

__all__ = ["SUMMARY_JSON", "SUMMARY_MD", "write_outputs"]

SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"


def write_outputs(summary: Mapping[str, Any], directory: Path) -> list[Path]:
    """Write the summary files (each replaced whole, never half-written) and the plots.

    Returns the paths written. The plots come last: without matplotlib they raise
    ``ConfigError`` after the summary files are safely on disk.
    """
    written = [
        _replace(directory / SUMMARY_JSON, json.dumps(summary, indent=2, ensure_ascii=False)),
        _replace(directory / SUMMARY_MD, render_markdown(summary)),
    ]
    return written + write_plots(summary, directory)


def _replace(path: Path, text: str) -> Path:
    temporary = path.with_name(path.name + ".tmp")
    # A lone surrogate (from a dataset's JSON) becomes its escape, still valid JSON.
    ending = text if text.endswith("\n") else text + "\n"
    temporary.write_text(ending, encoding="utf-8", errors="backslashreplace")
    os.replace(temporary, path)
    return path
