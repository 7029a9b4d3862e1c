"""The reward: one scored result per sample, from a model's answer and a verifier.

Order of work per batch: extract and check every answer (pure text, cheap), send only the
proofs that passed to the verifier (deduplicated), then combine::

    score = format ok × statement intact × verdict valid      (1.0 or 0.0, or partial credit)
    acc   = the extracted proof is valid                       (for pass@k)

Infrastructure failures (``overloaded``, ``crash``, ``infra_error``) score 0 like any
failure but set ``infra_failure`` and are counted apart, so a training run can tell a
broken verifier from a weak model.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.lean import UnsoundReason, Verdict, VerdictStatus, Verifier, VerifyRequest
from kimina_prover_rl.proof import (
    AnswerCheck,
    FeedbackConfig,
    FeedbackKind,
    FormatConfig,
    FormatError,
    check_answer,
    render_feedback,
)
from kimina_prover_rl.reward.batching import BatchingConfig, MicroBatcher

__all__ = ["RewardConfig", "RewardStats", "Sample", "ScoredSample", "Scorer"]

_FEEDBACK_KIND = {
    VerdictStatus.LEAN_ERROR: FeedbackKind.LEAN_ERROR,
    VerdictStatus.SORRY: FeedbackKind.SORRY,
    VerdictStatus.UNSOUND: FeedbackKind.UNSOUND,
    VerdictStatus.TIMEOUT: FeedbackKind.TIMEOUT,
    VerdictStatus.OOM: FeedbackKind.OUT_OF_MEMORY,
    VerdictStatus.REJECTED: FeedbackKind.REJECTED,
    VerdictStatus.CRASH: FeedbackKind.INFRASTRUCTURE,
    VerdictStatus.OVERLOADED: FeedbackKind.INFRASTRUCTURE,
    VerdictStatus.INFRA_ERROR: FeedbackKind.INFRASTRUCTURE,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardConfig:
    """How answers are checked and scored.

    ``format_score`` is the partial credit for a well-formed answer whose proof fails
    (0 by default: only valid proofs are rewarded). ``verify_format_failures`` also sends
    proofs whose answer broke a pure format rule to Lean, so ``acc`` measures proof
    validity alone (costs Lean time; useful for evaluation, not for training).
    """

    format: FormatConfig = field(default_factory=FormatConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    format_score: float = 0.0
    verify_format_failures: bool = False
    timeout_s: float | None = None
    batching: BatchingConfig = field(default_factory=BatchingConfig)

    def __post_init__(self) -> None:
        if not 0.0 <= self.format_score < 1.0:
            raise ConfigError(
                f"format_score must be in [0, 1) so a valid proof always scores more, "
                f"got {self.format_score}; use 0 to disable partial credit"
            )
        if self.timeout_s is not None and self.timeout_s <= 0:
            raise ConfigError(f"timeout_s must be positive or None, got {self.timeout_s}")


@dataclass(frozen=True, slots=True)
class Sample:
    """One model answer to score. ``messages`` are the earlier turns of the conversation."""

    formal_statement: str
    response: str
    id: str | None = None
    messages: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sample:
        """Read ``{"id", "formal_statement", "response", "messages"?}``; say what is wrong."""
        if not isinstance(data, Mapping):
            raise InputError(
                f'a sample must be an object with "formal_statement" and "response", '
                f"got {type(data).__name__}"
            )
        raw_id = data.get("id")
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int | None):
            raise InputError(
                f"sample id {raw_id!r} is a {type(raw_id).__name__}: "
                'pass a string or an integer as "id", or leave it out'
            )
        name = "a sample" if raw_id is None else f"sample {raw_id!r}"
        missing = [key for key in ("formal_statement", "response") if key not in data]
        if missing:
            raise InputError(
                f"{name} lacks {', '.join(missing)}; each sample needs "
                '"formal_statement" (the theorem given to the model) and "response" (its answer)'
            )
        for key in ("formal_statement", "response"):
            if not isinstance(data[key], str):
                raise InputError(
                    f"{name}: {key!r} must be a string, got {type(data[key]).__name__}; "
                    "pass the text itself"
                )
        messages = data.get("messages")
        if messages is None:
            messages = ()
        if not isinstance(messages, list | tuple) or not all(
            isinstance(m, Mapping) for m in messages
        ):
            raise InputError(
                f'{name}: \'messages\' must be a list of {{"role", "content"}} objects '
                f"(the conversation the model answered), got {str(messages)[:80]!r}"
            )
        return cls(
            formal_statement=data["formal_statement"],
            response=data["response"],
            id=None if raw_id is None else str(raw_id),
            messages=tuple(messages),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any], response: str) -> Sample:
        """The answer ``response`` to a prompt row (:class:`~kimina_prover_rl.data.rows.PromptRow`).

        The statement is ``extra_info.formal_statement`` (else ``reward_model.ground_truth``),
        the id ``extra_info.problem_id``, the conversation ``extra_info.messages`` (else the
        row's ``prompt``). Raises ``InputError`` when the row gives no statement.
        """
        extra = row.get("extra_info")
        extra = extra if isinstance(extra, Mapping) else {}
        statement = extra.get("formal_statement")
        if not isinstance(statement, str) or not statement.strip():
            reward_model = row.get("reward_model")
            if isinstance(reward_model, Mapping):
                statement = reward_model.get("ground_truth")
        if not isinstance(statement, str) or not statement.strip():
            raise InputError(
                f"row from {row.get('data_source')!r} with extra_info {str(extra)[:200]!r} has "
                "no formal_statement (extra_info.formal_statement or reward_model.ground_truth): "
                "prepare the data with `kimina-rl prepare`"
            )
        messages = extra.get("messages")
        if not isinstance(messages, list | tuple):
            messages = row.get("prompt")
        problem_id = extra.get("problem_id")
        return cls(
            formal_statement=statement,
            response=response,
            id=None if problem_id is None else str(problem_id),
            messages=tuple(messages) if isinstance(messages, list | tuple) else (),
        )


@dataclass(frozen=True, slots=True)
class ScoredSample:
    """The reward's answer for one sample (see the module docstring for the formula)."""

    id: str | None
    score: float
    acc: float
    format_error: FormatError | None
    detail: str
    status: VerdictStatus | None
    infra_failure: bool
    proof: str | None
    feedback: str | None
    verdict: Verdict | None = None

    @property
    def lean_messages(self) -> list[dict[str, Any]]:
        """Lean's messages for the proof, in the REPL's JSON shape."""
        return [] if self.verdict is None else [m.to_repl() for m in self.verdict.messages]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the ``kimina-rl score`` output line."""
        return {
            "id": self.id,
            "score": self.score,
            "acc": self.acc,
            "format_error": None if self.format_error is None else self.format_error.value,
            "detail": self.detail,
            "status": None if self.status is None else self.status.value,
            "infra_failure": self.infra_failure,
            "proof": self.proof,
            "lean_messages": self.lean_messages,
            "feedback": self.feedback,
        }


@dataclass(slots=True)
class RewardStats:
    """Running counts over everything a :class:`Scorer` scored (safe to share across threads).

    ``verified`` counts the samples whose proof reached the verifier; ``statuses`` counts
    verdicts by status, with ``not_verified`` for the rest.
    """

    samples: int = 0
    verified: int = 0
    score_sum: float = 0.0
    acc_sum: float = 0.0
    format_errors: Counter[FormatError] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    infra_failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, scored: ScoredSample) -> None:
        """Count one result."""
        with self._lock:
            self._add(scored)

    def _add(self, scored: ScoredSample) -> None:
        self.samples += 1
        self.verified += scored.status is not None
        self.score_sum += scored.score
        self.acc_sum += scored.acc
        if scored.format_error is not None:
            self.format_errors[scored.format_error] += 1
        self.statuses["not_verified" if scored.status is None else scored.status.value] += 1
        self.infra_failures += scored.infra_failure

    def to_dict(self) -> dict[str, Any]:
        """Counts and means as one consistent JSON-ready view (for logs and ``score``)."""
        with self._lock:
            return self._to_dict()

    def _to_dict(self) -> dict[str, Any]:
        n = max(self.samples, 1)
        return {
            "samples": self.samples,
            "verified": self.verified,
            "mean_score": self.score_sum / n,
            "mean_acc": self.acc_sum / n,
            "format_errors": {e.value: n for e, n in self.format_errors.most_common()},
            "statuses": dict(self.statuses.most_common()),
            "infra_failures": self.infra_failures,
        }


@dataclass(frozen=True, slots=True)
class _Plan:
    """A batch after the text checks: which samples go to Lean, with which requests."""

    checks: list[AnswerCheck]
    indices: list[int]
    requests: list[VerifyRequest]


class Scorer:
    """Scores samples through a :class:`~kimina_prover_rl.lean.Verifier`.

    ``await scorer.score_batch(samples)`` scores a batch in one verifier call;
    ``await scorer.score(sample)`` scores one, micro-batched with concurrent calls.
    """

    def __init__(self, verifier: Verifier, config: RewardConfig | None = None) -> None:
        self.config = config or RewardConfig()
        self.stats = RewardStats()
        self.verifier = verifier
        self._batcher: MicroBatcher | None = None
        self._earlier_batches = 0

    def __repr__(self) -> str:
        return f"<Scorer verifier={self.verifier!r} scored={self.stats.samples}>"

    @property
    def batches_sent(self) -> int:
        """How many verifier calls the concurrent :meth:`score` calls were grouped into."""
        current = 0 if self._batcher is None else self._batcher.batches_sent
        return self._earlier_batches + current

    async def score_batch(self, samples: Sequence[Sample]) -> list[ScoredSample]:
        """Score a batch; results in input order, one per sample."""
        plan = self._plan(samples)
        return self._finish(samples, plan, await self.verifier.verify(plan.requests))

    async def score(self, sample: Sample) -> ScoredSample:
        """Score one sample; concurrent calls share verifier batches."""
        check = self._check(sample)
        verdict = None
        if self._should_verify(check):
            verdict = await self._batcher_here().verify_one(self._request(sample, check))
        return self._combine(sample, check, verdict)

    def _batcher_here(self) -> MicroBatcher:
        """The running loop's batcher (a new loop, e.g. a later ``asyncio.run``, gets its own)."""
        if self._batcher is None or self._batcher.loop is not asyncio.get_running_loop():
            if self._batcher is not None:
                self._earlier_batches += self._batcher.batches_sent
            self._batcher = MicroBatcher(self.verifier, self.config.batching)
        return self._batcher

    async def aclose(self) -> None:
        """Flush pending single-sample calls (the verifier is the caller's to close)."""
        if self._batcher is not None and self._batcher.loop is asyncio.get_running_loop():
            await self._batcher.aclose()

    def _plan(self, samples: Sequence[Sample]) -> _Plan:
        checks = [self._check(sample) for sample in samples]
        indices = [i for i, check in enumerate(checks) if self._should_verify(check)]
        return _Plan(checks, indices, [self._request(samples[i], checks[i]) for i in indices])

    def _finish(
        self, samples: Sequence[Sample], plan: _Plan, verdicts: Sequence[Verdict]
    ) -> list[ScoredSample]:
        by_index = dict(zip(plan.indices, verdicts, strict=True))
        return [
            self._combine(sample, check, by_index.get(i))
            for i, (sample, check) in enumerate(zip(samples, plan.checks, strict=True))
        ]

    def _check(self, sample: Sample) -> AnswerCheck:
        return check_answer(sample.formal_statement, sample.response, self.config.format)

    def _should_verify(self, check: AnswerCheck) -> bool:
        return check.proof is not None and (check.ok or self.config.verify_format_failures)

    def _request(self, sample: Sample, check: AnswerCheck) -> VerifyRequest:
        assert check.proof is not None
        return VerifyRequest(
            code=check.proof,
            id=sample.id,
            timeout_s=self.config.timeout_s,
            allow_native_decide=self.config.format.allow_native_decide,
            formal_statement=sample.formal_statement,
        )

    def _combine(self, sample: Sample, check: AnswerCheck, verdict: Verdict | None) -> ScoredSample:
        valid = verdict is not None and verdict.is_valid
        if check.ok and valid:
            score = 1.0
        elif check.ok:
            score = self.config.format_score
        else:
            score = 0.0
        status = None if verdict is None else verdict.status
        scored = ScoredSample(
            id=sample.id,
            score=score,
            acc=1.0 if valid else 0.0,
            format_error=check.format_error,
            detail=check.detail or ("" if verdict is None else verdict.detail),
            status=status,
            infra_failure=status is not None and status.is_infrastructure,
            proof=check.proof,
            feedback=self._feedback(check, verdict),
            verdict=verdict,
        )
        self.stats.add(scored)
        return scored

    def _feedback(self, check: AnswerCheck, verdict: Verdict | None) -> str | None:
        if verdict is None or verdict.is_valid or check.proof is None:
            return None
        response = verdict.response
        if response is None and verdict.messages:
            response = {"messages": [m.to_repl() for m in verdict.messages]}
        return render_feedback(
            check.proof,
            response,
            kind=_feedback_kind(verdict),
            detail=verdict.detail,
            config=self.config.feedback,
        )


def _feedback_kind(verdict: Verdict) -> FeedbackKind:
    """The feedback for ``verdict``: a statement Lean elaborated differently has its own."""
    if verdict.unsound_reason is UnsoundReason.STATEMENT:
        return FeedbackKind.STATEMENT_CHANGED
    return _FEEDBACK_KIND[verdict.status]
