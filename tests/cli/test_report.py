"""`kimina-rl report` on logs a killed run leaves behind, and on a dry run's folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app

runner = CliRunner()


def _line(step: int) -> bytes:
    return (json.dumps({"step": step, "data": {"reward/mean": step / 10}}) + "\n").encode()


def test_a_torn_last_line_and_a_bad_byte_are_skipped_and_said(tmp_path: Path) -> None:
    log = tmp_path / "exp.jsonl"
    log.write_bytes(
        _line(1) + b'{"step": 2, "data": {"note\xfe": 1, "reward/mean": 0.2}}\n' + b'{"step": 3, "d'
    )
    result = runner.invoke(app, ["report", str(log)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert ": 2 steps" in " ".join(result.stdout.split())
    assert f"skipped: {log}:3: the last line is cut off" in result.stderr
    assert f"skipped: {log}:2: bytes that are not UTF-8 were replaced" in result.stderr
    assert (tmp_path / "exp" / "plots" / "reward.png").is_file()
    assert "Traceback" not in result.output


@pytest.mark.parametrize("summary", [True, False])
def test_a_dry_runs_title_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, summary: bool
) -> None:
    (tmp_path / "metrics.jsonl").write_bytes(_line(1) + _line(2))
    title = "kimina-rl dry-run: tiny Qwen3, Lean simulated (stand-in)"
    if summary:
        (tmp_path / "summary.json").write_text(json.dumps({"title": title, "steps": 2}))
    seen: dict[str, Any] = {}

    def spy(steps: Any, out: Path, *, title: str = "") -> list[Path]:
        seen["title"] = title
        return []

    monkeypatch.setattr("kimina_prover_rl.report.plot_training", spy)
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen["title"] == (title if summary else str(tmp_path / "metrics.jsonl"))
