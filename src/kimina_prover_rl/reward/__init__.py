"""Scoring: composes ``proof`` checks and a ``lean`` verifier into one result per sample."""

from __future__ import annotations

from kimina_prover_rl.reward.batching import BatchingConfig, MicroBatcher
from kimina_prover_rl.reward.correction import (
    CorrectionCache,
    CorrectionPrompt,
    CorrectionSettings,
    SkipReason,
    build_correction,
    correction_for,
)
from kimina_prover_rl.reward.metrics import NOT_VERIFIED, correction_metrics, step_metrics
from kimina_prover_rl.reward.record import (
    RECORD_KEYS,
    RewardRecord,
    correction_row,
    reward_record,
    scored_from_record,
)
from kimina_prover_rl.reward.score import (
    RewardConfig,
    RewardStats,
    Sample,
    ScoredSample,
    Scorer,
)
from kimina_prover_rl.reward.step import (
    FinishedAnswer,
    correction_from_record,
    finish_step,
    next_turn,
)

__all__ = [
    "NOT_VERIFIED",
    "RECORD_KEYS",
    "BatchingConfig",
    "CorrectionCache",
    "CorrectionPrompt",
    "CorrectionSettings",
    "FinishedAnswer",
    "MicroBatcher",
    "RewardConfig",
    "RewardRecord",
    "RewardStats",
    "Sample",
    "ScoredSample",
    "Scorer",
    "SkipReason",
    "build_correction",
    "correction_for",
    "correction_from_record",
    "correction_metrics",
    "correction_row",
    "finish_step",
    "next_turn",
    "reward_record",
    "scored_from_record",
    "step_metrics",
]
