"""`kimina-rl score`: the reward for every answer in a JSON Lines file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kimina_prover_rl.cli._app import (
    app,
    exit_interrupted,
    exit_with_error,
    report_infrastructure_failures,
)
from kimina_prover_rl.cli._format_options import with_format_options
from kimina_prover_rl.cli._jsonl import (
    OrderedWriter,
    OutputPath,
    exit_without_records,
    open_output,
    progress_bar,
    read_jsonl,
    stderr_console,
)
from kimina_prover_rl.cli._verifier_options import with_verifier_options
from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.reward import RewardConfig, RewardStats, Sample, Scorer

if TYPE_CHECKING:
    from kimina_prover_rl.lean import VerifierSettings
    from kimina_prover_rl.proof import FormatConfig

__all__ = ["score"]

_CONCURRENCY = 1024


@app.command("score")
@with_verifier_options()
@with_format_options()
def score(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT.jsonl",
            help='One JSON object per line: {"id", "formal_statement", "response", "messages"?}.',
        ),
    ],
    *,
    output: OutputPath = None,
    format_score: Annotated[
        float,
        typer.Option(
            help="Partial credit for a well-formed answer whose proof fails (0 = off).",
            min=0.0,
            max=0.999,
        ),
    ] = 0.0,
    verify_format_failures: Annotated[
        bool,
        typer.Option(
            "--verify-format-failures",
            help="Also send proofs of badly formatted answers to Lean, so `acc` measures "
            "proof validity alone (costs Lean time).",
        ),
    ] = False,
    verifier_options: VerifierSettings,
    format_options: FormatConfig,
) -> None:
    """Score model answers: format × statement intact × Lean accepts the proof.

    Each input line `{"id", "formal_statement", "response"}` becomes one output line, in
    input order:

    `{"id", "score", "acc", "format_error", "detail", "status", "infra_failure", "proof",
    "lean_messages", "feedback"}`

    `score` is 1.0 only for a well-formed answer whose proof of the untouched statement
    Lean accepts with no sorry and only standard axioms; `acc` is the proof's validity
    alone (for pass@k). `status` is the verdict (null when the answer never reached Lean);
    `infra_failure` marks verdicts that are the verifier's fault, not the model's.
    `feedback` is the error-correction text for failed proofs. A line that is not a valid
    record becomes `{"id", "error": "<message>"}`. A summary (counts per format error and
    per verdict) goes to stderr at the end.

    Exit status (the rule of every batch command): 0 when every line was answered and at
    least one was a valid record; 2 for a bad option, an unreadable input or output, `-o`
    naming the input itself, or an input without a valid record (empty, or every line an
    error: each still gets its error line); 1 when the verifier failed on every
    proof sent to it (for example no Lean project: see `--project-dir`); 130 after Ctrl-C
    (the lines already written stay). INPUT `-` reads stdin.

    Examples:

    `kimina-rl score answers.jsonl -o scores.jsonl --project-dir ~/lean/mathlib-project`

    `kimina-rl score answers.jsonl --backend standin` (simulated Lean, for a dry run)
    """
    outcome = _Outcome()
    records: list[dict[str, Any] | InputError] = []
    try:
        config = RewardConfig(
            format=format_options,
            format_score=format_score,
            verify_format_failures=verify_format_failures,
            timeout_s=verifier_options.timeout_s,
        )
        records = read_jsonl(input_path, output=output)
        asyncio.run(_score_all(records, output, config, verifier_options, outcome))
    except (ConfigError, InputError) as exc:
        raise exit_with_error(exc) from exc
    except KeyboardInterrupt:
        raise exit_interrupted(outcome.written, len(records), output) from None
    _print_summary(outcome)
    stats = outcome.stats
    exit_without_records(
        input_path,
        stats.samples,
        outcome.unreadable,
        outcome.first_unreadable,
        '{"id", "formal_statement", "response"}',
    )
    report_infrastructure_failures(
        stats.infra_failures, stats.verified, outcome.first_infra, blamed="model"
    )


def _sample(record: dict[str, Any] | InputError, number: int) -> Sample | dict[str, Any]:
    """The sample a record holds, or the error line that replaces it."""
    if isinstance(record, InputError):
        return {"id": None, "error": str(record)}
    try:
        return Sample.from_dict(record)
    except InputError as exc:
        return {"id": _plain_id(record), "error": f"record {number}: {exc}"}


def _plain_id(record: dict[str, Any]) -> Any:
    """The record's ``id`` as given (a string or a number), else None."""
    raw = record.get("id")
    return raw if isinstance(raw, str | int | float | None) else None


async def _score_all(
    records: list[dict[str, Any] | InputError],
    output: Path | None,
    config: RewardConfig,
    options: VerifierSettings,
    outcome: _Outcome,
) -> None:
    """Score every record concurrently; lines are written in input order as they complete."""
    from kimina_prover_rl.lean import open_verifier

    samples: list[tuple[int, Sample, Any]] = []
    lines: list[tuple[int, dict[str, Any]]] = []
    for number, record in enumerate(records, start=1):
        sample = _sample(record, number)
        if isinstance(sample, Sample):
            assert not isinstance(record, InputError)
            samples.append((number - 1, sample, _plain_id(record)))
        else:
            lines.append((number - 1, sample))
    outcome.unreadable = len(lines)
    if lines:
        outcome.first_unreadable = str(lines[0][1]["error"])
    limit = asyncio.Semaphore(_CONCURRENCY)
    with open_output(output) as stream, progress_bar() as bar:
        task = bar.add_task("scoring", total=len(records))
        writer = OrderedWriter(stream, len(records))
        outcome.writer = writer
        for position, line in lines:
            writer.put(position, line)
        bar.advance(task, len(lines))
        async with open_verifier(options) as verifier:
            scorer = Scorer(verifier, config)
            outcome.stats = scorer.stats

            async def one(position: int, sample: Sample, raw_id: Any) -> None:
                async with limit:
                    scored = await scorer.score(sample)
                if scored.infra_failure and outcome.first_infra is None:
                    outcome.first_infra = scored.detail
                writer.put(position, {**scored.to_dict(), "id": raw_id})
                bar.advance(task)

            try:
                async with asyncio.TaskGroup() as group:
                    for position, sample, raw_id in samples:
                        group.create_task(one(position, sample, raw_id))
            finally:
                await scorer.aclose()


@dataclass(slots=True)
class _Outcome:
    """What the summary reports: the scorer's counts, unreadable lines (and the first
    one's error), an infrastructure failure's detail."""

    stats: RewardStats = field(default_factory=RewardStats)
    unreadable: int = 0
    first_unreadable: str | None = None
    first_infra: str | None = None
    writer: OrderedWriter | None = None

    @property
    def written(self) -> int:
        """How many output lines are written (all of them unless interrupted)."""
        return 0 if self.writer is None else self.writer.written


def _print_summary(outcome: _Outcome) -> None:
    stats = outcome.stats
    summary = stats.to_dict()
    stderr_console.print(
        f"scored {stats.samples} answers: mean score {summary['mean_score']:.3f}, "
        f"mean acc {summary['mean_acc']:.3f}, infrastructure failures {stats.infra_failures}"
        + (f", unreadable lines {outcome.unreadable}" if outcome.unreadable else ""),
        markup=False,
        highlight=False,
    )
    for title, counts in (
        ("format errors", summary["format_errors"]),
        ("verdicts", summary["statuses"]),
    ):
        text = ", ".join(f"{name}: {n}" for name, n in counts.items()) or "none"
        stderr_console.print(f"  {title}: {text}", markup=False, highlight=False)
