"""Training stops, after a checkpoint, when the verifier keeps failing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.errors import BackendError, ConfigError
from kimina_prover_rl.lean import VerdictStatus
from kimina_prover_rl.reward import (
    CorrectionCache,
    FinishedAnswer,
    ScoredSample,
    reward_record,
)
from kimina_prover_rl.verl.trainer import CorrectionTrainer
from kimina_prover_rl.verl.verifier_watch import VerifierWatch


def scored(*, infra: bool) -> ScoredSample:
    return ScoredSample(
        id="p1",
        score=0.0,
        acc=0.0,
        format_error=None,
        detail="connection refused by http://lean:12332" if infra else "",
        status=VerdictStatus.INFRA_ERROR if infra else VerdictStatus.LEAN_ERROR,
        infra_failure=infra,
        proof="theorem x : True := by\n  skip",
        feedback=None if infra else "error: linarith failed",
    )


def step(failed: int, total: int = 4) -> list[ScoredSample]:
    return [scored(infra=i < failed) for i in range(total)]


def test_three_bad_steps_in_a_row_stop_and_a_good_one_resets() -> None:
    watch = VerifierWatch(max_infra_share=0.5, steps=3)
    assert watch.observe(step(3)) is False
    assert watch.observe(step(4)) is False
    assert watch.observe(step(2)) is False  # exactly half is not over the threshold
    assert watch.bad_steps == 0
    assert [watch.observe(step(4)) for _ in range(3)] == [False, False, True]
    assert "infra_error" in watch.last_error
    assert "connection refused" in watch.last_error  # the verdict's detail


@given(st.lists(st.integers(min_value=0, max_value=4), max_size=20))
def test_it_never_stops_when_disabled(failures: list[int]) -> None:
    watch = VerifierWatch(steps=0)
    assert not any(watch.observe(step(n)) for n in failures)


@given(st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=20))
def test_it_stops_exactly_at_the_third_bad_step_in_a_row(failures: list[int]) -> None:
    watch = VerifierWatch(max_infra_share=0.5, steps=3)
    stops = [watch.observe(step(n)) for n in failures]
    run = 0
    expected = []
    for n in failures:
        run = run + 1 if n > 2 else 0
        expected.append(run >= 3)
    assert stops == expected


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_infra_share": 1.0}, "max_infra_share=1.0"),
        ({"steps": -1}, "steps=-1"),
        ({"steps": True}, "steps=True"),
        ({"share": 0.5}, "unknown kimina.dead_verifier keys share"),
    ],
)
def test_bad_settings_name_the_key(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        VerifierWatch.from_config(settings)


def test_the_trainer_saves_a_checkpoint_then_stops_naming_the_verifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from omegaconf import OmegaConf
    from verl.trainer.ppo.v1.trainer_sync import PPOTrainerSync

    cache = CorrectionCache()
    trainer = object.__new__(CorrectionTrainer)  # only the step hook runs here
    trainer.config = OmegaConf.create(
        {
            "reward": {
                "custom_reward_function": {
                    "reward_kwargs": {"backend": "remote", "url": "http://lean:12332"}
                }
            },
            "trainer": {"default_local_dir": "/ckpt/run"},
        }
    )
    trainer.train_dataset = SimpleNamespace(add=cache.add, cache=cache)
    trainer.verifier_watch = VerifierWatch(max_infra_share=0.5, steps=2)
    saved: list[int] = []
    monkeypatch.setattr(trainer, "_save_checkpoint", lambda: saved.append(trainer.global_steps))
    monkeypatch.setattr(PPOTrainerSync, "step", lambda self, metrics, timing: "batch")
    row = {
        "data_source": "src",
        "ability": "theorem_proving",
        "extra_info": {"formal_statement": "theorem x : True := by", "messages": []},
    }
    answers = [FinishedAnswer.from_record(row, "r", reward_record(s), length=3) for s in step(4)]
    monkeypatch.setattr(trainer, "finished_answers", lambda batch: answers)

    trainer.global_steps = 6
    metrics: dict[str, Any] = {}
    assert trainer.step(metrics, {}) == "batch"
    assert metrics["verdict/infra_failure"] == 4.0
    trainer.global_steps = 7
    with pytest.raises(BackendError) as raised:
        trainer.step({}, {})
    assert saved == [7]  # the checkpoint came first
    message = str(raised.value)
    assert "backend=remote at http://lean:12332" in message
    assert "infra_error" in message  # the last failure, as the reward record carries it
    assert "2 steps in a row" in message
    assert "/ckpt/run" in message
    assert "kimina.dead_verifier.steps=0" in message
