"""kimina answers as verdicts: the appended check is told apart by position alone, in every
numbering, and nothing the proof prints can stand in for it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.lean import UnsoundReason, Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.kimina._numbering import LineNumbering
from kimina_prover_rl.lean.kimina._results import prepare_proof, rejection, verdict_from_result
from tests.conftest import shared_file

_HEADER_LINES = st.lists(st.sampled_from(["import Mathlib", "import Aesop", "", "  "]), max_size=6)
_BODY_LINES = st.lists(
    st.sampled_from(["  simp", "  norm_num [h]", "  -- a comment", "", "  exact foo"]),
    max_size=8,
)


def _kimina_skips(code: str, server: str) -> int:
    """Lines a kimina server leaves uncounted, as its own code splits a snippet: leading
    lines that are blank or start with ``import`` (2.1.3); up to the last of those imports
    (first releases); none (main, which shifts positions back itself)."""
    lines = code.splitlines()
    header = 0
    while header < len(lines) and (
        not lines[header].strip() or lines[header].strip().startswith("import ")
    ):
        header += 1
    if server == "main":
        return 0
    if server == "2.1.3":
        return header
    return max((i + 1 for i in range(header) if lines[i].strip()), default=0)


def _info(line: int, data: str) -> dict[str, Any]:
    return {"severity": "info", "pos": {"line": line, "column": 0}, "data": data}


def _result(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "0", "time": 0.1, "response": {"env": 0, "messages": messages}}


@settings(max_examples=200, deadline=None)
@given(_HEADER_LINES, _BODY_LINES, st.sampled_from(["main", "2.1.3", "v1"]), st.data())
def test_the_check_is_split_out_and_positions_mapped_in_every_numbering(
    header: list[str], body: list[str], server: str, data: st.DataObject
) -> None:
    code = "\n".join([*header, "theorem t : True := by", *body])
    sent = prepare_proof(code, check_axioms=True)
    assert sent.plan is not None
    assert sent.block_start is not None
    assert sent.code.startswith(sent.submitted)
    (report_line,) = sent.report_lines
    assert sent.code.split("\n")[report_line - 1] == "#print axioms _root_.t"
    skip = _kimina_skips(code, server)
    # a spoofed report printed from any line of the proof, and the real one at the check
    spoof_line = data.draw(st.integers(skip + 1, code.count("\n") + 1))
    messages = [
        _info(spoof_line - skip, "'t' depends on axioms: [propext]"),
        _info(report_line - skip, "'t' depends on axioms: [propext, sorryAx]"),
    ]
    verdict, numbering = verdict_from_result(
        VerifyRequest(code), sent, _result(messages), lean_version="v"
    )
    assert numbering is not None
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.unsound_reason is UnsoundReason.AXIOMS
    assert verdict.axioms == ("propext", "sorryAx")
    assert [(m.data, m.line) for m in verdict.messages] == [
        ("'t' depends on axioms: [propext]", spoof_line)
    ]
    assert numbering.offset == skip
    assert numbering.how == "detected"
    assert verdict.extra["positions"]["line_offset"] == skip


def test_without_a_named_declaration_nothing_is_appended() -> None:
    sent = prepare_proof("#eval 1 + 1", check_axioms=True)
    assert (sent.code, sent.plan, sent.report_lines) == ("#eval 1 + 1", None, ())


def test_line_breaks_are_sent_as_kimina_splits_them() -> None:
    sent = prepare_proof(
        "import Mathlib\r\n\r\ntheorem t : True := by\r  trivial", check_axioms=True
    )
    assert sent.submitted == "import Mathlib\n\ntheorem t : True := by\n  trivial"
    assert "\r" not in sent.code


def test_code_that_is_not_unicode_is_rejected_before_sending() -> None:
    assert rejection("theorem t : True := trivial") is None
    reason = rejection("theorem t : True := \ud800")
    assert reason is not None
    assert "not valid Unicode" in reason


def test_forged_reports_inside_the_check_block_make_it_untrusted_never_valid() -> None:
    """An example is elaborated again inside the block, so its own output lands there: a
    forged report on the line another numbering would expect leaves two numberings that
    fit, and then no report is trusted."""
    code = "import Mathlib\n\n\nexample : True := by\n  trivial\n  trivial"
    sent = prepare_proof(code, check_axioms=True)
    assert sent.block_start is not None
    (report_line,) = sent.report_lines
    skip = _kimina_skips(code, "2.1.3")
    assert skip == 3
    assert report_line - skip >= sent.block_start - skip
    real = _info(report_line - skip, "'kimina_axiom_check_1' depends on axioms: [sorryAx]")
    forged = _info(report_line, "'kimina_axiom_check_1' does not depend on any axioms")
    verdict, numbering = verdict_from_result(
        VerifyRequest(code), sent, _result([forged, real]), lean_version="v"
    )
    assert numbering is not None
    assert numbering.how == "ambiguous"
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.unsound_reason is UnsoundReason.UNCHECKED
    assert "fit two of kimina's line numberings" in verdict.detail


def test_a_report_about_another_constant_is_not_the_check() -> None:
    code = "theorem t : True := trivial"
    sent = prepare_proof(code, check_axioms=True)
    (line,) = sent.report_lines
    alias = _info(line, "'Foo.t' depends on axioms: [propext]")
    verdict, _ = verdict_from_result(VerifyRequest(code), sent, _result([alias]), lean_version="v")
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.unsound_reason is UnsoundReason.UNCHECKED


def test_an_answer_that_cannot_tell_uses_what_the_server_revealed_before() -> None:
    code = "import Mathlib\n\ntheorem t : True := by\n  oops"
    sent = prepare_proof(code, check_axioms=True)
    error = {"severity": "error", "pos": {"line": 2, "column": 2}, "data": "unknown 'oops'"}
    result = {"id": "0", "response": {"env": 0, "messages": [error]}}  # the check said nothing
    fresh, assumed = verdict_from_result(VerifyRequest(code), sent, result, lean_version="v")
    learned = frozenset({LineNumbering.AFTER_HEADER})
    told, recalled = verdict_from_result(
        VerifyRequest(code), sent, result, lean_version="v", learned=learned
    )
    assert assumed is not None
    assert recalled is not None
    assert (assumed.how, assumed.numbering) == ("assumed", LineNumbering.SUBMITTED)
    assert fresh.errors[0].line == 2
    assert (recalled.how, recalled.numbering) == ("learned", LineNumbering.AFTER_HEADER)
    assert told.errors[0].line == 4
    assert told.extra["positions"] == {
        "numbering": "after_header",
        "line_offset": 2,
        "how": "learned",
    }


def _old_kimina_samples() -> list[dict[str, Any]]:
    path = shared_file("lean_feedback_samples.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["id"].startswith("kimina-lean-server:") and r["response"]]


_QUOTED = {
    "`div_le_div_iff` has been deprecated": "div_le_div_iff",
    "linarith failed": "nlinarith",
}
"""What each recorded message is about: the code it must point at."""


def _lands_on_quoted_code(code: str, verdict: Verdict) -> bool:
    lines = code.split("\n")
    for message in verdict.messages:
        needle = next(n for prefix, n in _QUOTED.items() if message.data.startswith(prefix))
        if message.line is None or message.column is None or message.line > len(lines):
            return False
        if not lines[message.line - 1][message.column :].startswith(needle):
            return False
    return True


def test_the_older_recorded_kimina_answers_are_read_right_in_one_numbering() -> None:
    """Recorded answers of earlier kimina releases (no check appended, so they cannot tell
    their numbering): read with the numbering an earlier answer revealed, each message lands
    on the code it is about in exactly one of the numberings the client knows, and the
    first releases' one (after the imports only) is among them. Told nothing, the client
    says it assumed."""
    found: dict[str, str] = {}
    for row in _old_kimina_samples():
        answer = row["response"]
        if not isinstance(answer.get("response"), dict) or not answer["response"].get("messages"):
            continue
        code = row["code"]
        sent = prepare_proof(code, check_axioms=True)
        fitting = set()
        for numbering in LineNumbering:
            verdict, used = verdict_from_result(
                VerifyRequest(code), sent, answer, lean_version="v", learned=frozenset({numbering})
            )
            assert used is not None
            assert used.how == "learned"
            assert verdict.status is VerdictStatus.LEAN_ERROR or "could not be checked" in (
                verdict.detail
            )
            if _lands_on_quoted_code(code, verdict):
                fitting.add(used.offset)
                found[row["id"]] = numbering.value
        assert len(fitting) == 1, row["id"]
        _, unsure = verdict_from_result(VerifyRequest(code), sent, answer, lean_version="v")
        assert unsure is not None
        assert unsure.how == "assumed"
    assert len(found) >= 3
    assert "after_imports" in found.values()


def test_a_serving_verifier_that_allows_native_decide_does_not_lend_it() -> None:
    code = "theorem t : True := by\n  native_decide"
    sent = prepare_proof(code, check_axioms=False)
    judged = Verdict(VerdictStatus.VALID, axioms=("propext", "Lean.ofReduceBool")).to_dict()
    result = {**_result([]), "verdict": judged}
    strict, lenient = (
        verdict_from_result(
            VerifyRequest(code, allow_native_decide=allow), sent, result, lean_version="v"
        )[0]
        for allow in (False, True)
    )
    assert strict.status is VerdictStatus.UNSOUND
    assert strict.unsound_reason is UnsoundReason.AXIOMS
    assert "Lean.ofReduceBool" in strict.detail
    assert lenient.status is VerdictStatus.VALID
    assert strict.extra["positions"]["how"] == "server"
