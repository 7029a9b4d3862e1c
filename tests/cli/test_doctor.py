"""`kimina-rl doctor` on this machine, on a Lean project folder, and against the stand-in."""

from __future__ import annotations

import copy
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
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
        env={"COLUMNS": "1000"},  # the cause is a long line; no wrap may split its words
    )  # fmt: skip
    assert "leanprover/lean4:v4.15.0" in result.output
    assert "Mathlib v4.15.0" in result.output
    assert result.exit_code == 1  # the REPL cannot start, so the known-valid proof fails
    assert "a valid proof failed" in result.output
    assert "did not answer" in result.output
    assert "No such file or directory" in result.output  # the real cause


def test_doctor_says_when_a_server_does_not_answer() -> None:
    result = runner.invoke(
        app,
        ["doctor", "--backend", "remote", "--url", "http://127.0.0.1:9", "--timeout", "2"],
        env={"COLUMNS": "400"},
    )
    assert result.exit_code == 1
    assert "http://127.0.0.1:9" in result.output
    assert "Is the server up" in result.output
    assert "Connection refused" in result.output  # the real cause, from /health


def test_doctor_tells_the_stand_in_from_lean() -> None:
    result = runner.invoke(app, ["doctor", "--backend", "standin"], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert "Lean is SIMULATED (standin (simulated Lean" in result.output
    assert "this is the stand-in, not Lean" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def guarded_server() -> Iterator[str]:
    """A real ``kimina-rl serve`` (stand-in backend) on loopback that wants the key "sekret"
    (read from kimina's variable, LEAN_SERVER_API_KEY)."""
    port = _free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "kimina_prover_rl", "serve", "--backend", "standin"),
            *("--port", str(port), "--log-level", "warning"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(sys.path),
            "LEAN_SERVER_API_KEY": "sekret",
        },
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            assert process.poll() is None, "kimina-rl serve exited early"
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_doctor_shows_a_servers_lean_version_and_its_verdicts(guarded_server: str) -> None:
    result = runner.invoke(
        app,
        ["doctor"],
        env={
            "COLUMNS": "400",
            "LEAN_SERVER_API_URL": guarded_server,
            "LEAN_SERVER_API_KEY": "sekret",
        },
    )
    assert "Lean standin (simulated Lean" in result.output  # a stand-in server is obvious
    assert "verifier (remote)" in result.output
    assert "Lean is SIMULATED" in result.output
    assert result.exit_code == 1


def test_doctor_passes_a_refused_api_key_through(
    guarded_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEAN_SERVER_API_KEY", raising=False)
    result = runner.invoke(
        app, ["doctor"], env={"COLUMNS": "400", "LEAN_SERVER_API_URL": guarded_server}
    )
    assert result.exit_code == 1
    assert "HTTP 401" in result.output
    assert "set LEAN_SERVER_API_KEY" in result.output


def test_doctor_fails_when_nothing_listens_at_the_server_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "400", "LEAN_SERVER_API_URL": url})
    assert result.exit_code == 1
    assert f"{url}/health: no answer" in result.output
    assert "Connection refused" in result.output


def test_doctor_takes_the_terminal_width_after_os_environ_was_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A library that leaves a copy in os.environ (datasets' multi-process ``map`` does),
    which rich no longer reads: doctor still follows $COLUMNS."""
    monkeypatch.setattr(os, "environ", copy.deepcopy(os.environ))
    result = runner.invoke(app, ["doctor", "--backend", "standin"], env={"COLUMNS": "300"})
    assert max(len(line) for line in result.output.splitlines()) > 200
