"""The built-in problem set: well-formed answers, prepared rows, and the flawed variant."""

from __future__ import annotations

import pytest

from kimina_prover_rl.data import (
    PromptTemplate,
    builtin_problems,
    builtin_rows,
    flawed_answer,
    malformed_answer,
    reference_answer,
    wrong_answer,
)
from kimina_prover_rl.proof import FormatError, check_answer, parse_lean_code

PROBLEMS = builtin_problems()


def test_rows_have_the_prepared_schema_and_one_row_per_problem() -> None:
    rows = builtin_rows()
    assert len(rows) == len(PROBLEMS) >= 20
    assert len({r["extra_info"]["problem_id"] for r in rows}) == len(rows)
    for index, (row, problem) in enumerate(zip(rows, PROBLEMS, strict=True)):
        assert set(row) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
        info = row["extra_info"]
        assert info["index"] == index
        assert info["turn"] == 1
        assert info["messages"] == row["prompt"]
        assert info["formal_statement"] == problem.formal_statement
        assert problem.theorem in row["prompt"][-1]["content"]


def test_a_custom_template_is_used() -> None:
    rows = builtin_rows(PromptTemplate(system=None, user="Prove:\n{statement}"))
    assert rows[0]["prompt"] == [
        {"role": "user", "content": f"Prove:\n{PROBLEMS[0].formal_statement}"}
    ]


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_reference_answers_pass_every_check_and_keep_the_known_proof(problem: object) -> None:
    from kimina_prover_rl.data import BuiltinProblem

    assert isinstance(problem, BuiltinProblem)
    check = check_answer(problem.formal_statement, reference_answer(problem))
    assert check.ok, (check.format_error, check.detail)
    assert check.proof is not None
    assert parse_lean_code(check.proof).body.strip() == parse_lean_code(problem.proof).body.strip()
    flawed = check_answer(problem.formal_statement, flawed_answer(problem))
    assert flawed.ok
    assert flawed.proof is not None
    assert "sorry" in flawed.proof


def test_the_validation_part_is_held_out_of_the_training_part() -> None:
    train = {p.name for p in builtin_problems("train")}
    val = {p.name for p in builtin_problems("val")}
    assert val
    assert train
    assert not train & val
    assert train | val == {p.name for p in PROBLEMS}
    assert [r["extra_info"]["problem_id"] for r in builtin_rows(part="val")] == [
        p.name for p in builtin_problems("val")
    ]
    assert any(wrong_answer(p) for p in builtin_problems("val"))


def test_wrong_answers_keep_the_format_and_draft_a_false_value() -> None:
    drafted = [p for p in PROBLEMS if wrong_answer(p) is not None]
    assert len(drafted) >= 6
    for problem in drafted:
        answer = wrong_answer(problem)
        assert answer is not None
        check = check_answer(problem.formal_statement, answer)
        assert check.ok, (problem.name, check.format_error)
        assert check.proof is not None
        assert "sorry" not in check.proof
        changed = set(answer.splitlines()) - set(reference_answer(problem).splitlines())
        assert changed
        assert all(line.lstrip().startswith("have ") for line in changed)
    assert wrong_answer(next(p for p in PROBLEMS if p.name == "kb_add_zero")) is None


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_malformed_answers_break_one_format_rule_and_keep_the_proof(problem: object) -> None:
    from kimina_prover_rl.data import BuiltinProblem

    assert isinstance(problem, BuiltinProblem)
    for malformation, error in (
        ("no_think", FormatError.MISSING_THINK),
        ("one_draft", FormatError.TOO_FEW_TACTICS_BLOCKS),
    ):
        check = check_answer(problem.formal_statement, malformed_answer(problem, malformation))
        assert check.format_error is error, (malformation, check.detail)
        assert check.proof is not None  # a pure format rule: the proof would check
        assert parse_lean_code(check.proof).body == parse_lean_code(problem.proof).body
