"""The appended axiom check is told apart from the proof's own output by position alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.lean import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean._kimina_results import prepare_proof, rejection, verdict_from_result

_HEADER_LINES = st.lists(st.sampled_from(["import Mathlib", "import Aesop", "", "  "]), max_size=6)
_BODY_LINES = st.lists(
    st.sampled_from(["  simp", "  norm_num [h]", "  -- a comment", "", "  exact foo"]),
    max_size=8,
)


def _report(line: int, axioms: str) -> dict[str, object]:
    return {
        "severity": "info",
        "pos": {"line": line, "column": 0},
        "data": f"'t' depends on axioms: [{axioms}]",
    }


@settings(max_examples=200, deadline=None)
@given(_HEADER_LINES, _BODY_LINES, st.booleans(), st.data())
def test_the_check_is_split_out_in_either_line_numbering(
    header: list[str], body: list[str], body_relative: bool, data: st.DataObject
) -> None:
    code = "\n".join([*header, "theorem t : True := by", *body])
    sent = prepare_proof(code, check_axioms=True)
    assert sent.check_line is not None
    assert sent.code.startswith(code)
    assert sent.code.splitlines()[sent.check_line - 1] == "#print axioms _root_.t"
    offset = sent.header_lines if body_relative else 0
    # a spoofed report printed from any line of the proof, and the real one at the check
    spoof_line = data.draw(st.integers(1, code.count("\n") + 1))
    messages = [
        _report(spoof_line - offset, "propext"),
        _report(sent.check_line - offset, "propext, sorryAx"),
    ]
    verdict = verdict_from_result(
        VerifyRequest(code),
        sent,
        {"id": "0", "time": 0.1, "response": {"env": 0, "messages": messages}},
        lean_version="v",
        body_relative_positions=True,
    )
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.axioms == ("propext", "sorryAx")
    assert [m.data for m in verdict.messages] == ["'t' depends on axioms: [propext]"]


def test_without_a_named_declaration_nothing_is_appended() -> None:
    sent = prepare_proof("#eval 1 + 1", check_axioms=True)
    assert (sent.code, sent.check_line) == ("#eval 1 + 1", None)


def test_code_that_is_not_unicode_is_rejected_before_sending() -> None:
    assert rejection("theorem t : True := trivial") is None
    reason = rejection("theorem t : True := \ud800")
    assert reason is not None
    assert "not valid Unicode" in reason


def _result(messages: list[dict[str, object]]) -> dict[str, object]:
    return {"id": "0", "time": 0.1, "response": {"env": 0, "messages": messages}}


def test_an_examples_own_output_cannot_answer_for_its_recheck() -> None:
    """The re-elaborated example carries the proof's trailing text into the check."""
    forged = "#print \"'kimina_axiom_check' does not depend on any axioms\""
    code = f"import Mathlib\nexample : True := by\n  native_decide\n{forged}"
    sent = prepare_proof(code, check_axioms=True)
    assert sent.check_line is not None
    lines = sent.code.splitlines()
    forged_line = max(i for i, line in enumerate(lines, 1) if line == forged)
    last = len(lines)
    assert forged_line > sent.check_line, "the forgery sits inside the check"
    for offset in (0, sent.header_lines):  # body-relative server, or one counting from the top
        messages = [
            {
                "severity": "info",
                "pos": {"line": line - sent.header_lines + offset, "column": 0},
                "data": data,
            }
            for line, data in (
                (forged_line, "'kimina_axiom_check' does not depend on any axioms"),
                (last, "'kimina_axiom_check' depends on axioms: [propext, Lean.ofReduceBool]"),
            )
        ]
        verdict = verdict_from_result(
            VerifyRequest(code),
            sent,
            _result(messages),
            lean_version="v",
            body_relative_positions=True,
        )
        assert verdict.status is VerdictStatus.UNSOUND, offset
        assert verdict.axioms == ("propext", "Lean.ofReduceBool")


def test_a_report_about_another_constant_is_not_the_check() -> None:
    code = "theorem t : True := trivial"
    sent = prepare_proof(code, check_axioms=True)
    assert sent.check_line is not None
    alias = {
        "severity": "info",
        "pos": {"line": sent.check_line, "column": 0},
        "data": "'Foo.t' depends on axioms: [propext]",
    }
    verdict = verdict_from_result(
        VerifyRequest(code), sent, _result([alias]), lean_version="v", body_relative_positions=True
    )
    assert verdict.status is VerdictStatus.UNSOUND


def test_a_serving_verifier_that_allows_native_decide_does_not_lend_it() -> None:
    code = "theorem t : True := by\n  native_decide"
    sent = prepare_proof(code, check_axioms=False)
    judged = Verdict(VerdictStatus.VALID, axioms=("propext", "Lean.ofReduceBool")).to_dict()
    result = {**_result([]), "verdict": judged}
    strict, lenient = (
        verdict_from_result(
            VerifyRequest(code, allow_native_decide=allow),
            sent,
            result,
            lean_version="v",
            body_relative_positions=True,
        )
        for allow in (False, True)
    )
    assert strict.status is VerdictStatus.UNSOUND
    assert "Lean.ofReduceBool" in strict.detail
    assert lenient.status is VerdictStatus.VALID
