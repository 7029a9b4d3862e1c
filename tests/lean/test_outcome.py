"""Classifying REPL answers: errors, sorries, axioms, positions (pure, no processes)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.lean.outcome import (
    judge,
    messages_of,
    parse_axioms,
    shift_positions,
    uses_sorry,
)
from kimina_prover_rl.lean.verdict import VerdictStatus


def _info(data: str) -> dict[str, Any]:
    return {"severity": "info", "pos": {"line": 1, "column": 0}, "data": data}


def _axioms(*names: str) -> dict[str, Any]:
    listed = ", ".join(names)
    return {"messages": [_info(f"'thm' depends on axioms: [{listed}]")], "env": 3}


STANDARD = _axioms("propext", "Classical.choice", "Quot.sound")
SORRY_WARNING = {"severity": "warning", "data": "declaration uses 'sorry'"}
ERROR = {"severity": "error", "pos": {"line": 2, "column": 4}, "data": "unsolved goals"}


def _judge(
    response: dict[str, Any],
    axioms: dict[str, Any] | None = STANDARD,
    *,
    native: bool = False,
    name: str | None = "thm",
) -> Any:
    return judge(
        response,
        axioms_response=axioms,
        checked_name=name,
        axioms_constant=name,
        allow_native_decide=native,
    )


# -- the order of the checks -------------------------------------------------------------


def test_an_error_beats_a_sorry_and_bad_axioms() -> None:
    response = {"messages": [ERROR, SORRY_WARNING], "sorries": [{"goal": "⊢ True"}]}
    judgement = _judge(response, _axioms("sorryAx"))
    assert judgement.status is VerdictStatus.LEAN_ERROR
    assert "1 error" in judgement.detail


def test_a_sorry_beats_axioms() -> None:
    assert _judge({"messages": [SORRY_WARNING]}, _axioms("sorryAx")).status is VerdictStatus.SORRY


def test_standard_axioms_are_valid_and_reported() -> None:
    judgement = _judge({"env": 2})
    assert judgement.status is VerdictStatus.VALID
    assert judgement.axioms == ("propext", "Classical.choice", "Quot.sound")


def test_no_axioms_at_all_is_valid() -> None:
    no_axioms = {"messages": [_info("'thm' does not depend on any axioms")]}
    assert _judge({"env": 2}, no_axioms).status is VerdictStatus.VALID


def test_warnings_that_are_not_sorry_do_not_matter() -> None:
    deprecated = {"severity": "warning", "data": "`div_le_div_iff` has been deprecated"}
    assert _judge({"messages": [deprecated]}).status is VerdictStatus.VALID


# -- sorry -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["declaration uses 'sorry'", "declaration uses `sorry`"], ids=["<4.28", ">=4.28"]
)
def test_sorry_warning_in_either_quote_style(text: str) -> None:
    assert uses_sorry({"messages": [{"severity": "warning", "data": text}]})


def test_listed_sorries_count_without_a_warning() -> None:
    assert uses_sorry({"sorries": [{"goal": "⊢ 1 = 1", "proofState": 0}]})


def test_the_word_sorry_elsewhere_does_not_count() -> None:
    assert not uses_sorry({"messages": [_info("try `sorry` to skip this goal")]})


# -- axioms ------------------------------------------------------------------------------


def test_synthetic_sorry_shows_up_as_unsound() -> None:
    judgement = _judge({"messages": [_info("Try this: refine ?_")]}, _axioms("propext", "sorryAx"))
    assert judgement.status is VerdictStatus.UNSOUND
    assert judgement.offending_axioms == ("sorryAx",)
    assert "sorryAx" in judgement.detail


def test_a_declared_axiom_is_unsound() -> None:
    judgement = _judge({"env": 1}, _axioms("propext", "my_false"))
    assert judgement.status is VerdictStatus.UNSOUND
    assert judgement.offending_axioms == ("my_false",)


@pytest.mark.parametrize(
    "axioms", [("Lean.ofReduceBool",), ("Lean.ofReduceBool", "Lean.trustCompiler")]
)
def test_native_decide_only_when_allowed(axioms: tuple[str, ...]) -> None:
    response = {"env": 1}
    assert _judge(response, _axioms("propext", *axioms)).status is VerdictStatus.UNSOUND
    assert _judge(response, _axioms(*axioms), native=True).status is VerdictStatus.VALID


def test_allowing_native_decide_does_not_allow_sorry_ax() -> None:
    judgement = _judge({"env": 1}, _axioms("Lean.ofReduceBool", "sorryAx"), native=True)
    assert judgement.offending_axioms == ("sorryAx",)


def test_an_axiom_check_that_failed_is_never_valid() -> None:
    unknown = {"messages": [{"severity": "error", "data": "unknown constant 'thm'"}], "env": 4}
    judgement = _judge({"env": 1}, unknown)
    assert judgement.status is VerdictStatus.UNSOUND
    assert "unknown constant 'thm'" in judgement.detail


def test_an_axiom_check_without_a_report_is_never_valid() -> None:
    assert _judge({"env": 1}, {"env": 4}).status is VerdictStatus.UNSOUND


def test_code_without_a_declaration_is_checked_for_errors_and_sorries_only() -> None:
    judgement = _judge({"env": 1}, None, name=None)
    assert judgement.status is VerdictStatus.VALID
    assert "no declaration" in judgement.detail


def test_axiom_lists_wrapped_over_lines_parse() -> None:
    data = "'t' depends on axioms: [propext,\n Classical.choice,\n Quot.sound]"
    assert parse_axioms({"messages": [_info(data)]}) == (
        "propext",
        "Classical.choice",
        "Quot.sound",
    )


def test_error_messages_are_not_axiom_reports() -> None:
    fake = {"severity": "error", "data": "'t' depends on axioms: [propext]"}
    assert parse_axioms({"messages": [fake]}) is None


_NAME = st.from_regex(
    r"[A-Za-z][A-Za-z0-9_]{0,8}(\.[A-Za-z][A-Za-z0-9_]{0,8}){0,2}", fullmatch=True
)


@given(st.lists(_NAME, min_size=1, max_size=8))
def test_axiom_reports_round_trip(names: list[str]) -> None:
    assert parse_axioms(_axioms(*names)) == tuple(names)


# -- which constant the report is about ------------------------------------------------


def test_a_report_about_another_constant_does_not_count() -> None:
    """``#print axioms`` may resolve to an alias or a look-alike; only ``thm`` counts."""
    other = {"messages": [_info("'Foo.thm' does not depend on any axioms")], "env": 4}
    assert parse_axioms(other, constant="thm") is None
    assert _judge({"env": 1}, other).status is VerdictStatus.UNSOUND


@pytest.mark.parametrize(
    ("reported", "constant"),
    [
        ("thm'", "thm'"),
        ("Foo.bar", "Foo.bar"),
        ("_private.0.thm", "thm"),
        ("_private.Mod.Sub.0.Foo.thm", "Foo.thm"),
        ("my thm", "«my thm»"),
    ],
)
def test_the_reported_name_may_be_private_or_quoted(reported: str, constant: str) -> None:
    report = {"messages": [_info(f"'{reported}' depends on axioms: [propext]")]}
    assert parse_axioms(report, constant=constant) == ("propext",)


# -- positions -----------------------------------------------------------------------------


def test_positions_of_messages_sorries_and_tactics_shift() -> None:
    response = {
        "messages": [ERROR],
        "sorries": [{"pos": {"line": 1, "column": 2}, "endPos": {"line": 1, "column": 7}}],
        "tactics": [{"pos": {"line": 3, "column": 0}, "tactic": "simp"}],
        "env": 5,
    }
    shifted = shift_positions(response, 6)
    assert shifted["messages"][0]["pos"] == {"line": 8, "column": 4}
    assert shifted["sorries"][0]["endPos"] == {"line": 7, "column": 7}
    assert shifted["tactics"][0]["pos"]["line"] == 9
    assert shifted["env"] == 5
    assert response["messages"][0]["pos"]["line"] == 2, "the input must not change"
    assert messages_of(response, line_offset=6)[0].line == 8


def test_recorded_lean_answers_are_classified_by_their_errors(
    feedback_samples: list[dict[str, Any]],
) -> None:
    checked = 0
    for sample in feedback_samples:
        response = sample["response"]
        if "custom_id" in response:  # kimina-lean-server wraps the REPL answer
            response = response["response"]
        if response is None:  # a timeout: no Lean answer to classify
            continue
        has_errors = any(m["severity"] == "error" for m in response.get("messages", []))
        status = _judge(response).status
        assert (status is VerdictStatus.LEAN_ERROR) == has_errors, sample["id"]
        assert ("success" in sample["error_kinds"]) == (status is VerdictStatus.VALID)
        checked += 1
    assert checked >= 15


_POSITIONED = st.fixed_dictionaries(
    {"pos": st.fixed_dictionaries({"line": st.integers(1, 10_000), "column": st.integers(0, 99)})}
)


@given(st.lists(_POSITIONED, max_size=5), st.integers(0, 500))
def test_shifting_back_restores_the_answer(messages: list[dict[str, Any]], offset: int) -> None:
    response = {"messages": messages, "env": 0}
    assert shift_positions(shift_positions(response, offset), -offset) == response


def test_a_forged_axiom_report_before_the_check_line_is_ignored() -> None:
    forged = {
        "severity": "info",
        "pos": {"line": 3, "column": 0},
        "data": "'kimina_axiom_check' depends on axioms: [propext]",
    }
    real = {
        "severity": "info",
        "pos": {"line": 5, "column": 0},
        "data": "'kimina_axiom_check' depends on axioms: [propext, sorryAx]",
    }
    check = {"messages": [forged, real], "env": 4}
    assert parse_axioms(check, line=5) == ("propext", "sorryAx")
    judgement = judge(
        {"env": 3},
        axioms_response=check,
        checked_name="the example",
        axioms_constant="kimina_axiom_check",
        allow_native_decide=False,
        axioms_line=5,
    )
    assert judgement.status is VerdictStatus.UNSOUND
    only_forged = {"messages": [forged], "env": 4}
    assert parse_axioms(only_forged, line=5) is None
