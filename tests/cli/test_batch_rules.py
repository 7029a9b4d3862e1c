"""The rules every batch command shares: stdin input, one exit-code rule, `-o` not the input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from tests.proof._answers import make_answer, row_named

runner = CliRunner()

BATCH = ["check-format", "verify", "score"]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KIMINA_CACHE", raising=False)


def _good_line(command: str, row: dict[str, Any]) -> str:
    if command == "verify":
        return json.dumps({"id": "a", "code": "theorem t : 1 + 1 = 2 := by norm_num"})
    answer = make_answer(row, ["norm_num [h₁, h₂, h₃]"])
    return json.dumps({"id": "a", "formal_statement": row["formal_statement"], "response": answer})


def _args(command: str) -> list[str]:
    return [] if command == "check-format" else ["--backend", "standin"]


@pytest.mark.parametrize("command", BATCH)
def test_dash_reads_stdin(command: str, minif2f: list[dict[str, Any]]) -> None:
    line = _good_line(command, row_named(minif2f, "mathd_algebra_478"))
    result = runner.invoke(app, [command, "-", *_args(command)], input=line + "\n")
    assert result.exit_code == 0, result.output
    [out] = [json.loads(text) for text in result.stdout.splitlines()]
    assert out["id"] == "a"
    assert "error" not in out


@pytest.mark.parametrize("command", BATCH)
def test_a_pipe_on_dev_stdin_is_read(command: str, minif2f: list[dict[str, Any]]) -> None:
    """A real process reading a real pipe through /dev/stdin (``is_file()`` is false there)."""
    line = _good_line(command, row_named(minif2f, "mathd_algebra_478"))
    done = subprocess.run(
        [sys.executable, "-m", "kimina_prover_rl", command, "/dev/stdin", *_args(command)],
        input=(line + "\n").encode(),
        capture_output=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    [out] = [json.loads(text) for text in done.stdout.decode().splitlines()]
    assert out["id"] == "a"


@pytest.mark.parametrize("command", BATCH)
@pytest.mark.parametrize(
    ("content", "message"),
    [("", "holds no records"), ("\n  \n", "holds no records"), ("{bad\n[1]\n", "none of the 2")],
)
def test_an_input_without_a_valid_record_exits_2(
    command: str, content: str, message: str, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(content, encoding="utf-8")
    result = runner.invoke(app, [command, str(source), *_args(command)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stdout.splitlines()) == content.count("{") + content.count("[")


@pytest.mark.parametrize("command", BATCH)
def test_output_equal_to_the_input_is_refused(
    command: str, tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    source = tmp_path / "in.jsonl"
    text = _good_line(command, row_named(minif2f, "mathd_algebra_478")) + "\n"
    source.write_text(text, encoding="utf-8")
    alias = tmp_path / "sub" / ".." / "in.jsonl"
    (tmp_path / "sub").mkdir()
    for target in (source, alias):
        result = runner.invoke(app, [command, str(source), "-o", str(target), *_args(command)])
        assert result.exit_code == 2, result.output
        assert "is the input file itself" in result.stderr
        assert source.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    "code", ["", "   \n", "import Mathlib\n", "-- theorem t : True := trivial"]
)
def test_verify_refuses_code_without_a_declaration(code: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [{"id": "empty", "code": code}, {"id": "ok", "code": "example : True := trivial"}]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(source), "--backend", "standin"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(text) for text in result.stdout.splitlines())
    assert first["id"] == "empty"
    assert "holds no declaration" in first["error"]
    assert "error" not in second


_INTERNALS = ("ReplConfig", "PrepareConfig", "standin_command(", "LeanRepl", "Config.")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (
            ["verify", "IN", "--backend", "standin", "--standin-latency", "banana"],
            "--standin-latency",
        ),
        (
            [
                "verify",
                "IN",
                "--repl-cmd",
                "/nonexistent/repl",
                "--project-dir",
                ".",
                "--sandbox",
                "off",
            ],
            "--repl-cmd",
        ),
        (
            ["prepare", "--train", "IN", "--val", "IN", "--out", "OUT", "--first-n", "0"],
            "--first-n",
        ),
    ],
)
def test_error_hints_name_options_not_python_internals(
    args: list[str], option: str, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "code": "example : True := trivial"}) + "\n")
    argv = [str(source) if a == "IN" else str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = runner.invoke(app, argv, env={"COLUMNS": "400"})
    text = result.output
    assert result.exit_code != 0, text
    assert option in text
    assert not [word for word in _INTERNALS if word in text], text
