"""Correction rounds and resuming, scored by the real reward code on the stand-in REPL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.errors import GenerationError
from kimina_prover_rl.eval import (
    EvalConfig,
    Generation,
    GenerationRequest,
    SampleStore,
    run_evaluation,
    summarize,
)
from kimina_prover_rl.lean import (
    MockVerifier,
    Verdict,
    VerdictStatus,
    Verifier,
    VerifierSettings,
    VerifyRequest,
    open_verifier,
)
from kimina_prover_rl.reward import Scorer
from tests.eval._scripted import ScriptedGenerator, problems, sorry_answer, valid_answer

CONFIG = EvalConfig(n=4, rounds=2, batch_size=8)


def _learns_from_feedback(row: dict[str, Any], turn: int, request: GenerationRequest) -> Generation:
    """Problem 1: sample seeds decide round 1, feedback fixes it. Problem 2: never."""
    if row["name"] == "imo_1959_p1":
        return Generation(sorry_answer(row), "stop")
    if turn == 1:
        return Generation(valid_answer(row) if request.seed % 2 else sorry_answer(row), "stop")
    feedback = request.messages[-1]["content"]
    return Generation(valid_answer(row) if "sorry" in feedback else sorry_answer(row), "stop")


async def _run(
    tmp_path: Path, generator: ScriptedGenerator, probs: Any, verifier: Verifier | None = None
) -> dict[Any, Any]:
    store = SampleStore(tmp_path)
    if verifier is not None:
        return await run_evaluation(probs, generator, Scorer(verifier), store, CONFIG)
    async with open_verifier(VerifierSettings(backend="standin")) as standin:
        return await run_evaluation(probs, generator, Scorer(standin), store, CONFIG)


async def test_failed_answers_get_a_correction_turn_with_lean_feedback(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    probs = problems(minif2f, ["mathd_algebra_478", "imo_1959_p1"])
    generator = ScriptedGenerator(minif2f, _learns_from_feedback)
    records = await _run(tmp_path, generator, probs)
    first = [records[("mathd_algebra_478", i, 1)] for i in range(4)]
    failed = [r.sample for r in first if not r.solved]
    assert failed
    assert len(failed) < 4
    assert sorted(k[1] for k in records if k[0] == "mathd_algebra_478" and k[2] == 2) == failed
    assert all(records[("mathd_algebra_478", i, 2)].solved for i in failed)
    second_turns = [r for r in generator.requests if ScriptedGenerator.turn_of(r) == 2]
    assert len(second_turns) == len(failed) + 4
    turn = second_turns[0]
    assert turn.messages[-2]["role"] == "assistant"
    assert turn.messages[-2]["content"] == sorry_answer(generator.row_of(turn))
    assert turn.messages[-1]["content"].startswith("Lean 4 rejected your proof")
    summary = summarize(probs, records, n=4, rounds=2, ks=[1, 4])
    one, two = summary["rounds"]
    assert one["pass_at_k"]["1"] == pytest.approx((4 - len(failed)) / 4 / 2)
    assert two["pass_at_k"]["1"] == pytest.approx(0.5)
    assert (one["solved_problems"], two["solved_problems"]) == (1, 1)
    assert two["statuses"] == {"valid": len(failed), "sorry": 4}


async def test_a_rerun_skips_finished_answers(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    probs = problems(minif2f, ["mathd_algebra_478"])
    first = await _run(tmp_path, ScriptedGenerator(minif2f, _learns_from_feedback), probs)
    again = ScriptedGenerator(minif2f, _learns_from_feedback)
    assert await _run(tmp_path, again, probs) == first
    assert again.requests == []


async def test_generation_failures_are_retried_on_the_next_run(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    probs = problems(minif2f, ["mathd_algebra_478", "imo_1959_p1"])

    def flaky(row: dict[str, Any], turn: int, request: GenerationRequest) -> Generation:
        if row["name"] == "imo_1959_p1":
            return Generation(error="HTTP 500: engine died")
        return Generation(valid_answer(row), "stop")

    records = await _run(tmp_path, ScriptedGenerator(minif2f, flaky), probs)
    summary = summarize(probs, records, n=4, rounds=2, ks=[1])
    assert summary["rounds"][1]["incomplete_problems"] == ["imo_1959_p1"]
    assert summary["rounds"][1]["pass_at_k"]["1"] == 1.0
    assert summary["rounds"][1]["pass_at_k_lower"]["1"] == 0.5
    healed = ScriptedGenerator(minif2f, _learns_from_feedback)
    records = await _run(tmp_path, healed, probs)
    asked = {healed.row_of(r)["name"] for r in healed.requests}
    assert asked == {"imo_1959_p1"}
    summary = summarize(probs, records, n=4, rounds=2, ks=[1])
    assert summary["rounds"][1]["incomplete_problems"] == []


async def test_a_whole_batch_failing_stops_the_run_and_keeps_what_finished(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    probs = problems(minif2f, ["mathd_algebra_478", "imo_1959_p1"])

    def down_after_first_problem(
        row: dict[str, Any], turn: int, r: GenerationRequest
    ) -> Generation:
        if row["name"] == "imo_1959_p1":
            return Generation(error="cannot reach http://127.0.0.1:9/v1")
        return Generation(valid_answer(row), "stop")

    generator = ScriptedGenerator(minif2f, down_after_first_problem)
    store = SampleStore(tmp_path)
    config = EvalConfig(n=4, rounds=1, batch_size=4)
    async with open_verifier(VerifierSettings(backend="standin")) as standin:
        with pytest.raises(GenerationError, match=r"cannot reach.*rerun the same command"):
            await run_evaluation(probs, generator, Scorer(standin), store, config)
    assert sorted(store.load()) == [("mathd_algebra_478", i, 1) for i in range(4)]


def _lean_down(request: VerifyRequest) -> Verdict:
    """What a verifier whose backend never answers says."""
    return Verdict(VerdictStatus.INFRA_ERROR, id=request.id, detail="no Lean project")


async def test_answers_lean_never_judged_are_rescored_without_generating_again(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    probs = problems(minif2f, ["mathd_algebra_478"])
    first = ScriptedGenerator(minif2f, _learns_from_feedback)
    records = await _run(tmp_path, first, probs, verifier=MockVerifier(_lean_down))
    assert all(r.infra_failure and r.round == 1 for r in records.values())
    assert summarize(probs, records, n=4, rounds=2, ks=[1])["rounds"][0]["incomplete_problems"]
    second = ScriptedGenerator(minif2f, _learns_from_feedback)
    records = await _run(tmp_path, second, probs)
    assert all(ScriptedGenerator.turn_of(r) == 2 for r in second.requests)
    assert {r.response for k, r in records.items() if k[2] == 1} <= {
        r.text
        for r in [
            Generation(valid_answer(second.row_of(first.requests[0]))),
            Generation(sorry_answer(second.row_of(first.requests[0]))),
        ]
    }
    assert not summarize(probs, records, n=4, rounds=2, ks=[1])["rounds"][1]["incomplete_problems"]
