"""The appended axiom check is told apart from the proof's own output by position alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.lean import VerdictStatus, VerifyRequest
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
    assert sent.code.splitlines()[sent.check_line - 1] == "#print axioms t"
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
