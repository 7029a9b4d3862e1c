"""`kimina-rl lean setup` end to end with fake elan, git and lake, self-check included."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from tests.workspace._fake_tools import calls, fake_env, install_fake_tools

runner = CliRunner()


@pytest.fixture
def repl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    fake_repl = install_fake_tools(bin_dir)
    for name, value in fake_env(tmp_path, bin_dir, fake_repl).items():
        monkeypatch.setenv(name, value)
    return fake_repl


def test_setup_checks_the_workspace_and_prints_how_to_use_it(tmp_path: Path, repl: Path) -> None:
    root = tmp_path / "ws"
    args = ["lean", "setup", str(root), "--sandbox", "off"]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "workspace check passed: self-check: passed; known-valid proof: valid" in result.output
    assert f"--project-dir {root} --sandbox off" in result.output
    assert f"export KIMINA_LEAN_PROJECT={root} KIMINA_SANDBOX=off" in result.output
    # the REPL ran through `lake env` in the Mathlib checkout
    assert ("lake", "env", str(root / "repl/.lake/build/bin/repl")) in calls(
        tmp_path / "calls.jsonl"
    )

    again = runner.invoke(app, [*args, "--no-check"])
    assert again.exit_code == 0, again.output
    assert again.output.count("already done, skipped") == 6
    assert "workspace check" not in again.output


def test_a_workspace_that_accepts_a_false_proof_fails_the_self_check(
    tmp_path: Path, repl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_REPL_LIES", "1")  # a REPL that is not Lean must not pass
    result = runner.invoke(app, ["lean", "setup", str(tmp_path / "ws"), "--sandbox", "off"])
    assert result.exit_code == 1, result.output
    assert "workspace check FAILED" in result.output
    assert "accepts a false proof" in result.output


def test_a_failed_step_exits_1_naming_the_step(
    tmp_path: Path, repl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_FAIL", "lake build")
    result = runner.invoke(app, ["lean", "setup", str(tmp_path / "ws"), "--sandbox", "off"])
    assert result.exit_code == 1, result.output
    assert 'error: step "build the REPL" failed: `lake build`' in result.output


def test_doctor_reports_the_workspace_and_the_sandbox(tmp_path: Path, repl: Path) -> None:
    root = tmp_path / "ws"
    setup = runner.invoke(app, ["lean", "setup", str(root), "--no-check"])
    assert setup.exit_code == 0, setup.output
    args = ["doctor", "--project-dir", str(root), "--sandbox", "off"]
    result = runner.invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert f"{root}: Lean v4.26.0, Mathlib cache in place, REPL built" in result.output
    assert "REPL sandbox" in result.output
    assert "sandbox: off (--sandbox off)" in result.output
    assert "known-valid proof: valid" in result.output

    (root / "repl/.lake/build/bin/repl").unlink()
    broken = runner.invoke(app, [*args[:3], "--sandbox", "off"], env={"COLUMNS": "400"})
    assert "REPL not built" in broken.output
    assert f"kimina-rl lean setup {root}" in broken.output


def test_verify_run_inside_a_workspace_uses_it(
    tmp_path: Path, repl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    assert runner.invoke(app, ["lean", "setup", str(root), "--no-check"]).exit_code == 0
    proofs = tmp_path / "in.jsonl"
    proofs.write_text('{"id": 1, "code": "theorem t : (2 : ℕ) + 2 = 4 := by\\n  norm_num"}\n')
    monkeypatch.chdir(root)  # no --project-dir, no KIMINA_LEAN_PROJECT: the current folder
    monkeypatch.delenv("KIMINA_LEAN_PROJECT", raising=False)
    result = runner.invoke(app, ["verify", str(proofs), "--sandbox", "off", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert '"status": "valid"' in result.output
    assert ("lake", "env", str(root / "repl/.lake/build/bin/repl")) in calls(
        tmp_path / "calls.jsonl"
    )
