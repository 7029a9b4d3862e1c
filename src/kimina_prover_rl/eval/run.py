"""One evaluation: sample ``n`` answers per problem, score them, correct the failures.

Round 1 answers the prompt (the training prompt, rendered by ``data.prepare.prompt_rows``);
round ``r`` answers the conversation so far plus the correction turn that the shared
reward code (``reward.correction_for``) wrote for round ``r-1``'s failure. Answers are
scored by ``reward.Scorer``, the same code as the training reward, so an evaluation and
a training run can never disagree about an answer.

Work goes in batches (``batch_size`` requests; two in flight, so Lean checks one batch
while the model writes the next) and every result is appended to the
:class:`~kimina_prover_rl.eval.store.SampleStore` as soon as it is known. A rerun skips
what is done: answers whose generation or verification hit an infrastructure failure are
retried, and an answer that was generated but never judged is only re-scored.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kimina_prover_rl.data import Problem, PromptTemplate
from kimina_prover_rl.data.prepare import prompt_rows
from kimina_prover_rl.errors import ConfigError, GenerationError
from kimina_prover_rl.eval.generator import (
    Generation,
    GenerationRequest,
    Generator,
    SamplingConfig,
)
from kimina_prover_rl.eval.store import SampleKey, SampleRecord, SampleStore
from kimina_prover_rl.reward import (
    CorrectionPrompt,
    CorrectionSettings,
    Sample,
    ScoredSample,
    Scorer,
)
from kimina_prover_rl.reward import correction_for as _correction_for

__all__ = ["EvalConfig", "EvalProblem", "eval_problems", "run_evaluation"]

_IN_FLIGHT_BATCHES = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalConfig:
    """What is sampled: ``n`` answers per problem, up to ``rounds`` turns each.

    ``correction`` supplies the revision request and the feedback limit; its
    ``max_turns`` is replaced by ``rounds``.
    """

    n: int = 32
    rounds: int = 1
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    seed: int = 0
    batch_size: int = 64
    correction: CorrectionSettings = field(default_factory=CorrectionSettings)

    def __post_init__(self) -> None:
        for name in ("n", "rounds", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}={value!r} must be a positive integer (--{name})")

    def to_dict(self) -> dict[str, Any]:
        """What the samples depend on (``rounds`` excluded: more rounds extend a run)."""
        return {
            "n": self.n,
            "seed": self.seed,
            "sampling": self.sampling.to_dict(),
            "correction_template": self.correction.template,
            "max_feedback_chars": self.correction.max_feedback_chars,
        }


@dataclass(frozen=True, slots=True)
class EvalProblem:
    """One problem as evaluated: the statement Lean checks and the first-turn messages."""

    id: str
    formal_statement: str
    messages: tuple[Mapping[str, str], ...]
    source: str


def eval_problems(
    problems: Sequence[Problem], *, label: str, template: PromptTemplate
) -> tuple[list[EvalProblem], list[str]]:
    """The problems with a statement, as the training prompts render them; and the rest's ids.

    Ids must be unique: results are keyed by them.
    """
    usable = [p for p in problems if p.formal_statement.strip()]
    seen: set[str] = set()
    for p in usable:
        if p.id in seen:
            raise ConfigError(
                f"problem id {p.id!r} occurs twice in the dataset; results are keyed by id, "
                "so map a unique column with --columns id=COLUMN"
            )
        seen.add(p.id)
    rows = prompt_rows(usable, split="eval", label=label, template=template)
    out = [
        EvalProblem(
            id=row["extra_info"]["problem_id"],
            formal_statement=row["extra_info"]["formal_statement"],
            messages=tuple({"role": m["role"], "content": m["content"]} for m in row["prompt"]),
            source=row["data_source"],
        )
        for row in rows
    ]
    return out, [p.id for p in problems if not p.formal_statement.strip()]


@dataclass(frozen=True, slots=True)
class _Task:
    """One answer to produce (or, when ``generation`` is known, only to score)."""

    problem: EvalProblem
    sample: int
    round: int
    messages: tuple[Mapping[str, str], ...]
    generation: Generation | None = None


async def run_evaluation(
    problems: Sequence[EvalProblem],
    generator: Generator,
    scorer: Scorer,
    store: SampleStore,
    config: EvalConfig,
    *,
    on_round: Callable[[int, int], None] | None = None,
    on_record: Callable[[SampleRecord], None] | None = None,
) -> dict[SampleKey, SampleRecord]:
    """Run every round; returns the latest record per ``(problem, sample, round)``.

    ``on_round(round, tasks)`` is called when a round starts, ``on_record`` for each
    result as it is stored. Raises ``GenerationError`` when a whole batch of generations
    failed (the server is down), after the batches already running are scored and
    stored; nothing new is started.
    """
    records = store.load()
    correction = replace(config.correction, max_turns=config.rounds)
    limit = asyncio.Semaphore(_IN_FLIGHT_BATCHES)
    failures: list[GenerationError] = []

    async def batch(chunk: list[_Task]) -> None:
        async with limit:
            if failures:
                return  # the backend is down: start nothing new, let running batches finish
            try:
                done = await _run_batch(chunk, generator, scorer, config, correction)
            except GenerationError as exc:
                failures.append(exc)
                return
        store.append(done)
        for record in done:
            records[record.key] = record
            if on_record is not None:
                on_record(record)

    for round_ in range(1, config.rounds + 1):
        tasks = _pending(problems, records, config.n, round_)
        if on_round is not None:
            on_round(round_, len(tasks))
        async with asyncio.TaskGroup() as group:
            for start in range(0, len(tasks), config.batch_size):
                group.create_task(batch(tasks[start : start + config.batch_size]))
        if failures:
            raise failures[0]
    return records


def _pending(
    problems: Sequence[EvalProblem],
    records: Mapping[SampleKey, SampleRecord],
    n: int,
    round_: int,
) -> list[_Task]:
    """The answers round ``round_`` still needs, in problem order."""
    tasks: list[_Task] = []
    for problem in problems:
        for sample in range(n):
            earlier = [records.get((problem.id, sample, r)) for r in range(1, round_)]
            if any(r is None or r.unknown or r.correction is None for r in earlier):
                continue  # not reached: the chain stopped or an earlier turn is unresolved
            messages = list(problem.messages)
            for r in earlier:
                assert r is not None
                assert r.correction is not None
                messages += [
                    {"role": "assistant", "content": r.response},
                    {"role": "user", "content": r.correction},
                ]
            current = records.get((problem.id, sample, round_))
            if current is not None and not current.unknown:
                continue
            known = None
            if current is not None and current.generation_error is None:
                known = Generation(text=current.response, finish_reason=current.finish_reason)
            tasks.append(_Task(problem, sample, round_, tuple(messages), known))
    return tasks


async def _run_batch(
    tasks: Sequence[_Task],
    generator: Generator,
    scorer: Scorer,
    config: EvalConfig,
    correction: CorrectionSettings,
) -> list[SampleRecord]:
    """Generate what is missing, score every answer, and build the records."""
    missing = [t for t in tasks if t.generation is None]
    requests = [GenerationRequest(t.messages, _seed(config.seed, t)) for t in missing]
    fresh = await generator.generate(requests, config.sampling) if requests else []
    if len(fresh) != len(requests):
        raise GenerationError(
            f"the generator returned {len(fresh)} completions for {len(requests)} requests; "
            "this is a bug in the generation backend"
        )
    if fresh and all(g.error is not None for g in fresh):
        raise GenerationError(
            f"all {len(fresh)} generation requests of a batch failed; the first said: "
            f"{fresh[0].error}. Fix the model backend and rerun the same command: finished "
            "samples are kept and skipped"
        )
    new = iter(fresh)
    generations = [t.generation or next(new) for t in tasks]
    scorable = [i for i, g in enumerate(generations) if g.error is None]
    samples = [
        Sample(
            formal_statement=tasks[i].problem.formal_statement,
            response=generations[i].text,
            id=f"{tasks[i].problem.id}#{tasks[i].sample}@{tasks[i].round}",
            messages=tasks[i].messages,
        )
        for i in scorable
    ]
    scored = await scorer.score_batch(samples)
    records = [_failed_generation(t, g) for t, g in zip(tasks, generations, strict=True)]
    for i, sample, result in zip(scorable, samples, scored, strict=True):
        records[i] = _scored_record(tasks[i], generations[i], sample, result, correction)
    return records


def _scored_record(
    task: _Task,
    generation: Generation,
    sample: Sample,
    result: ScoredSample,
    correction: CorrectionSettings,
) -> SampleRecord:
    """The record of a judged answer, with the correction turn the reward code wrote."""
    turn = _correction_for(sample, result, turn=task.round, config=correction)
    prompt = turn if isinstance(turn, CorrectionPrompt) else None
    return SampleRecord(
        problem_id=task.problem.id,
        sample=task.sample,
        round=task.round,
        response=generation.text,
        finish_reason=generation.finish_reason,
        generation_error=None,
        score=result.score,
        acc=result.acc,
        format_error=result.format_error,
        status=None if result.status is None else result.status.value,
        infra_failure=result.infra_failure,
        detail=result.detail,
        feedback=result.feedback,
        correction=None if prompt is None else prompt.messages[-1]["content"],
        skip=None if prompt is not None or result.infra_failure else str(turn),
    )


def _failed_generation(task: _Task, generation: Generation) -> SampleRecord:
    return SampleRecord(
        problem_id=task.problem.id,
        sample=task.sample,
        round=task.round,
        response="",
        finish_reason=None,
        generation_error=generation.error,
        score=0.0,
        acc=0.0,
        format_error=None,
        status=None,
        infra_failure=False,
        detail=f"generation failed: {generation.error}",
        feedback=None,
        correction=None,
        skip=None,
    )


def _seed(seed: int, task: _Task) -> int:
    """A per-answer seed: the same answer gets the same seed in every rerun."""
    text = f"{seed}/{task.problem.id}/{task.sample}/{task.round}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") & 0x7FFFFFFF
