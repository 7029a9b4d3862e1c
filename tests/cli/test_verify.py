"""`kimina-rl verify`: JSON Lines in, one verdict per line out, in input order."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from kimina_prover_rl.lean import standin_command
from kimina_prover_rl.lean.factory import SIMULATED_NOTE
from tests.cli._interrupt import interrupt_after_first_line

runner = CliRunner()
VALID = "theorem t : True := trivial"
SORRY = "theorem t : True := by\n  sorry"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KIMINA_CACHE", raising=False)


def _input(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a", "code": VALID}),
        "{not json",
        json.dumps({"custom_id": 7, "proof": SORRY}),
        json.dumps({"id": "no code"}),
        "",
        json.dumps({"id": "b", "code": "example : True := by\n  apply?"}),
        json.dumps({"id": "c", "code": VALID}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_verdicts_in_input_order_with_an_error_line_per_bad_record(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        ["verify", str(_input(tmp_path)), "-o", str(out), "--backend", "standin", "--workers", "2"],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", None, 7, "no code", "b", "c"]
    assert [line.get("status") for line in lines] == [
        "valid",
        None,
        "sorry",
        None,
        "sorry",  # apply? admits the goal with sorryAx: Lean warns
        "valid",
    ]
    assert "not valid JSON" in lines[1]["error"]
    assert "`code` (or `proof`) must be a string" in lines[3]["error"]
    assert SIMULATED_NOTE in result.stderr
    assert "verified 6 proofs" in result.stderr
    assert "valid: 2" in result.stderr
    assert "error: 2" in result.stderr
    assert (tmp_path / "xdg" / "kimina-prover-rl" / "verdicts.sqlite").is_file()


def test_a_second_run_is_served_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "verdicts.db"
    args = ["verify", str(_input(tmp_path)), "--backend", "standin", "--cache", str(cache)]
    runner.invoke(app, args)
    result = runner.invoke(app, args)
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["cached"] for v in verdicts if "status" in v] == [True] * 4


def test_no_cache_writes_no_file(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["verify", str(_input(tmp_path)), "--backend", "standin", "--no-cache"]
    )
    assert result.exit_code == 0
    assert not (tmp_path / "xdg").exists()


def test_a_missing_input_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", str(tmp_path / "absent.jsonl"), "--backend", "standin"])
    assert result.exit_code == 2
    assert "no such file" in " ".join(result.stderr.split())


def test_bad_options_are_refused_before_anything_runs(tmp_path: Path) -> None:
    missing = tmp_path / "no-project"
    result = runner.invoke(app, ["verify", str(_input(tmp_path)), "--project-dir", str(missing)])
    assert result.exit_code == 2
    assert "no such directory" in " ".join(result.stderr.split())
    result = runner.invoke(app, ["verify", str(_input(tmp_path)), "--backend", "lean"])
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("repl_cmd", "fragment"),
    [
        ("{tmp}/no-such-repl", "no-such-repl"),
        # what `lake env repl` does in a folder that is not a Lean project: exit at once
        (
            f"{sys.executable} -c 'import sys; sys.exit(\"error: no lakefile found\")'",
            "no lakefile found",
        ),
    ],
)
def test_a_verifier_that_answers_nothing_exits_1_after_writing_every_line(
    tmp_path: Path, repl_cmd: str, fragment: str
) -> None:
    out = tmp_path / "out.jsonl"
    empty_project = tmp_path / "empty-project"
    empty_project.mkdir()
    args = ["verify", str(_input(tmp_path)), "-o", str(out), "--backend", "local",
            "--repl-cmd", repl_cmd.format(tmp=tmp_path), "--project-dir", str(empty_project),
            "--no-cache", "--timeout", "10"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", None, 7, "no code", "b", "c"]
    statuses = [line["status"] for line in lines if "status" in line]
    assert len(statuses) == 4
    assert set(statuses) <= {"crash", "infra_error"}
    stderr = " ".join(result.stderr.split())
    assert "4 of 4 proofs sent to the verifier got no answer from Lean" in stderr
    assert fragment in stderr.split("the first said:")[1]


def test_some_infrastructure_failures_warn_but_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    broken = 'import Broken -- standin: error "unknown package"\n\ntheorem t : True := trivial'
    lines = [json.dumps({"id": "ok", "code": VALID}), json.dumps({"id": "bad", "code": broken})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["verify", str(path), "--backend", "standin", "--no-cache"])
    assert result.exit_code == 0, result.output
    statuses = [json.loads(line)["status"] for line in result.stdout.splitlines()]
    assert statuses == ["valid", "infra_error"]
    assert "1 of 2 proofs sent to the verifier" in " ".join(result.stderr.split())


def test_error_messages_are_printed_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "[bold]proofs.jsonl"
    result = runner.invoke(app, ["verify", str(path), "--backend", "standin"])
    assert result.exit_code == 2
    assert f"{path}: no such file" in " ".join(result.stderr.split())


def test_the_graded_theorem_and_given_statement_are_read_from_each_line(tmp_path: Path) -> None:
    given = "import Mathlib\n\ntheorem t (x : ℕ) : x = x := by\n  sorry"
    honest = "import Mathlib\n\ntheorem t (x : ℕ) : x = x := by\n  rfl"
    # `include` adds a hypothesis to the statement: the stand-in prints it into the type,
    # as Lean would, so only the Lean-level statement check can tell.
    tampered = "import Mathlib\n\nvariable (h : False)\ninclude h\n\n" + honest[16:]
    lines = [
        {"id": "honest", "code": honest, "formal_statement": given},
        {"id": "tampered", "code": tampered, "formal_statement": given},
        {"id": "named", "code": tampered, "theorem_name": "t"},
        {"id": "bad", "code": honest, "theorem_name": 3},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    # --trusted-code: the verifier's own scan may refuse `include` first; this is about Lean's
    args = ["verify", str(path), "--backend", "standin", "--no-cache", "--trusted-code"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("status") for line in out] == ["valid", "unsound", "valid", None]
    assert out[1]["extra"]["unsound_reason"] == "statement"
    assert "does not prove the given statement" in out[1]["detail"]
    assert "`theorem_name` must be a string when given, not int" in out[3]["error"]


def test_verify_refuses_kernel_tricks_and_unknown_theorem_names(tmp_path: Path) -> None:
    kernel_off = (
        "import Mathlib\n\nset_option debug.skipKernelTC true\n\n"
        "theorem t : (2 : Nat) + 2 = 5 := by\n  decide"
    )
    given = "import Mathlib\n\ntheorem t : True := by\n  sorry"
    lines = [
        {"id": "off", "code": kernel_off},
        {"id": "named", "code": VALID, "theorem_name": "u", "formal_statement": given},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(path), "--backend", "standin", "--no-cache"])
    assert result.exit_code == 0, result.output
    off, named = (json.loads(line) for line in result.stdout.splitlines())
    assert off["status"] == "rejected"
    assert off["extra"]["refused_construct"] == "set_option debug.skipKernelTC"
    assert "`set_option debug.skipKernelTC` at line 3" in off["detail"]
    assert "theorem_name 'u' is not declared by the formal_statement" in named["error"]
    trusted = runner.invoke(
        app, ["verify", str(path), "--backend", "standin", "--no-cache", "--trusted-code"]
    )
    # trusted: it reaches (simulated) Lean, which does not model the kernel being off
    assert json.loads(trusted.stdout.splitlines()[0])["status"] != "rejected"


def test_verify_stops_before_any_proof_when_the_self_check_fails(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    repl = f"{shlex.join(standin_command())} --axioms-wording '{{name}} needs {{axioms}}'"
    args = ["verify", str(_input(tmp_path)), "-o", str(out), "--backend", "local",
            "--repl-cmd", repl, "--no-cache"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    stderr = result.stderr
    assert "\nverifier self-check failed: case 'valid'" in stderr
    assert "expected valid, got unsound" in stderr
    assert "needs propext" in stderr  # Lean's raw output
    assert "Lean version: standin" in stderr
    assert not out.exists() or out.read_text(encoding="utf-8") == ""
    skipped = runner.invoke(app, [*args, "--skip-self-check"])
    assert skipped.exit_code == 0, skipped.output
    assert "self-check is SKIPPED" in skipped.stderr


def test_ctrl_c_keeps_the_verdicts_already_written(tmp_path: Path) -> None:
    """A real ``kimina-rl verify`` process, a real SIGINT: the written prefix stays."""
    source = tmp_path / "proofs.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": i, "code": f"theorem t{i} : 1 + 1 = 2 := by norm_num"}) + "\n"
            for i in range(40)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "verdicts.jsonl"
    returncode, lines, stderr = interrupt_after_first_line("verify", source, out)
    assert returncode == 130
    assert 1 <= len(lines) < 40
    assert [line["id"] for line in lines] == list(range(len(lines)))
    assert f"interrupted: {len(lines)} of 40 lines were written" in stderr
