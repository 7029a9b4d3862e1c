"""Training metrics: one name per series, present at every step, computed per turn."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean import Verdict, VerdictStatus
from kimina_prover_rl.proof import FormatError
from kimina_prover_rl.reward import (
    NOT_VERIFIED,
    CorrectionCache,
    CorrectionSettings,
    ScoredSample,
    SkipReason,
    correction_metrics,
    step_metrics,
)


def _scored(
    *, valid: bool = False, error: FormatError | None = None, status: VerdictStatus | None = None
) -> ScoredSample:
    if valid:
        status = VerdictStatus.VALID
    verdict = None if status is None else Verdict(status=status)
    return ScoredSample(
        id=None,
        score=1.0 if valid else 0.0,
        acc=1.0 if valid else 0.0,
        format_error=None if error is None else error.value,
        detail="",
        status=status,
        infra_failure=status is not None and status.is_infrastructure,
        proof=None,
        feedback=None,
        verdict=verdict,
    )


def test_accuracy_and_format_errors_are_split_by_turn() -> None:
    batch = [
        _scored(valid=True),
        _scored(error=FormatError.MISSING_THINK),
        _scored(status=VerdictStatus.LEAN_ERROR),
        _scored(valid=True),
    ]
    metrics = step_metrics(batch, turns=[1, 1, 2, 2], lengths=[10, 20, 30, 40])
    assert metrics["reward/mean"] == 0.5
    assert metrics["reward/acc/turn1"] == 0.5
    assert metrics["reward/acc/turn2"] == 0.5
    assert metrics["reward/samples/turn2"] == 2
    assert metrics["format/error_rate"] == 0.25
    assert metrics["format/missing_think/turn1"] == 0.5
    assert metrics["format/missing_think/turn2"] == 0.0
    assert metrics["verdict/valid"] == 2
    assert metrics["verdict/lean_error"] == 1
    assert metrics[f"verdict/{NOT_VERIFIED}"] == 1
    assert metrics["response/length_mean"] == 25
    assert metrics["response/length_max"] == 40


def test_infrastructure_failures_are_counted_apart() -> None:
    metrics = step_metrics([_scored(status=VerdictStatus.CRASH), _scored(valid=True)])
    assert metrics["verdict/infra_failure"] == 1
    assert metrics["verdict/crash"] == 1
    assert metrics["reward/acc"] == 0.5


@given(st.lists(st.sampled_from([*FormatError, None]), max_size=12))
def test_every_series_is_present_whatever_the_batch(errors: list[FormatError | None]) -> None:
    metrics = step_metrics([_scored(error=e) for e in errors])
    for error in FormatError:
        assert f"format/{error.value}" in metrics
    for status in VerdictStatus:
        assert f"verdict/{status.value}" in metrics
    assert sum(metrics[f"format/{e.value}"] for e in FormatError) == pytest.approx(
        metrics["format/error_rate"]
    )


@pytest.mark.parametrize(
    ("turns", "lengths"), [([1], None), ([1, 0], None), ([1, 1], [3])], ids=["short", "zero", "len"]
)
def test_mismatched_or_invalid_inputs_are_refused(
    turns: list[int], lengths: list[int] | None
) -> None:
    with pytest.raises(InputError):
        step_metrics([_scored(), _scored()], turns=turns, lengths=lengths)


def test_cache_counters_are_named_for_trackers() -> None:
    cache = CorrectionCache(CorrectionSettings(rate=1.0))
    cache.add(SkipReason.VALID)
    metrics = correction_metrics(cache)
    assert metrics["correction/size"] == 0
    assert metrics["correction/skipped/valid"] == 1
    assert metrics["correction/added"] == 0
