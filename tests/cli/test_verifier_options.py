"""The shared verifier options: generated from VerifierSettings, and no Lean means no work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from kimina_prover_rl._schema import setting_fields
from kimina_prover_rl.cli import app
from kimina_prover_rl.lean import VerifierSettings

runner = CliRunner()

NO_LEAN_ENV = {
    "LEAN_SERVER_API_URL": None,
    "KIMINA_LEAN_PROJECT": None,
    "KIMINA_LEAN_REPL": None,
    "COLUMNS": "400",
}


@pytest.fixture
def no_lean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A current folder that is no Lean project, and no Lean in the environment."""
    for name in NO_LEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _answers(folder: Path) -> Path:
    path = folder / "in.jsonl"
    row = {"id": "a", "formal_statement": "theorem t : True := by", "response": "x"}
    path.write_text(json.dumps(row | {"code": "theorem t : True := trivial"}) + "\n")
    return path


def _assert_refused(output: str, exit_code: int) -> None:
    assert exit_code == 2, output
    text = " ".join(output.replace("│", " ").split())  # the message is in a box
    assert "no Lean is configured" in text
    for way in ("LEAN_SERVER_API_URL", "--project-dir", "--backend standin"):
        assert way in text


@pytest.mark.parametrize("command", ["verify", "score"])
def test_a_batch_command_with_no_lean_stops_before_reading_or_writing(
    no_lean: Path, command: str
) -> None:
    out = no_lean / "out.jsonl"
    result = runner.invoke(app, [command, str(_answers(no_lean)), "-o", str(out)], env=NO_LEAN_ENV)
    _assert_refused(result.output, result.exit_code)
    assert not out.exists()


def test_eval_with_no_lean_stops_before_generating(no_lean: Path) -> None:
    out = no_lean / "run"
    args = ["eval", "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
            "--dataset", str(_answers(no_lean)), "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args, env=NO_LEAN_ENV)
    _assert_refused(result.output, result.exit_code)
    assert not out.exists()


def test_serve_with_no_lean_never_starts_a_server(
    no_lean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kwargs: started.append(kwargs))
    result = runner.invoke(app, ["serve", "--no-cache"], env=NO_LEAN_ENV)
    _assert_refused(result.output, result.exit_code)
    assert started == []  # so no /health ever answers ok


def test_the_standin_named_runs_and_says_it_is_simulated(no_lean: Path) -> None:
    result = runner.invoke(
        app, ["verify", str(_answers(no_lean)), "--backend", "standin", "--no-cache"],
        env=NO_LEAN_ENV,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "SIMULATED" in result.stderr


def test_a_server_url_in_the_environment_is_the_backend(
    no_lean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[VerifierSettings] = []
    import kimina_prover_rl.lean as lean

    def record(options: VerifierSettings) -> Any:
        seen.append(options)
        raise SystemExit(0)

    monkeypatch.setattr(lean, "open_verifier", record)
    runner.invoke(
        app, ["verify", str(_answers(no_lean)), "--no-cache"],
        env={**NO_LEAN_ENV, "LEAN_SERVER_API_URL": "http://lean.test:12332"},
    )  # fmt: skip
    assert [(s.backend, s.url) for s in seen] == [("remote", "http://lean.test:12332")]


def test_every_setting_with_a_flag_is_an_option_with_the_fields_help() -> None:
    result = runner.invoke(app, ["verify", "--help"], env={"COLUMNS": "2000"})
    assert result.exit_code == 0
    help_text = " ".join(result.output.split())
    for name, (info, _, _) in setting_fields(VerifierSettings).items():
        assert info.flag is not None, f"{name} has no command-line flag"
        assert info.flag.split("/")[0] in help_text
        assert " ".join(info.help.replace("`", "").split())[:40] in help_text


@pytest.mark.parametrize(
    ("option", "fragment"),
    [(["--workers", "0"], "--workers"), (["--timeout", "0"], "--timeout")],
)
def test_a_bad_value_is_a_usage_error_naming_the_option(
    no_lean: Path, option: list[str], fragment: str
) -> None:
    args = ["verify", str(_answers(no_lean)), "--backend", "standin", *option]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert fragment in result.output
