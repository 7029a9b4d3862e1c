"""The TRL reward function: real scoring on the stand-in, corrections, metrics, infra = None.

TRL awaits async reward functions on a background loop of its own; these tests call the
reward the same way, on a loop TRL's own helper starts.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from trl.trainer.utils import (
    is_async_callable,
    shutdown_event_loop_in_daemon,
    start_event_loop_in_daemon,
)

from kimina_prover_rl.data import builtin_problems, builtin_rows, flawed_answer, reference_answer
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean import MockVerifier, Verifier, VerifierSettings, open_verifier
from kimina_prover_rl.reward import CorrectionCache, Scorer
from kimina_prover_rl.trl import LeanReward
from tests.lean._fake_verifier import fake_verifier, scripted_verdict


@pytest.fixture(scope="module")
def trl_loop() -> Iterator[asyncio.AbstractEventLoop]:
    thread, loop, ready = start_event_loop_in_daemon(name="test-trl-loop")
    ready.wait()
    yield loop
    shutdown_event_loop_in_daemon(thread, loop)
    loop.close()  # TRL's helper stops the loop but leaves it open


@pytest.fixture
def make_reward() -> Iterator[Callable[..., LeanReward]]:
    made: list[LeanReward] = []

    def make(verifier: Verifier | None = None, cache: CorrectionCache | None = None) -> LeanReward:
        if verifier is None:
            verifier = open_verifier(VerifierSettings(backend="standin", workers=1))
        made.append(LeanReward(Scorer(verifier), CorrectionCache() if cache is None else cache))
        return made[-1]

    yield make
    for reward in made:
        reward.close()


def _on(loop: asyncio.AbstractEventLoop, reward: LeanReward, **kwargs: Any) -> list[Any]:
    """Call the reward as TRL's ``GRPOTrainer`` does with an async one."""
    assert is_async_callable(reward)
    return asyncio.run_coroutine_threadsafe(reward(**kwargs), loop).result()


def _call(
    loop: asyncio.AbstractEventLoop,
    reward: LeanReward,
    rows: list[dict[str, Any]],
    answers: list[str],
) -> list[Any]:
    return _on(
        loop,
        reward,
        prompts=[row["prompt"] for row in rows],
        completions=[[{"role": "assistant", "content": a}] for a in answers],
        completion_ids=[list(range(len(a) // 4)) for a in answers],
        extra_info=[row["extra_info"] for row in rows],
        data_source=[row["data_source"] for row in rows],
        ability=[row["ability"] for row in rows],
        reward_model=[row["reward_model"] for row in rows],
    )


def test_answers_are_scored_and_failed_proofs_become_corrections(
    trl_loop: asyncio.AbstractEventLoop, make_reward: Callable[..., LeanReward]
) -> None:
    cache = CorrectionCache()
    reward = make_reward(cache=cache)
    rows = builtin_rows()[:3]
    problems = builtin_problems()[:3]
    answers = [reference_answer(problems[0]), flawed_answer(problems[1]), "no idea"]
    assert _call(trl_loop, reward, rows, answers) == [1.0, 0.0, 0.0]
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


def test_a_correction_turn_is_scored_as_turn_two(
    trl_loop: asyncio.AbstractEventLoop, make_reward: Callable[..., LeanReward]
) -> None:
    reward = make_reward()
    row = builtin_rows()[0]
    extra = {**row["extra_info"], "turn": 2}
    _on(
        trl_loop,
        reward,
        prompts=[row["prompt"]],
        completions=[[{"role": "assistant", "content": reference_answer(builtin_problems()[0])}]],
        extra_info=[extra],
    )
    assert reward.metrics["reward/acc/turn2"] == 1.0
    assert "reward/acc/turn1" not in reward.metrics


def test_an_infrastructure_failure_gets_no_reward_and_no_correction(
    trl_loop: asyncio.AbstractEventLoop, make_reward: Callable[..., LeanReward]
) -> None:
    cache = CorrectionCache()
    reward = make_reward(fake_verifier(), cache)
    problem = builtin_problems()[0]
    answer = reference_answer(problem).replace("simp", "exact infra")
    assert _call(trl_loop, reward, builtin_rows()[:1], [answer]) == [None]
    assert len(cache) == 0
    assert reward.metrics["verdict/infra_failure"] == 1.0


def test_a_dataset_without_extra_info_is_refused(
    trl_loop: asyncio.AbstractEventLoop, make_reward: Callable[..., LeanReward]
) -> None:
    reward = make_reward()
    with pytest.raises(InputError, match="extra_info"):
        _on(trl_loop, reward, prompts=[[]], completions=["x"])


def test_close_closes_the_verifier_on_the_loop_the_reward_ran_on(
    trl_loop: asyncio.AbstractEventLoop,
) -> None:
    closed_on: list[threading.Thread] = []

    class Watched(MockVerifier):
        async def aclose(self) -> None:
            closed_on.append(threading.current_thread())
            await super().aclose()

    ran = Watched(scripted_verdict)
    reward = LeanReward(Scorer(ran), CorrectionCache())
    answer = reference_answer(builtin_problems()[0])
    assert _call(trl_loop, reward, builtin_rows()[:1], [answer]) == [1.0]
    reward.close()
    assert ran.closed
    assert closed_on[0] is not threading.current_thread()

    idle = Watched(scripted_verdict)
    LeanReward(Scorer(idle), CorrectionCache()).close()
    assert idle.closed
