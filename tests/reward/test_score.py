"""The reward formula, the infrastructure flag, feedback and micro-batching, on real statements."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.lean import LeanMessage, MockVerifier, Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.reward import RewardConfig, Sample, Scorer
from tests.proof._answers import make_answer, row_named

PROOF = ["norm_num [h₁, h₂, h₃]"]


def _scripted(request: VerifyRequest) -> Verdict:
    """Decides by a marker in the proof."""
    code = request.code
    if "linarith" in code:
        line = next(n for n, text in enumerate(code.split("\n"), 1) if "linarith" in text)
        message = LeanMessage("error", "linarith failed to find a contradiction", line, 2)
        return Verdict(VerdictStatus.LEAN_ERROR, id=request.id, messages=(message,))
    if "positivity" in code:
        return Verdict(VerdictStatus.INFRA_ERROR, id=request.id, detail="server went away")
    if "decide" in code:
        return Verdict(VerdictStatus.TIMEOUT, id=request.id, detail="ran past 60 s")
    return Verdict(VerdictStatus.VALID, id=request.id)


@pytest.fixture
def row(minif2f: list[dict[str, Any]]) -> dict[str, Any]:
    return row_named(minif2f, "mathd_algebra_478")


def _sample(row: dict[str, Any], response: str, id: str = "s") -> Sample:
    return Sample(formal_statement=row["formal_statement"], response=response, id=id)


async def test_a_valid_well_formed_answer_scores_one(row: dict[str, Any]) -> None:
    scorer = Scorer(MockVerifier(_scripted))
    [result] = await scorer.score_batch([_sample(row, make_answer(row, PROOF))])
    assert (result.score, result.acc, result.format_error) == (1.0, 1.0, None)
    assert result.status is VerdictStatus.VALID
    assert result.proof is not None
    assert result.proof.startswith(row["header"])
    assert result.feedback is None


async def test_a_lean_error_scores_zero_with_feedback_pointing_at_the_line(
    row: dict[str, Any],
) -> None:
    scorer = Scorer(MockVerifier(_scripted))
    [result] = await scorer.score_batch([_sample(row, make_answer(row, ["linarith"]))])
    assert (result.score, result.acc, result.infra_failure) == (0.0, 0.0, False)
    assert result.status is VerdictStatus.LEAN_ERROR
    assert result.feedback is not None
    assert "linarith failed" in result.feedback
    marked = [line for line in result.feedback.split("\n") if line.startswith(">")]
    assert len(marked) == 1
    assert marked[0].rstrip().endswith("linarith")
    assert result.lean_messages[0]["data"].startswith("linarith failed")


async def test_infrastructure_failures_are_flagged_and_counted_apart(row: dict[str, Any]) -> None:
    scorer = Scorer(MockVerifier(_scripted))
    [result] = await scorer.score_batch([_sample(row, make_answer(row, ["positivity"]))])
    assert result.score == 0.0
    assert result.infra_failure
    assert scorer.stats.infra_failures == 1
    assert scorer.stats.to_dict()["statuses"] == {"infra_error": 1}


async def test_format_failures_are_not_sent_to_lean_by_default(row: dict[str, Any]) -> None:
    verifier = MockVerifier(_scripted)
    scorer = Scorer(verifier)
    no_think = make_answer(row, PROOF).replace("<think>", "").replace("</think>", "")
    [result] = await scorer.score_batch([_sample(row, no_think)])
    assert result.format_error is not None
    assert result.status is None
    assert result.score == 0.0
    assert verifier.batches == [[]]


async def test_verify_format_failures_measures_acc_alone(row: dict[str, Any]) -> None:
    scorer = Scorer(MockVerifier(_scripted), RewardConfig(verify_format_failures=True))
    no_think = make_answer(row, PROOF).replace("<think>", "").replace("</think>", "")
    [result] = await scorer.score_batch([_sample(row, no_think)])
    assert result.format_error is not None
    assert (result.score, result.acc) == (0.0, 1.0)


async def test_a_changed_statement_is_never_verified(row: dict[str, Any]) -> None:
    verifier = MockVerifier(_scripted)
    changed = row["theorem"].replace("v = 65", "v = 66").rstrip()
    answer = make_answer(row, PROOF, theorem=changed)
    [result] = await Scorer(verifier).score_batch([_sample(row, answer)])
    assert result.proof is None
    assert result.score == 0.0
    assert result.acc == 0.0
    assert result.format_error is not None
    assert sum(len(b) for b in verifier.batches) == 0


async def test_partial_credit_rewards_format_only_when_configured(row: dict[str, Any]) -> None:
    scorer = Scorer(MockVerifier(_scripted), RewardConfig(format_score=0.1))
    results = await scorer.score_batch(
        [_sample(row, make_answer(row, ["linarith"])), _sample(row, "no answer at all")]
    )
    assert [r.score for r in results] == [0.1, 0.0]


async def test_results_keep_input_order_and_ids(row: dict[str, Any]) -> None:
    proofs = [["linarith"], PROOF, ["positivity"], ["decide"], PROOF]
    samples = [_sample(row, make_answer(row, p), id=str(i)) for i, p in enumerate(proofs)]
    results = await Scorer(MockVerifier(_scripted)).score_batch(samples)
    assert [r.id for r in results] == ["0", "1", "2", "3", "4"]
    assert [r.status for r in results] == [
        VerdictStatus.LEAN_ERROR,
        VerdictStatus.VALID,
        VerdictStatus.INFRA_ERROR,
        VerdictStatus.TIMEOUT,
        VerdictStatus.VALID,
    ]
    assert results[3].feedback is not None
    assert "time" in results[3].feedback.lower()


async def test_concurrent_single_calls_share_one_verifier_batch(row: dict[str, Any]) -> None:
    verifier = MockVerifier(_scripted)
    scorer = Scorer(verifier)
    samples = [_sample(row, make_answer(row, PROOF), id=str(i)) for i in range(32)]
    results = await asyncio.gather(*(scorer.score(s) for s in samples))
    await scorer.aclose()
    assert [r.id for r in results] == [str(i) for i in range(32)]
    assert all(r.score == 1.0 for r in results)
    assert len(verifier.batches) == 1
    assert len(verifier.batches[0]) == 32
    assert scorer.batches_sent == 1


def test_sample_from_dict_says_what_is_missing() -> None:
    with pytest.raises(InputError, match="response"):
        Sample.from_dict({"id": 3, "formal_statement": "theorem x : True := by"})
    with pytest.raises(InputError, match="messages"):
        Sample.from_dict({"formal_statement": "", "response": "", "messages": "hi"})
    sample = Sample.from_dict({"id": 3, "formal_statement": "a", "response": "b"})
    assert sample.id == "3"


def test_partial_credit_must_stay_below_a_valid_proof() -> None:
    with pytest.raises(ConfigError, match="format_score"):
        RewardConfig(format_score=1.0)


def _answer_with(status: VerdictStatus) -> Callable[[VerifyRequest], Verdict]:
    """A handler answering every proof with one fixed verdict status."""
    return lambda request: Verdict(status, id=request.id, detail=f"simulated {status.value}")


@pytest.mark.parametrize("status", [s for s in VerdictStatus if s is not VerdictStatus.VALID])
async def test_every_failed_verdict_gets_its_own_feedback(
    row: dict[str, Any], status: VerdictStatus
) -> None:
    [result] = await Scorer(MockVerifier(_answer_with(status))).score_batch(
        [_sample(row, make_answer(row, PROOF))]
    )
    assert (result.score, result.acc, result.status) == (0.0, 0.0, status)
    assert result.infra_failure is status.is_infrastructure
    assert result.feedback is not None
    assert result.feedback.strip()


async def test_failure_kinds_get_distinct_feedback(row: dict[str, Any]) -> None:
    texts = {}
    for status in (VerdictStatus.SORRY, VerdictStatus.TIMEOUT, VerdictStatus.OOM):
        [result] = await Scorer(MockVerifier(_answer_with(status))).score_batch(
            [_sample(row, make_answer(row, PROOF))]
        )
        texts[status] = result.feedback
    assert len(set(texts.values())) == 3


def test_single_calls_work_across_event_loops(row: dict[str, Any]) -> None:
    """A later ``asyncio.run`` (a new loop) gets a fresh batcher, not the dead loop's."""
    verifier = MockVerifier(_scripted)
    scorer = Scorer(verifier)

    async def one(i: int) -> float:
        result = await asyncio.wait_for(
            scorer.score(_sample(row, make_answer(row, PROOF), id=str(i))), timeout=60
        )
        await scorer.aclose()
        return result.score

    async def abandoned() -> None:
        call = asyncio.ensure_future(scorer.score(_sample(row, make_answer(row, PROOF))))
        await asyncio.sleep(0)
        call.cancel()

    asyncio.run(abandoned())  # leaves a flush timer that dies with its loop
    assert [asyncio.run(one(i)) for i in range(3)] == [1.0, 1.0, 1.0]
    assert scorer.batches_sent == 3
    assert [len(batch) for batch in verifier.batches] == [1, 1, 1]


def test_stats_can_be_read_while_another_thread_scores(row: dict[str, Any]) -> None:
    samples = [
        _sample(row, make_answer(row, p), id=str(i))
        for i, p in enumerate([PROOF, ["linarith"], ["positivity"], ["decide"]] * 50)
    ]
    scorer = Scorer(MockVerifier(_scripted))

    async def score_all() -> None:
        await asyncio.gather(*(scorer.score(s) for s in samples))

    thread = threading.Thread(target=asyncio.run, args=(score_all(),))
    thread.start()
    views = [scorer.stats.to_dict()]
    while thread.is_alive():
        views.append(scorer.stats.to_dict())
    thread.join()
    for view in views:
        assert sum(view["statuses"].values()) == view["samples"]
    final = scorer.stats.to_dict()
    assert (final["samples"], final["verified"], final["infra_failures"]) == (200, 200, 50)
    assert final["statuses"] == {"valid": 50, "lean_error": 50, "infra_error": 50, "timeout": 50}
    assert final["mean_score"] == 0.25


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (["not", "an", "object"], "must be an object"),
        ({"id": [1], "formal_statement": "a", "response": "b"}, '"id"'),
        ({"id": True, "formal_statement": "a", "response": "b"}, '"id"'),
        ({"formal_statement": "a", "response": 3}, "'response' must be a string, got int"),
        ({"formal_statement": "a", "response": "b", "messages": {}}, "'messages' must be a list"),
        ({"formal_statement": "a", "response": "b", "messages": ["hi"]}, "'messages'"),
        ({"response": "b"}, "a sample lacks formal_statement"),
    ],
)
def test_sample_from_dict_names_the_field_and_the_fix(data: Any, fragment: str) -> None:
    with pytest.raises(InputError, match=re.escape(fragment)):
        Sample.from_dict(data)


def test_sample_from_dict_keeps_the_conversation() -> None:
    turns = [{"role": "user", "content": "prove it"}]
    sample = Sample.from_dict({"formal_statement": "a", "response": "b", "messages": turns})
    assert (sample.id, sample.messages) == (None, tuple(turns))


async def test_the_verifier_gets_the_given_statement_and_a_changed_meaning_has_its_feedback(
    row: dict[str, Any],
) -> None:
    from kimina_prover_rl.lean import VerifierSettings, open_verifier

    honest = make_answer(row, PROOF)
    # What Lean would print if something in the proof's environment changed the statement
    # (the stand-in is told through a directive; the text layer sees nothing forbidden).
    changed = make_answer(row, [f'{PROOF[0]} -- standin: type "(b h v : ℝ) … : Eq v 64"'])
    recorder = MockVerifier(_scripted)
    await Scorer(recorder).score_batch([Sample(row["formal_statement"], honest, id="h")])
    [request] = recorder.batches[0]
    assert request.formal_statement == row["formal_statement"]
    assert request.theorem_name == "mathd_algebra_478"
    async with open_verifier(VerifierSettings(backend="standin", cache_path=None)) as verifier:
        scored = await Scorer(verifier).score_batch(
            [
                Sample(row["formal_statement"], honest, id="h"),
                Sample(row["formal_statement"], changed, id="c"),
            ]
        )
    assert [(s.score, s.status) for s in scored] == [(1.0, "valid"), (0.0, "unsound")]
    assert scored[1].feedback is not None
    assert "does not state what was given" in scored[1].feedback
    assert "Eq v 64" in scored[1].feedback
