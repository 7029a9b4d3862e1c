"""The start-up self-check: known proofs must get their known verdicts, or nothing runs.

End-to-end cases run the stand-in REPL (simulated Lean), as named: with Lean's wordings it
starts, with an axioms report worded in a way the verifier does not read it refuses.
"""

from __future__ import annotations

import shlex
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from kimina_prover_rl.errors import SelfCheckFailed
from kimina_prover_rl.lean import (
    Verdict,
    VerdictCache,
    VerdictStatus,
    Verifier,
    VerifyRequest,
    standin_command,
)
from kimina_prover_rl.lean.factory import VerifierSettings, open_verifier
from kimina_prover_rl.lean.self_check import (
    SELF_CHECK_SKIPPED_NOTE,
    SelfCheckedVerifier,
    run_self_check,
    self_check_cases,
    self_check_report,
)
from tests.lean._fake_verifier import fake_verifier

HEADER = "import Mathlib"


class Lean(Verifier):
    """Answers each case with its expected verdict, except the ones in ``wrong``."""

    def __init__(self, wrong: dict[str, VerdictStatus] | None = None, scope: str = "s1") -> None:
        self.wrong = wrong or {}
        self.scope = scope
        self.calls = 0

    @property
    def lean_version(self) -> str:
        return "v4.33.0-test"

    @property
    def verdict_scope(self) -> str:
        return self.scope

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        self.calls += 1
        expected = {c.request.id: c for c in self_check_cases(HEADER, allow_native_decide=False)}
        for index, request in enumerate(requests):
            case = expected[request.id]
            status = self.wrong.get(case.name, case.expected)
            response = {"env": 1, "messages": [{"severity": "info", "data": "raw words"}]}
            yield index, Verdict(status, id=request.id, detail="why", response=response)


def test_the_cases_are_core_lean_under_the_header_and_cover_each_soundness_path() -> None:
    cases = self_check_cases(HEADER, allow_native_decide=False)
    assert [c.name for c in cases] == [
        "valid",
        "lean_error",
        "sorry",
        "sorry_ax",
        "user_axiom",
        "decoy_after",
        "changed_statement",
        "native_decide",
    ]
    assert all(c.request.code.startswith("import Mathlib\n\n") for c in cases)
    assert all("Mathlib" not in c.request.code[len(HEADER) :] for c in cases)
    by_name = {c.name: c for c in cases}
    assert by_name["sorry_ax"].expected is VerdictStatus.SORRY
    assert "exact sorryAx _ false" in by_name["sorry_ax"].request.code
    decoy = by_name["decoy_after"].request
    assert decoy.theorem_name is not None
    assert decoy.code.index(decoy.theorem_name) < decoy.code.index("_decoy :")
    changed = by_name["changed_statement"].request
    assert changed.formal_statement is not None
    assert changed.theorem_name is not None
    assert by_name["native_decide"].expected is VerdictStatus.UNSOUND
    allowed = self_check_cases("", allow_native_decide=True)
    assert allowed[-1].expected is VerdictStatus.VALID
    assert allowed[-1].request.allow_native_decide
    assert allowed[0].request.code.startswith("theorem")


async def test_matching_verdicts_pass() -> None:
    report = await run_self_check(Lean(), header=HEADER)
    assert report.state == "passed"
    assert report.cases["sorry_ax"] == {"expected": "sorry", "actual": "sorry"}


@pytest.mark.parametrize(
    "case", [c.name for c in self_check_cases(HEADER, allow_native_decide=False)]
)
async def test_any_verdict_lean_gives_that_differs_fails_and_says_everything(case: str) -> None:
    expected = next(
        c for c in self_check_cases(HEADER, allow_native_decide=False) if c.name == case
    )
    actual = (
        VerdictStatus.VALID
        if expected.expected is not VerdictStatus.VALID
        else VerdictStatus.UNSOUND
    )
    report = await run_self_check(Lean({case: actual}), header=HEADER)
    assert report.state == "failed"
    message = report.message
    assert message.startswith(f"verifier self-check failed: case {case!r}")
    assert f"expected {expected.expected.value}, got {actual.value}" in message
    assert "raw words" in message  # Lean's raw output
    assert "Lean version: v4.33.0-test" in message
    assert "what to do:" in message
    assert "--skip-self-check" in message


async def test_a_case_lean_never_judged_leaves_it_unavailable_and_it_runs_again() -> None:
    lean = Lean({"sorry": VerdictStatus.INFRA_ERROR})
    verifier = SelfCheckedVerifier(fake_verifier(), probe=lean, header=HEADER)
    (verdict,) = await verifier.verify([VerifyRequest("theorem t : True := trivial")])
    assert verdict.status is VerdictStatus.VALID
    report = self_check_report(verifier)
    assert report is not None
    assert report.state == "unavailable"
    lean.wrong = {}
    await verifier.verify([VerifyRequest("theorem t : True := trivial")])
    assert lean.calls == 2
    assert verifier.report is not None
    assert verifier.report.state == "passed"


async def test_a_failed_check_refuses_every_proof_and_closes_on_entry() -> None:
    inner = fake_verifier()
    verifier = SelfCheckedVerifier(
        inner, probe=Lean({"sorry_ax": VerdictStatus.VALID}), header=HEADER
    )
    with pytest.raises(SelfCheckFailed, match=r"^verifier self-check failed: case 'sorry_ax'"):
        async with verifier:
            pass
    with pytest.raises(SelfCheckFailed):
        await verifier.verify([VerifyRequest("theorem t : True := trivial")])
    assert inner.requests == []


async def test_a_pass_is_remembered_per_verdict_scope(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path / "c.db")
    lean = Lean(scope="lean A")
    async with SelfCheckedVerifier(fake_verifier(), probe=lean, header=HEADER, store=cache):
        pass
    again = SelfCheckedVerifier(fake_verifier(), probe=lean, header=HEADER, store=cache)
    async with again:
        pass
    assert lean.calls == 1
    assert again.report is not None
    assert again.report.remembered
    lean.scope = "lean B"  # another Lean, project or check rules
    async with SelfCheckedVerifier(fake_verifier(), probe=lean, header=HEADER, store=cache):
        pass
    assert lean.calls == 2
    async with SelfCheckedVerifier(fake_verifier(), probe=lean, header="", store=cache):
        pass
    assert lean.calls == 3  # another header


async def test_skipping_runs_nothing_and_is_reported() -> None:
    lean = Lean({"valid": VerdictStatus.UNSOUND})
    verifier = SelfCheckedVerifier(fake_verifier(), probe=lean, header=HEADER, skip=True)
    async with verifier:
        await verifier.verify([VerifyRequest("theorem t : True := trivial")])
    assert lean.calls == 0
    assert verifier.report is not None
    assert verifier.report.state == "skipped"


def _standin(*flags: str) -> VerifierSettings:
    command = f"{shlex.join(standin_command())} {shlex.join(flags)}"
    return VerifierSettings(backend="local", repl_cmd=command, workers=2, spares=0)


@pytest.mark.parametrize(
    "flags",
    [
        (),
        ("--sorry-quote", "`"),
        ("--sorry-wording", "declaration `{name}` uses `sorry`"),
    ],
)
async def test_the_standin_with_each_of_leans_wordings_starts(flags: tuple[str, ...]) -> None:
    async with open_verifier(_standin(*flags)) as verifier:
        report = self_check_report(verifier)
        assert report is not None
        assert report.state == "passed", report.message
        (verdict,) = await verifier.verify(
            [VerifyRequest(f"{HEADER}\n\ntheorem t : True := trivial")]
        )
    assert verdict.is_valid


@pytest.mark.parametrize(
    ("flags", "case"),
    [
        (("--axioms-wording", "'{name}' relies on: [{axioms}]"), "valid"),
        # the sorry case is still listed in `sorries`; sorryAx only shows in the warning
        (("--sorry-wording", "{name} is unfinished"), "sorry_ax"),
    ],
)
async def test_an_unknown_wording_stops_the_verifier(flags: tuple[str, ...], case: str) -> None:
    with pytest.raises(SelfCheckFailed) as failure:
        async with open_verifier(_standin(*flags)):
            pass
    message = str(failure.value)
    assert message.startswith(f"verifier self-check failed: case {case!r}")
    assert "Lean version: standin" in message


async def test_the_skip_option_says_so_on_every_run(capsys: pytest.CaptureFixture[str]) -> None:
    options = replace(_standin("--axioms-wording", "{name}: {axioms}"), self_check=False)
    for _ in range(2):
        async with open_verifier(options) as verifier:
            report = self_check_report(verifier)
            assert report is not None
            assert report.state == "skipped"
        assert SELF_CHECK_SKIPPED_NOTE in capsys.readouterr().err
