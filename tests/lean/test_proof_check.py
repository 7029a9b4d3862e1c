"""One proof on one REPL: what is sent, in which environment, and the verdict it earns.

A scripted REPL answers, so the paths a real REPL rarely takes (refusing a command,
answering without an environment) are tested as directly as the common ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from kimina_prover_rl.errors import ReplTimeout
from kimina_prover_rl.lean._jobs import prepare
from kimina_prover_rl.lean._proof_check import check_proof
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest

HEADER = "import Mathlib\n\nopen Nat\n\n"
CODE = f"{HEADER}theorem t : 1 + 1 = 2 := by\n  norm_num\n"
LEAN = "lean-test"


class ScriptedRepl:
    """Answers each request with the next scripted answer (or raises it); records requests."""

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[dict[str, Any], float | None]] = []

    async def send(self, request: Mapping[str, Any], *, timeout_s: float | None) -> dict[str, Any]:
        self.sent.append((dict(request), timeout_s))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


BODY = CODE[len(HEADER) :]
CHECK_LINE = BODY.count("\n") + 2  # the body, one blank line, then the check


def answer(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"env": 7, "messages": list(messages)} if messages else {"env": 7}


def axiom_report(
    line: int = CHECK_LINE, name: str = "t", axioms: str = "propext, Quot.sound"
) -> dict[str, Any]:
    data = f"'{name}' depends on axioms: [{axioms}]"
    return {"severity": "info", "pos": {"line": line, "column": 0}, "data": data}


async def run(repl: ScriptedRepl, code: str = CODE, **options: Any) -> Verdict:
    settings: dict[str, Any] = {"timeout_s": 7.0, "allow_native_decide": False}
    settings.update(options)
    request = VerifyRequest(code, id="p")
    return await check_proof(
        repl,
        3,
        prepare(request),
        request,
        lean_version=LEAN,
        extra={"queue_wait_s": 0.5},
        **settings,
    )


async def test_proof_and_check_go_as_one_command_from_the_header_environment() -> None:
    repl = ScriptedRepl(answer(axiom_report()))
    verdict = await run(repl)
    assert verdict.status is VerdictStatus.VALID
    assert verdict.axioms == ("propext", "Quot.sound")
    assert (verdict.id, verdict.lean_version) == ("p", LEAN)
    [(sent, timeout)] = repl.sent
    assert sent == {"cmd": f"{BODY}\n#print axioms _root_.t", "env": 3}
    assert sent["cmd"].split("\n")[CHECK_LINE - 1] == "#print axioms _root_.t"
    assert timeout == 7.0
    assert verdict.extra["queue_wait_s"] == 0.5
    assert verdict.messages == ()


async def test_examples_elaborated_again_double_the_commands_deadline() -> None:
    code = f"{HEADER}example : 1 + 1 = 2 := by\n  norm_num\n"
    repl = ScriptedRepl(ReplTimeout("ran past 14 s"))
    with pytest.raises(ReplTimeout):
        await run(repl, code=code)
    assert repl.sent[0][1] == 14.0


async def test_lean_errors_point_into_the_submitted_code() -> None:
    error = {
        "severity": "error",
        "pos": {"line": 2, "column": 2},
        "endPos": {"line": 2, "column": 10},
        "data": "linarith failed",
    }
    missing = {"severity": "error", "pos": {"line": CHECK_LINE}, "data": "unknown constant 't'"}
    verdict = await run(ScriptedRepl(answer(error, missing)))
    assert verdict.status is VerdictStatus.LEAN_ERROR
    header_lines = HEADER.count("\n")
    assert [m.line for m in verdict.messages] == [2 + header_lines]
    assert verdict.response is not None
    assert [m["pos"]["line"] for m in verdict.response["messages"]] == [2 + header_lines]


async def test_non_standard_axioms_are_unsound_and_named() -> None:
    verdict = await run(ScriptedRepl(answer(axiom_report(axioms="propext, sorryAx"))))
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.extra["offending_axioms"] == ["sorryAx"]
    assert verdict.unsound_reason == "axioms"


async def test_native_decide_axioms_pass_only_when_allowed() -> None:
    report = axiom_report(axioms="propext, Lean.ofReduceBool")
    refused = await run(ScriptedRepl(answer(report)))
    allowed = await run(ScriptedRepl(answer(report)), allow_native_decide=True)
    assert (refused.status, allowed.status) == (VerdictStatus.UNSOUND, VerdictStatus.VALID)


async def test_a_report_the_proof_printed_itself_is_not_the_checks() -> None:
    forged = axiom_report(line=2, axioms="propext")
    verdict = await run(ScriptedRepl(answer(forged)))
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.unsound_reason == "unchecked"


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ([{"message": "Unknown environment."}], "refused the proof command: Unknown environment"),
        ([{"messages": []}], "refused the proof command: no env in answer"),
    ],
)
async def test_a_repl_that_refuses_a_command_is_infra_error_not_the_proofs_fault(
    answers: list[dict[str, Any]], fragment: str
) -> None:
    verdict = await run(ScriptedRepl(*answers))
    assert verdict.status is VerdictStatus.INFRA_ERROR
    assert fragment in verdict.detail
    assert verdict.status.is_infrastructure


async def test_code_without_a_declaration_is_sent_alone() -> None:
    repl = ScriptedRepl(answer())
    verdict = await run(repl, code=f"{HEADER}#check Nat\n")
    assert verdict.status is VerdictStatus.VALID
    assert repl.sent[0][0]["cmd"] == "#check Nat\n"


async def test_repl_faults_reach_the_caller_who_owns_the_retry_policy() -> None:
    with pytest.raises(ReplTimeout):
        await run(ScriptedRepl(ReplTimeout("ran past 7 s")))
