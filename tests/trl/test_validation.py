"""Validation in the dry run: best@k before and after one correction turn, verl's names."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimina_prover_rl.data import builtin_rows
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean.verdict import VerdictStatus
from kimina_prover_rl.reward import Sample, ScoredSample
from kimina_prover_rl.trl import ValidationConfig, Validator, validation_names


def _scored(sample: Sample, valid: bool) -> ScoredSample:
    return ScoredSample(
        id=sample.id,
        score=float(valid),
        acc=float(valid),
        format_error=None,
        detail="",
        status=VerdictStatus.VALID if valid else VerdictStatus.LEAN_ERROR,
        infra_failure=False,
        proof="theorem x : True := by trivial",
        feedback=None if valid else "error: unsolved goals\n⊢ False",
    )


def test_names_are_the_ones_verl_logs_and_report_draws() -> None:
    assert validation_names("kimina-builtin", 8) == (
        "val-core/kimina-builtin/acc/best@8/mean",
        "val-aux/kimina-builtin/acc_after_ec/best@8/mean",
    )
    assert validation_names("kimina-builtin", 8, "mean") == (
        "val-core/kimina-builtin/acc/mean@8",
        "val-aux/kimina-builtin/acc_after_ec/mean@8",
    )


@pytest.mark.parametrize("kwargs", [{"every": -1}, {"k": 0}, {"every": True}])
def test_bad_settings_are_config_errors(kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        ValidationConfig(**kwargs)


def test_failed_answers_get_one_correction_turn_and_count_after_it(tiny_model: Path) -> None:
    """A scorer that fails every first answer to the first problem, passes every answer to
    the second, and passes revisions: best@k is 1/2 before correction and 2/2 after; so is
    mean@k (3 of 6 answers, then all 6)."""
    from kimina_prover_rl.models import load_causal_lm

    model, tokenizer = load_causal_lm(tiny_model)
    rows = builtin_rows(part="val")[:2]
    seen: list[list[Sample]] = []

    def score(samples: list[Sample]) -> list[ScoredSample]:
        seen.append(samples)
        return [
            _scored(
                s,
                valid=len(s.messages) > len(rows[0]["prompt"])
                or s.id == rows[1]["extra_info"]["problem_id"],
            )
            for s in samples
        ]

    validator = Validator(
        rows, score, ValidationConfig(k=3), temperature=1.0, max_new_tokens=4, seed=1
    )
    metrics = validator(model, tokenizer, step=0)
    before, after = validation_names("kimina-builtin", 3)
    mean_before, mean_after = validation_names("kimina-builtin", 3, "mean")
    assert metrics == {before: 0.5, after: 1.0, mean_before: 0.5, mean_after: 1.0}
    first, revised = seen
    assert len(first) == 6
    assert len(revised) == 3  # the three failed answers, one revision each
    for sample in revised:
        assert sample.messages[-2]["role"] == "assistant"
        assert "⊢ False" in sample.messages[-1]["content"]
    assert not model.training


def test_mean_at_k_counts_answers_where_best_at_k_counts_problems(tiny_model: Path) -> None:
    """First problem: one valid answer of three, revisions fail; second problem: none valid,
    every revision valid. best@3 is 1/2 → 2/2; mean@3 is 1/6 → 4/6."""
    from kimina_prover_rl.models import load_causal_lm

    model, tokenizer = load_causal_lm(tiny_model)
    rows = builtin_rows(part="val")[:2]
    second = rows[1]["extra_info"]["problem_id"]
    calls = 0

    def score(samples: list[Sample]) -> list[ScoredSample]:
        nonlocal calls
        calls += 1
        if calls == 1:  # the k first answers of each problem, in row order
            return [_scored(s, valid=i == 0) for i, s in enumerate(samples)]
        return [_scored(s, valid=s.id == second) for s in samples]

    validator = Validator(
        rows, score, ValidationConfig(k=3), temperature=1.0, max_new_tokens=4, seed=2
    )
    metrics = validator(model, tokenizer, step=0)
    before, after = validation_names("kimina-builtin", 3)
    mean_before, mean_after = validation_names("kimina-builtin", 3, "mean")
    assert metrics[before] == 0.5
    assert metrics[after] == 1.0
    assert metrics[mean_before] == pytest.approx(1 / 6)
    assert metrics[mean_after] == pytest.approx(4 / 6)
