"""`kimina-rl doctor` on this machine, on a Lean project folder, and against the stand-in."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from typer.testing import CliRunner

from kimina_prover_rl.cli import app

runner = CliRunner()


def test_doctor_reports_python_packages_gpus_and_lean() -> None:
    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert platform.python_version() in result.output
    for piece in ("torch", "trl", "verl", "GPUs", "Lean project"):
        assert piece in result.output
    assert "--project-dir" in result.output  # what to fix when no Lean project is given


def test_doctor_reads_the_toolchain_and_mathlib_version(tmp_path: Path) -> None:
    (tmp_path / "lean-toolchain").write_text("leanprover/lean4:v4.15.0\n")
    manifest = {"packages": [{"name": "mathlib", "inputRev": "v4.15.0", "rev": "abc"}]}
    (tmp_path / "lake-manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(
        app,
        ["doctor", "--project-dir", str(tmp_path), "--repl-cmd", "/nonexistent/repl",
         "--timeout", "5"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert "leanprover/lean4:v4.15.0" in result.output
    assert "Mathlib v4.15.0" in result.output
    assert result.exit_code == 1  # the REPL cannot start, so the known-valid proof fails
    assert "a valid proof failed" in result.output
    assert "did not answer" in result.output


def test_doctor_says_when_a_server_does_not_answer() -> None:
    result = runner.invoke(
        app,
        ["doctor", "--backend", "remote", "--url", "http://127.0.0.1:9", "--timeout", "2"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1
    assert "http://127.0.0.1:9" in result.output
    assert "is the server up" in result.output


def test_doctor_tells_the_stand_in_from_lean() -> None:
    result = runner.invoke(app, ["doctor", "--backend", "standin"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "known-false proof: valid" in result.output
    assert "accepts a false proof" in result.output
