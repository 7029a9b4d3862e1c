"""`kimina-rl train` forwards its arguments to the verl entry point as Hydra overrides."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from kimina_prover_rl.cli import train as train_module

NO_LEAN = ("LEAN_SERVER_API_URL", "KIMINA_LEAN_PROJECT", "KIMINA_LEAN_REPL")


class _Recorder:
    def __init__(self, returncode: int) -> None:
        self.returncode = returncode
        self.argv: list[str] = []

    def __call__(self, argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.argv = argv
        return subprocess.CompletedProcess(argv, self.returncode)


@pytest.mark.parametrize("code", [0, 1])
def test_arguments_reach_the_entry_point_unchanged_and_its_exit_code_comes_back(
    monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    pytest.importorskip("verl")
    recorder = _Recorder(code)
    monkeypatch.setattr(train_module.subprocess, "run", recorder)
    args = ["--cfg", "job", "data.train_batch_size=8", "trainer.logger=['console']"]
    result = CliRunner().invoke(app, ["train", *args])
    assert result.exit_code == code
    assert recorder.argv == [sys.executable, "-m", "kimina_prover_rl.verl.main", *args]


def test_without_verl_it_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        train_module.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "verl" else real(name, *a),
    )
    result = CliRunner().invoke(app, ["train", "--cfg", "job"])
    assert result.exit_code == 2
    assert "pip install 'kimina-prover-rl[gpu]'" in result.output
    assert "pip install 'kimina-prover-rl[verl]'" in result.output


def test_with_no_lean_training_stops_before_it_starts(tmp_path: Path) -> None:
    pytest.importorskip("verl")
    env = {k: v for k, v in os.environ.items() if k not in NO_LEAN}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    completed = subprocess.run(
        [sys.executable, "-m", train_module.ENTRY_MODULE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode != 0
    assert "no Lean is configured" in completed.stderr
    assert "reward_kwargs.backend=standin" in completed.stderr
