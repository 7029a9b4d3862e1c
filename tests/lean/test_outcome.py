"""Classifying REPL answers: errors, sorries, axioms, positions (pure, no processes)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.lean._axiom_check import plan_checks
from kimina_prover_rl.lean.outcome import (
    UnsoundReason,
    judge,
    messages_of,
    parse_axioms,
    shift_positions,
    split_check,
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
    plan = None if name is None else plan_checks(f"theorem {name} : True := trivial")
    return judge(
        response,
        plan=plan,
        check_messages=None if axioms is None else axioms.get("messages", []),
        first_line=1,
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
    "text",
    [
        "declaration uses 'sorry'",
        "declaration uses `sorry`",
        "declaration `Foo.t` uses `sorry`",
        "declaration `«my thm»` uses `sorry`",
    ],
    ids=["<4.28", ">=4.28", "master", "master-quoted"],
)
def test_sorry_warning_in_every_wording_lean_has_used(text: str) -> None:
    assert uses_sorry({"messages": [{"severity": "warning", "data": text}]})


_NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n`"), min_size=1
).map(lambda name: f"`{name}`")


@given(name=_NAMES, quote=st.sampled_from(["'", "`"]))
def test_the_newest_wording_is_read_whatever_the_name(name: str, quote: str) -> None:
    text = f"declaration {name} uses {quote}sorry{quote}"
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


def _at(line: int, data: str, severity: str = "info") -> dict[str, Any]:
    return {"severity": severity, "pos": {"line": line, "column": 0}, "data": data}


def _report(line: int, name: str, *axioms: str) -> dict[str, Any]:
    return _at(line, f"'{name}' depends on axioms: [{', '.join(axioms)}]")


_CODE = "\n".join(f"theorem {name} : True := trivial" for name in ("helper", "thm", "decoy"))


def _judge_sent(messages: list[dict[str, Any]], reference: str | None = None) -> Any:
    """Judge the answer to ``_CODE`` sent with its check appended, as one command."""
    plan = plan_checks(_CODE, theorem_name="thm", check_statement=reference is not None)
    assert plan is not None
    _, first = plan.appended_to(_CODE)
    proof, check = split_check({"env": 3, "messages": messages}, first)
    judgement = judge(
        proof,
        plan=plan,
        check_messages=check,
        first_line=first,
        allow_native_decide=False,
        reference=reference,
    )
    return judgement, first


def _clean_reports(first: int) -> list[dict[str, Any]]:
    return [
        _report(first + i, name, "propext") for i, name in enumerate(("helper", "thm", "decoy"))
    ]


def test_every_declaration_must_report_standard_axioms() -> None:
    _, first = _judge_sent([])
    assert _judge_sent(_clean_reports(first))[0].status is VerdictStatus.VALID
    for bad in range(3):
        messages = _clean_reports(first)
        name = ("helper", "thm", "decoy")[bad]
        messages[bad] = _report(first + bad, name, "propext", "sorryAx")
        judgement, _ = _judge_sent(messages)
        assert judgement.status is VerdictStatus.UNSOUND
        assert judgement.reason is UnsoundReason.AXIOMS
        assert name in judgement.detail


def test_a_clean_decoy_report_does_not_stand_in_for_the_graded_theorem() -> None:
    _, first = _judge_sent([])
    # Lean's answer: the graded theorem uses sorryAx, the decoy after it is clean; both
    # reports are on their own lines, and a decoy report on the graded line names another
    # constant.
    messages = _clean_reports(first)
    messages[1] = _report(first + 1, "decoy", "propext")
    judgement, _ = _judge_sent(messages)
    assert judgement.status is VerdictStatus.UNSOUND
    assert judgement.reason is UnsoundReason.UNCHECKED
    assert "thm" in judgement.detail


def test_reports_the_proof_printed_on_its_own_lines_are_ignored() -> None:
    _, first = _judge_sent([])
    forged = [_report(line, name, "propext") for line in (1, 2, 3) for name in ("thm",)]
    judgement, _ = _judge_sent(forged)
    assert judgement.status is VerdictStatus.UNSOUND
    real = _clean_reports(first)
    real[1] = _report(first + 1, "thm", "propext", "sorryAx")
    assert _judge_sent(forged + real)[0].status is VerdictStatus.UNSOUND


def test_an_error_on_the_check_lines_is_never_valid_and_not_the_proofs_error() -> None:
    _, first = _judge_sent([])
    parse_error = _at(first, "unexpected token '#print'; expected term", "error")
    judgement, _ = _judge_sent([parse_error, *_clean_reports(first)])
    assert judgement.status is VerdictStatus.UNSOUND
    assert judgement.reason is UnsoundReason.UNCHECKED
    assert "unexpected token" in judgement.detail


def test_split_check_keeps_the_proofs_part_and_drops_the_checks_sorries() -> None:
    response = {
        "env": 1,
        "messages": [_at(1, "a"), _at(5, "b"), {"severity": "info", "data": "no position"}],
        "sorries": [{"pos": {"line": 6, "column": 0}, "goal": "⊢ True"}],
    }
    proof, check = split_check(response, 5)
    assert proof == {
        "env": 1,
        "messages": [_at(1, "a"), {"severity": "info", "data": "no position"}],
    }
    assert check == [_at(5, "b")]


_TYPE = "@thm : True"


def _with_probe(first: int, data: str | None) -> list[dict[str, Any]]:
    messages = _clean_reports(first)
    if data is not None:
        messages.append(_at(first + 3, data))
    return messages


def test_the_statement_must_print_exactly_as_the_given_ones() -> None:
    _, first = _judge_sent([], reference=_TYPE)
    assert _judge_sent(_with_probe(first, _TYPE), _TYPE)[0].status is VerdictStatus.VALID
    for found in ("@thm : False → True", None, "@thm : ⋯", "@thm : True "):
        judgement, _ = _judge_sent(_with_probe(first, found), _TYPE)
        assert judgement.status is VerdictStatus.UNSOUND, found
        assert judgement.reason is UnsoundReason.STATEMENT


def test_an_elided_reference_never_compares_equal() -> None:
    _, first = _judge_sent([], reference="@thm : ⋯")
    judgement, _ = _judge_sent(_with_probe(first, "@thm : ⋯"), "@thm : ⋯")
    assert judgement.status is VerdictStatus.UNSOUND


def test_axioms_are_judged_before_the_statement() -> None:
    _, first = _judge_sent([], reference=_TYPE)
    messages = _with_probe(first, "@thm : False")
    messages[1] = _report(first + 1, "thm", "sorryAx")
    assert _judge_sent(messages, _TYPE)[0].reason is UnsoundReason.AXIOMS


_FORGERIES = st.sampled_from(
    [
        "'thm' depends on axioms: [propext]",
        "'thm' does not depend on any axioms",
        "'helper' depends on axioms: [propext]",
        "'decoy' does not depend on any axioms",
        _TYPE,
        "some note",
        "",
    ]
)


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["info", "warning"]), _FORGERIES),
        min_size=1,
        max_size=4,
    ),
    st.randoms(use_true_random=False),
)
def test_extra_messages_on_check_lines_never_yield_valid(
    extras: list[tuple[int, str, str]], random: Any
) -> None:
    _, first = _judge_sent([], reference=_TYPE)
    messages = _with_probe(first, _TYPE)
    assert _judge_sent(messages, _TYPE)[0].status is VerdictStatus.VALID
    for offset, severity, data in extras:
        # Anywhere in the list: a forged message may come before the check's own one.
        messages.insert(random.randint(0, len(messages)), _at(first + offset, data, severity))
    judgement, _ = _judge_sent(messages, _TYPE)
    assert judgement.status is VerdictStatus.UNSOUND
    assert judgement.reason is UnsoundReason.UNCHECKED
    assert "messages on line" in judgement.detail


def test_a_forged_report_before_the_real_one_is_refused_and_said_why() -> None:
    _, first = _judge_sent([])
    real = _clean_reports(first)
    real[1] = _report(first + 1, "thm", "propext", "sorryAx")
    forged = _report(first + 1, "thm", "propext")
    judgement, _ = _judge_sent([forged, *real])
    assert judgement.status is VerdictStatus.UNSOUND
    assert f"2 messages on line {first + 1}" in judgement.detail
    both = {"messages": [forged, real[1]]}
    assert parse_axioms(both, line=first + 1, constant="thm") is None
    assert parse_axioms({"messages": [real[1]]}, line=first + 1) == ("propext", "sorryAx")
