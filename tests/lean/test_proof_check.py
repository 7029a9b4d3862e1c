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


def axiom_report(line: int, name: str = "t", axioms: str = "propext, Quot.sound") -> dict[str, Any]:
    data = f"'{name}' depends on axioms: [{axioms}]"
    return {"env": 8, "messages": [{"severity": "info", "pos": {"line": line}, "data": data}]}


async def run(repl: ScriptedRepl, code: str = CODE, **options: Any) -> Verdict:
    settings: dict[str, Any] = {"timeout_s": 7.0, "allow_native_decide": False}
    settings.update(options)
    return await check_proof(
        repl,
        3,
        prepare(code),
        VerifyRequest(code, id="p"),
        lean_version=LEAN,
        extra={"queue_wait_s": 0.5},
        **settings,
    )


async def test_an_accepted_proof_gets_its_axioms_checked_in_its_own_environment() -> None:
    repl = ScriptedRepl({"env": 7}, axiom_report(1))
    verdict = await run(repl)
    assert verdict.status is VerdictStatus.VALID
    assert verdict.axioms == ("propext", "Quot.sound")
    assert (verdict.id, verdict.lean_version) == ("p", LEAN)
    (proof, proof_timeout), (check, check_timeout) = repl.sent
    assert proof == {"cmd": CODE[len(HEADER) :], "env": 3}
    assert check == {"cmd": "#print axioms _root_.t", "env": 7}
    assert proof_timeout == check_timeout == 7.0
    assert verdict.extra["queue_wait_s"] == 0.5
    assert verdict.extra["axiom_check_s"] >= 0


async def test_lean_errors_skip_the_axiom_check_and_point_into_the_submitted_code() -> None:
    error = {
        "severity": "error",
        "pos": {"line": 2, "column": 2},
        "endPos": {"line": 2, "column": 10},
        "data": "linarith failed",
    }
    repl = ScriptedRepl({"env": 7, "messages": [error]})
    verdict = await run(repl)
    assert verdict.status is VerdictStatus.LEAN_ERROR
    assert len(repl.sent) == 1
    header_lines = HEADER.count("\n")
    assert verdict.messages[0].line == 2 + header_lines
    assert verdict.response is not None
    assert verdict.response["messages"][0]["pos"]["line"] == 2 + header_lines


async def test_non_standard_axioms_are_unsound_and_named() -> None:
    repl = ScriptedRepl({"env": 7}, axiom_report(1, axioms="propext, sorryAx"))
    verdict = await run(repl)
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.extra["offending_axioms"] == ["sorryAx"]


async def test_native_decide_axioms_pass_only_when_allowed() -> None:
    report = axiom_report(1, axioms="propext, Lean.ofReduceBool")
    refused = await run(ScriptedRepl({"env": 7}, report))
    allowed = await run(ScriptedRepl({"env": 7}, report), allow_native_decide=True)
    assert (refused.status, allowed.status) == (VerdictStatus.UNSOUND, VerdictStatus.VALID)


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ([{"message": "Unknown environment."}], "refused the proof command: Unknown environment"),
        ([{"messages": []}], "refused the proof command: no env in answer"),
        ([{"env": 7}, {"message": "Unknown environment."}], "refused the axiom check"),
    ],
)
async def test_a_repl_that_refuses_a_command_is_infra_error_not_the_proofs_fault(
    answers: list[dict[str, Any]], fragment: str
) -> None:
    verdict = await run(ScriptedRepl(*answers))
    assert verdict.status is VerdictStatus.INFRA_ERROR
    assert fragment in verdict.detail
    assert verdict.status.is_infrastructure


async def test_code_without_a_declaration_needs_no_axiom_check() -> None:
    repl = ScriptedRepl({"env": 7})
    verdict = await run(repl, code=f"{HEADER}#check Nat\n")
    assert verdict.status is VerdictStatus.VALID
    assert len(repl.sent) == 1


async def test_repl_faults_reach_the_caller_who_owns_the_retry_policy() -> None:
    with pytest.raises(ReplTimeout):
        await run(ScriptedRepl(ReplTimeout("ran past 7 s")))
