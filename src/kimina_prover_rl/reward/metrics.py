"""Training metrics with one set of names, shared by the verl and TRL adapters and ``report``.

A trainer step scores a batch of answers, some first attempts (turn 1) and some
error-correction turns (turn 2, ...). :func:`step_metrics` turns those results into a flat
``{name: value}`` dict that any tracker (verl's, TRL's, ``metrics.jsonl``) can log, and
:func:`correction_metrics` does the same for the :class:`~.correction.CorrectionCache`.
Every format error type and verdict status is always present (0 when absent), so each
series has a value at every step and plots need no gap filling.

Names (``t`` is the turn number, 1-based)::

    reward/mean                       mean score over the batch
    reward/acc                        share of valid proofs over the batch
    reward/acc/turn{t}                share of valid proofs among turn-t answers
    reward/samples/turn{t}            how many turn-t answers the batch held
    format/error_rate                 share of answers with any format error
    format/{error}                    share of answers with that error (every FormatError)
    format/{error}/turn{t}            the same among turn-t answers
    verdict/{status}                  verdicts with that status (every VerdictStatus, and
                                      ``not_verified`` for answers that never reached Lean)
    verdict/infra_failure             answers whose check failed for infrastructure reasons
    response/length_mean, _max        answer length (tokens when given, else characters)
    correction/{counter}              cache counters: size, added, evicted, drawn, skipped/...
"""

from __future__ import annotations

from collections.abc import Sequence

from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean.verdict import VerdictStatus
from kimina_prover_rl.proof import FormatError
from kimina_prover_rl.reward.correction import CorrectionCache
from kimina_prover_rl.reward.score import ScoredSample

__all__ = ["NOT_VERIFIED", "correction_metrics", "step_metrics"]

NOT_VERIFIED = "not_verified"
"""The ``verdict/…`` name for answers whose proof never reached Lean."""


def step_metrics(
    scored: Sequence[ScoredSample],
    *,
    turns: Sequence[int] | None = None,
    lengths: Sequence[int] | None = None,
) -> dict[str, float]:
    """The metrics of one batch of scored answers (see the module docstring for names).

    ``turns[i]`` is the turn of answer ``i`` (all 1 when omitted); ``lengths[i]`` its length
    (tokens, as the trainer counts them); the ``response/…`` metrics need ``lengths``.
    """
    count = len(scored)
    turns = [1] * count if turns is None else list(turns)
    if len(turns) != count:
        raise InputError(f"step_metrics got {count} results but {len(turns)} turns: pass one each")
    if any(isinstance(t, bool) or not isinstance(t, int) or t < 1 for t in turns):
        raise InputError(f"step_metrics turns must be integers >= 1, got {sorted(set(turns))}")
    if lengths is not None and len(lengths) != count:
        raise InputError(
            f"step_metrics got {count} results but {len(lengths)} lengths: pass one each"
        )
    out: dict[str, float] = {
        "reward/mean": _mean([s.score for s in scored]),
        "reward/acc": _mean([s.acc for s in scored]),
        "format/error_rate": _mean([float(s.format_error is not None) for s in scored]),
    }
    for error in FormatError:
        out[f"format/{error.value}"] = _mean([float(s.format_error == error) for s in scored])
    for turn in sorted(set(turns)):
        group = [s for s, t in zip(scored, turns, strict=True) if t == turn]
        out[f"reward/acc/turn{turn}"] = _mean([s.acc for s in group])
        out[f"reward/samples/turn{turn}"] = float(len(group))
        for error in FormatError:
            share = _mean([float(s.format_error == error) for s in group])
            out[f"format/{error.value}/turn{turn}"] = share
    statuses = [NOT_VERIFIED, *(status.value for status in VerdictStatus)]
    for status in statuses:
        out[f"verdict/{status}"] = float(sum(_status(s) == status for s in scored))
    out["verdict/infra_failure"] = float(sum(s.infra_failure for s in scored))
    if lengths is not None:
        out["response/length_mean"] = _mean([float(n) for n in lengths])
        out["response/length_max"] = float(max(lengths, default=0))
    return out


def correction_metrics(cache: CorrectionCache) -> dict[str, float]:
    """The cache's counters as ``correction/{name}`` (``skipped.x`` becomes ``skipped/x``)."""
    return {f"correction/{name.replace('.', '/')}": float(n) for name, n in cache.stats().items()}


def _status(scored: ScoredSample) -> str:
    return NOT_VERIFIED if scored.status is None else scored.status.value


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
