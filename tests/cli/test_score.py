"""`kimina-rl score`: answers in, one scored line per input line out, against the stand-in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from kimina_prover_rl.lean.factory import SIMULATED_NOTE
from tests.cli._interrupt import interrupt_after_first_line
from tests.proof._answers import make_answer, row_named

runner = CliRunner()


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KIMINA_CACHE", raising=False)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _answers(row: dict[str, Any]) -> list[str]:
    statement = row["formal_statement"]

    def line(id: str, response: str) -> str:
        return json.dumps({"id": id, "formal_statement": statement, "response": response})

    return [
        line("valid", make_answer(row, ["norm_num [h₁, h₂, h₃]"])),
        "{broken json",
        line("sorry", make_answer(row, ["have h : v = 65 := by sorry", "exact h"])),
        json.dumps({"id": "no response", "formal_statement": statement}),
        line("changed", make_answer(row, ["simp"], theorem=row["theorem"].replace("65", "64"))),
        line("apply?", make_answer(row, ["apply?"])),
        line("no think", make_answer(row, ["simp"]).replace("<think>", "")),
    ]


def test_scores_every_line_in_input_order(tmp_path: Path, minif2f: list[dict[str, Any]]) -> None:
    row = row_named(minif2f, "mathd_algebra_478")
    source = _write(tmp_path / "answers.jsonl", _answers(row))
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(app, ["score", str(source), "-o", str(out), "--backend", "standin"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [
        "valid",
        None,
        "sorry",
        "no response",
        "changed",
        "apply?",
        "no think",
    ]
    by_id = {line["id"]: line for line in lines if "error" not in line}
    assert by_id["valid"]["score"] == 1.0
    assert by_id["valid"]["status"] == "valid"
    assert by_id["sorry"]["status"] == "sorry"
    assert by_id["sorry"]["score"] == 0.0
    assert "sorry" in by_id["sorry"]["feedback"].lower()
    assert by_id["changed"]["format_error"] == "statement_modified"
    assert by_id["changed"]["status"] is None
    assert by_id["apply?"]["status"] == "sorry"  # Lean warns on sorryAx
    assert by_id["no think"]["format_error"] is not None
    assert by_id["no think"]["score"] == 0.0
    assert "not valid JSON" in lines[1]["error"]
    assert "response" in lines[3]["error"]
    assert SIMULATED_NOTE in result.stderr
    assert "scored 5 answers" in result.stderr
    assert "unreadable lines 2" in result.stderr


def test_verify_format_failures_reports_acc_alone(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    row = row_named(minif2f, "mathd_algebra_478")
    source = _write(tmp_path / "answers.jsonl", _answers(row)[-1:])
    result = runner.invoke(
        app, ["score", str(source), "--backend", "standin", "--verify-format-failures"]
    )
    assert result.exit_code == 0, result.output
    [line] = [json.loads(text) for text in result.stdout.splitlines() if text.startswith("{")]
    assert line["format_error"] is not None
    assert (line["score"], line["acc"], line["status"]) == (0.0, 1.0, "valid")


def test_missing_input_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", str(tmp_path / "nope.jsonl"), "--backend", "standin"])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_help_explains_input_and_output() -> None:
    result = runner.invoke(app, ["score", "--help"])
    assert result.exit_code == 0
    for fragment in ("formal_statement", "infra_failure", "--backend", "--format-score"):
        assert fragment in result.stdout


def test_ids_are_carried_through_as_given(tmp_path: Path, minif2f: list[dict[str, Any]]) -> None:
    row = row_named(minif2f, "mathd_algebra_478")
    answer = make_answer(row, ["norm_num [h₁, h₂, h₃]"])
    lines = [
        json.dumps({"id": 7, "formal_statement": row["formal_statement"], "response": answer}),
        json.dumps({"id": 8, "formal_statement": row["formal_statement"]}),
    ]
    source = _write(tmp_path / "answers.jsonl", lines)
    result = runner.invoke(app, ["score", str(source), "--backend", "standin"])
    assert result.exit_code == 0, result.output
    out = [json.loads(text) for text in result.stdout.splitlines()]
    assert [line["id"] for line in out] == [7, 8]
    assert out[0]["score"] == 1.0


def test_an_unwritable_output_is_a_usage_error_without_traceback(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    source = _write(tmp_path / "answers.jsonl", _answers(row_named(minif2f, "mathd_algebra_478")))
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    for target in (tmp_path, blocker / "out.jsonl"):
        result = runner.invoke(
            app, ["score", str(source), "-o", str(target), "--backend", "standin"]
        )
        assert result.exit_code == 2, result.output
        assert f"cannot write the output file {target}" in result.stderr
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_verifier_that_never_answers_exits_1_and_says_why(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    source = _write(tmp_path / "answers.jsonl", _answers(row_named(minif2f, "mathd_algebra_478")))
    missing = tmp_path / "no-such-repl"
    args = ["score", str(source), "--backend", "local", "--repl-cmd", str(missing),
            "--project-dir", str(tmp_path), "--no-cache"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = [json.loads(text) for text in result.stdout.splitlines()]
    verified = [line for line in lines if line.get("status") is not None]
    assert verified
    assert all(line["infra_failure"] and line["score"] == 0.0 for line in verified)
    assert f"{len(verified)} of {len(verified)} proofs sent to the verifier" in result.stderr
    assert "no-such-repl" in result.stderr


def test_error_messages_are_printed_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "[bold]answers.jsonl"
    result = runner.invoke(app, ["score", str(path), "--backend", "standin"])
    assert result.exit_code == 2
    assert f"{path}: no such file" in result.stderr


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        (
            ["{broken json", json.dumps({"id": "x", "formal_statement": "theorem t : True"})],
            "none of the 2 lines",
        ),
        ([], "holds no records"),
    ],
)
def test_an_input_with_nothing_to_score_fails_with_exit_2(
    tmp_path: Path, lines: list[str], said: str
) -> None:
    source = tmp_path / "answers.jsonl"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(app, ["score", str(source), "-o", str(out), "--backend", "standin"])
    assert result.exit_code == 2, result.output
    assert said in result.stderr
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(written) == len(lines)
    assert all("error" in line for line in written)


def test_ctrl_c_keeps_the_lines_already_scored(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    """A real ``kimina-rl score`` process, a real SIGINT: what was scored stays written."""
    row = row_named(minif2f, "mathd_algebra_478")
    source = _write(
        tmp_path / "answers.jsonl",
        [
            json.dumps(
                {
                    "id": i,
                    "formal_statement": row["formal_statement"],
                    "response": make_answer(row, [f"norm_num [h₁, h₂, h₃] -- {i}"]),
                }
            )
            for i in range(40)
        ],
    )
    out = tmp_path / "scores.jsonl"
    returncode, lines, stderr = interrupt_after_first_line("score", source, out)
    assert returncode == 130
    assert 1 <= len(lines) < 40
    assert [line["id"] for line in lines] == list(range(len(lines)))
    assert all(line["status"] == "valid" for line in lines)
    assert f"interrupted: {len(lines)} of 40 lines were written" in stderr
