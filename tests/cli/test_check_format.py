"""`kimina-rl check-format`: JSON Lines in, one result per line out, in order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from tests.proof._answers import make_answer, row_named

runner = CliRunner()
PROOF = ["rw [h₁, h₂, h₃]", "norm_num"]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_results_in_order_with_errors_per_line(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    row = row_named(minif2f, "mathd_algebra_478")
    statement = row["formal_statement"]
    good = make_answer(row, PROOF)
    lines = [
        json.dumps({"id": "ok", "formal_statement": statement, "response": good}),
        json.dumps({"id": "late", "formal_statement": statement, "response": good + "QED"}),
        "{not json",
        json.dumps({"id": "bad", "formal_statement": statement}),
        json.dumps([1, 2]),
        json.dumps({"id": "cheat", "formal_statement": statement,
                    "response": make_answer(row, [*PROOF, "#eval 1"]),
                    "messages": [{"role": "user", "content": "prove it"}]}),
        json.dumps({"id": "\ud800", "formal_statement": statement, "response": "\ud800"}),
    ]  # fmt: skip
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["check-format", str(_write(tmp_path / "in.jsonl", lines)), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    results = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("id") for r in results] == ["ok", "late", None, "bad", None, "cheat", "?"]
    assert results[0]["format_error"] is None
    assert results[0]["detail"] == ""
    assert results[0]["proof"].startswith(row["header"])
    assert results[1]["format_error"] == "text_after_lean4_block"
    assert results[1]["proof"]
    assert "not valid JSON" in results[2]["error"]
    assert "response" in results[3]["error"]
    assert "format_error" not in results[3]
    assert "expected a JSON object" in results[4]["error"]
    assert results[5]["format_error"] == "forbidden_construct"
    assert results[5]["proof"] is None
    assert results[6]["format_error"] == "invalid_characters"
    assert "forbidden_construct: 1" in result.stderr
    assert "error: 3" in result.stderr


def test_native_decide_flag(tmp_path: Path, minif2f: list[dict[str, Any]]) -> None:
    row = row_named(minif2f, "mathd_algebra_478")
    record = {"id": 1, "formal_statement": row["formal_statement"],
              "response": make_answer(row, ["norm_num [h₁, h₂, h₃]", "native_decide"])}  # fmt: skip
    path = _write(tmp_path / "in.jsonl", [json.dumps(record)])
    refused = runner.invoke(app, ["check-format", str(path)])
    assert json.loads(refused.stdout)["format_error"] == "native_decide"
    allowed = runner.invoke(app, ["check-format", str(path), "--allow-native-decide"])
    assert json.loads(allowed.stdout)["format_error"] is None


def test_missing_file_and_bad_option(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["check-format", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    path = _write(tmp_path / "in.jsonl", ["{}"])
    bad = runner.invoke(app, ["check-format", str(path), "--max-response-chars", "0"])
    assert bad.exit_code != 0
    assert "max_response_chars" in bad.output + bad.stderr


def test_help_describes_input_and_output() -> None:
    result = runner.invoke(app, ["check-format", "--help"])
    assert result.exit_code == 0
    for word in ("formal_statement", "response", "format_error", "proof", "--allow-native-decide"):
        assert word in result.output


def test_the_answer_check_options_are_one_set_on_every_command() -> None:
    """check-format, score and eval take the same answer-check flags from one place."""
    flags = ("--allow-native-decide", "--think-in-prompt", "--accept-lean-fence")
    flags += ("--no-style-checks", "--max-response-chars")
    for command in ("check-format", "score", "eval"):
        result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert all(flag in result.stdout for flag in flags), command
