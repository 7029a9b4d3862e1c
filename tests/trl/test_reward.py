"""The TRL reward function: real scoring on the stand-in, corrections, metrics, infra = None."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kimina_prover_rl.data import builtin_problems, builtin_rows, flawed_answer, reference_answer
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean import SyncVerifier, VerifierSettings, open_verifier
from kimina_prover_rl.reward import CorrectionCache, SyncScorer
from kimina_prover_rl.trl import LeanReward
from tests.lean._fake_verifier import fake_verifier


@pytest.fixture(scope="module")
def standin() -> Iterator[SyncVerifier]:
    options = VerifierSettings(backend="standin", workers=1)
    with SyncVerifier(lambda: open_verifier(options)) as verifier:
        yield verifier


def _call(reward: LeanReward, rows: list[dict[str, Any]], answers: list[str]) -> list[Any]:
    return reward(
        prompts=[row["prompt"] for row in rows],
        completions=[[{"role": "assistant", "content": a}] for a in answers],
        completion_ids=[list(range(len(a) // 4)) for a in answers],
        extra_info=[row["extra_info"] for row in rows],
        data_source=[row["data_source"] for row in rows],
        ability=[row["ability"] for row in rows],
        reward_model=[row["reward_model"] for row in rows],
    )


def test_answers_are_scored_and_failed_proofs_become_corrections(standin: SyncVerifier) -> None:
    cache = CorrectionCache()
    reward = LeanReward(SyncScorer(standin), cache)
    rows = builtin_rows()[:3]
    problems = builtin_problems()[:3]
    answers = [reference_answer(problems[0]), flawed_answer(problems[1]), "no idea"]
    assert _call(reward, rows, answers) == [1.0, 0.0, 0.0]
    assert len(cache) == 1
    cache.rate = 1.0
    (correction,) = cache.draw(1)
    assert correction.turn == 2
    assert correction.messages[-2] == {"role": "assistant", "content": answers[1]}
    assert "sorry" in correction.messages[-1]["content"]
    metrics = reward.metrics
    assert metrics["reward/mean"] == pytest.approx(1 / 3)
    assert metrics["format/error_rate"] == pytest.approx(1 / 3)
    assert metrics["format/no_lean4_block"] == pytest.approx(1 / 3)
    assert metrics["verdict/sorry"] == 1.0
    assert metrics["reward/acc/turn1"] == pytest.approx(1 / 3)
    assert metrics["response/length_mean"] == pytest.approx(sum(len(a) // 4 for a in answers) / 3)
    assert metrics["correction/added"] == 1.0
    assert metrics["correction/skipped/no_proof"] == 1.0
    assert metrics["correction/skipped/valid"] == 1.0


def test_a_correction_turn_is_scored_as_turn_two(standin: SyncVerifier) -> None:
    reward = LeanReward(SyncScorer(standin), CorrectionCache())
    row = builtin_rows()[0]
    extra = {**row["extra_info"], "turn": 2}
    reward(
        prompts=[row["prompt"]],
        completions=[[{"role": "assistant", "content": reference_answer(builtin_problems()[0])}]],
        extra_info=[extra],
    )
    assert reward.metrics["reward/acc/turn2"] == 1.0
    assert "reward/acc/turn1" not in reward.metrics


def test_an_infrastructure_failure_gets_no_reward_and_no_correction() -> None:
    with SyncVerifier(fake_verifier()) as verifier:
        cache = CorrectionCache()
        reward = LeanReward(SyncScorer(verifier), cache)
        problem = builtin_problems()[0]
        answer = reference_answer(problem).replace("simp", "exact infra")
        assert _call(reward, builtin_rows()[:1], [answer]) == [None]
    assert len(cache) == 0
    assert reward.metrics["verdict/infra_failure"] == 1.0


def test_a_dataset_without_extra_info_is_refused(standin: SyncVerifier) -> None:
    reward = LeanReward(SyncScorer(standin), CorrectionCache())
    with pytest.raises(InputError, match="extra_info"):
        reward(prompts=[[]], completions=["x"])
