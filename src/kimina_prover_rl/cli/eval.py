"""`kimina-rl eval`: true pass@k of a model on a prompt set, with correction rounds."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from kimina_prover_rl.cli._app import app, exit_with_error, stderr_console
from kimina_prover_rl.cli._format_options import with_format_options
from kimina_prover_rl.cli._jsonl import progress_bar
from kimina_prover_rl.cli._verifier_options import with_verifier_options
from kimina_prover_rl.errors import ConfigError

if TYPE_CHECKING:
    from kimina_prover_rl.data import PromptSource
    from kimina_prover_rl.eval import EvalJob, EvalProblem, EvalSummary, SampleRecord
    from kimina_prover_rl.lean import VerifierSettings
    from kimina_prover_rl.proof import FormatConfig

__all__ = ["evaluate"]

_MODEL = "Model"
_SAMPLING = "Sampling"


@app.command("eval")
@with_verifier_options()
@with_format_options()
def evaluate(
    *,
    model: Annotated[
        str,
        typer.Option(
            help="Served model name (openai), a local folder / hub id (vllm, hf), or an "
            "answers .jsonl (replay).",
            rich_help_panel=_MODEL,
        ),
    ],
    dataset: Annotated[
        str,
        typer.Option(
            metavar="SRC",
            help="Problems: a hub id such as AI-MO/minif2f_test, or a local .jsonl/.parquet.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR", help="Output folder; rerunning with the same settings resumes it."
        ),
    ],
    split: Annotated[str, typer.Option(help="Split of a hub dataset.")] = "train",
    columns: Annotated[
        str | None,
        typer.Option(help="Column mapping for other layouts, e.g. id=name,informal=problem."),
    ] = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Samples per problem.")] = 32,
    k: Annotated[str, typer.Option("--k", help="The ks of pass@k, comma-separated.")] = "1,8,32",
    rounds: Annotated[
        int,
        typer.Option(
            min=1, help="Turns per sample: 1 + error-correction rounds with Lean's feedback."
        ),
    ] = 1,
    train_set: Annotated[
        str | None,
        typer.Option(
            metavar="SRC",
            help="Report how many evaluated problems this training set contains.",
        ),
    ] = None,
    train_split: Annotated[str, typer.Option(help="Split of a hub --train-set.")] = "train",
    generator: Annotated[
        Literal["openai", "vllm", "hf", "replay"],
        typer.Option(
            help="`openai`: any OpenAI-compatible server at --base-url. `vllm`: vLLM's "
            "offline engine on local GPUs. `hf`: transformers (small models, CPU). "
            "`replay`: no model; --model is a JSON Lines file of answers you already have, "
            '{"formal_statement", "response"} per line (--rounds 1).',
            rich_help_panel=_MODEL,
        ),
    ] = "openai",
    base_url: Annotated[
        str | None,
        typer.Option(
            envvar="OPENAI_BASE_URL",
            help="API root of the server, e.g. http://localhost:8000/v1.",
            rich_help_panel=_MODEL,
        ),
    ] = None,
    openai_api_key: Annotated[
        str | None,
        typer.Option(
            envvar="OPENAI_API_KEY", help="Bearer token for the server.", rich_help_panel=_MODEL
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Requests in flight (openai).", rich_help_panel=_MODEL)
    ] = 64,
    request_timeout: Annotated[
        float,
        typer.Option(metavar="S", help="Per-request limit (openai).", rich_help_panel=_MODEL),
    ] = 600.0,
    retries: Annotated[
        int,
        typer.Option(
            min=0,
            help="Retries of a failed request, with backoff (openai).",
            rich_help_panel=_MODEL,
        ),
    ] = 4,
    device: Annotated[
        str | None, typer.Option(help="Device for --generator hf.", rich_help_panel=_MODEL)
    ] = None,
    tensor_parallel_size: Annotated[
        int, typer.Option(min=1, help="GPUs per model (vllm).", rich_help_panel=_MODEL)
    ] = 1,
    temperature: Annotated[float, typer.Option(min=0.0, rich_help_panel=_SAMPLING)] = 1.0,
    top_p: Annotated[float, typer.Option(rich_help_panel=_SAMPLING)] = 0.95,
    max_tokens: Annotated[
        int, typer.Option(min=1, help="Tokens per answer.", rich_help_panel=_SAMPLING)
    ] = 8192,
    seed: Annotated[int, typer.Option(help="Base seed.", rich_help_panel=_SAMPLING)] = 0,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Answers generated and checked per batch.")
    ] = 64,
    verifier_options: VerifierSettings,
    format_options: FormatConfig,
) -> None:
    """Evaluate a model: true pass@k, optionally with error-correction rounds.

    Samples `--n` answers per problem (the training prompt, the model's own chat
    template), scores each with the training reward (format × statement intact × Lean
    accepts the proof), and with `--rounds R` gives each failed answer up to R-1 more
    turns with Lean's feedback. pass@k is the unbiased estimator 1 - C(n-c,k)/C(n,k) per
    problem, averaged, reported after each round.

    Writes into `--out`: `samples.jsonl` (every answer and verdict, appended as they
    finish), `summary.json` (pass@k, breakdowns, reproducibility metadata), `summary.md`
    and PNG plots. Rerunning the same command resumes: finished answers are skipped,
    answers hit by infrastructure failures are retried; other settings are refused.

    Exit status: 0 when every problem is complete, 1 when a backend failed (the model
    server, or Lean: those problems are listed, not counted as unsolved; rerun to retry),
    2 for bad options or input.

    Examples:

    `kimina-rl eval --model AI-MO/Kimina-Prover-RL-1.7B --base-url http://localhost:8000/v1
    --dataset AI-MO/minif2f_test --n 32 --k 1,8,32 --rounds 2 --out runs/minif2f
    --project-dir ~/lean/mathlib-project`

    `kimina-rl eval --generator hf --model ./tiny-model --dataset problems.jsonl --n 4
    --k 1,4 --out /tmp/ev --backend standin` (simulated Lean, for a dry run)

    `kimina-rl eval --generator replay --model answers.jsonl --dataset problems.jsonl --n 1
    --k 1 --out /tmp/ev --project-dir ~/lean/mathlib-project` (answers you already have)
    """
    from kimina_prover_rl.data import PromptTemplate, load_prompt_source, parse_columns
    from kimina_prover_rl.eval import (
        EvalConfig,
        GeneratorOptions,
        SamplingConfig,
        eval_problems,
        parse_ks,
    )
    from kimina_prover_rl.eval import job as eval_job
    from kimina_prover_rl.reward import RewardConfig

    try:
        ks = parse_ks(k, n)
        config = EvalConfig(
            n=n,
            rounds=rounds,
            seed=seed,
            batch_size=batch_size,
            sampling=SamplingConfig(temperature=temperature, top_p=top_p, max_tokens=max_tokens),
        )
        if generator == "replay" and rounds > 1:
            raise ConfigError(
                "--generator replay has first answers only: pass --rounds 1 (correction "
                "rounds need a model)"
            )
        model_options = GeneratorOptions(
            kind=generator,
            model=model,
            base_url=base_url,
            api_key=openai_api_key,
            max_concurrency=concurrency,
            request_timeout_s=request_timeout,
            retries=retries,
            device=device,
            engine_options={"tensor_parallel_size": tensor_parallel_size, "seed": seed},
        )
        reward = RewardConfig(format=format_options, timeout_s=verifier_options.timeout_s)
    except ConfigError as exc:
        raise exit_with_error(exc) from exc
    template = PromptTemplate()
    source = load_prompt_source(
        dataset, split=split, columns=parse_columns(columns) if columns else None
    )
    problems, skipped = eval_problems(list(source.problems), label=source.label, template=template)
    if not problems:
        raise exit_with_error(
            ConfigError(
                f"{dataset}: none of its {len(source.problems)} rows has a formal statement; "
                "map the statement column with --columns formal_statement=COLUMN"
            )
        )
    if skipped:
        stderr_console.print(
            f"warning: {len(skipped)} rows have no formal statement and are skipped "
            f"(first: {skipped[0]})",
            markup=False,
            style="yellow",
        )
    job = eval_job.EvalJob(
        problems=problems,
        source=source,
        template=template,
        model=model_options,
        reward=reward,
        verifier=verifier_options,
        config=config,
        ks=ks,
        out=out,
        skipped=skipped,
        contamination=_contamination(source, problems, train_set, train_split),
    )
    summary = asyncio.run(_run(job))
    _print_result(summary.figures, out)
    if summary.failure is not None:
        raise exit_with_error(summary.failure, code=1)
    if summary.incomplete:
        raise typer.Exit(1)


async def _run(job: EvalJob) -> EvalSummary:
    """:func:`run_job` with a progress bar (solved problems per round) and messages."""
    from kimina_prover_rl.eval import run_job

    solved: set[str] = set()
    total = len(job.problems)
    with progress_bar() as bar:
        task = bar.add_task("generating", total=0)

        def on_start(resumed: bool) -> None:
            if resumed:
                stderr_console.print(f"resuming the evaluation in {job.out}", markup=False)

        def on_round(round_: int, tasks: int) -> None:
            bar.reset(
                task, total=tasks, description=f"round {round_}: solved {len(solved)}/{total}"
            )

        def on_record(record: SampleRecord) -> None:
            if record.solved:
                solved.add(record.problem_id)
            bar.update(
                task, advance=1, description=f"round {record.round}: solved {len(solved)}/{total}"
            )

        def on_warning(message: str) -> None:
            stderr_console.print(f"warning: {message}", markup=False, style="yellow")

        return await run_job(
            job,
            on_start=on_start,
            on_round=on_round,
            on_record=on_record,
            on_warning=on_warning,
        )


def _contamination(
    source: PromptSource, problems: list[EvalProblem], train_set: str | None, train_split: str
) -> dict[str, Any] | None:
    """How many evaluated problems the training set states too (None without --train-set)."""
    if train_set is None:
        return None
    from kimina_prover_rl.data import Problem, decontaminate, load_prompt_source

    train = load_prompt_source(train_set, split=train_split)
    evaluated = [Problem(p.id, p.formal_statement, "") for p in problems]
    _, found = decontaminate(evaluated, train.problems)
    stderr_console.print(
        f"contamination: {len(found)} of {len(problems)} problems of {source.spec} are in "
        f"the training set {train_set}",
        markup=False,
        style="yellow" if found else None,
    )
    return {
        "train_set": train_set,
        "train_rows": len(train.problems),
        "train_sha256": train.describe()["content_sha256"],
        "contaminated": len(found),
        "problems": [{"id": c.train_id, "train_id": c.reference_id} for c in found],
    }


def _print_result(summary: dict[str, Any], out: Path) -> None:
    for r in summary["rounds"]:
        values = ", ".join(
            f"pass@{k} {'-' if v is None else f'{100 * v:.2f}%'}" for k, v in r["pass_at_k"].items()
        )
        stderr_console.print(
            f"round {r['round']}: {values}; solved {r['solved_problems']}/{summary['problems']}"
            + (f"; {len(r['incomplete_problems'])} incomplete" if r["incomplete_problems"] else ""),
            markup=False,
            highlight=False,
        )
    incomplete = summary["rounds"][-1]["incomplete_problems"]
    if incomplete:
        failure = next(
            (r["first_backend_failure"] for r in summary["rounds"] if r["first_backend_failure"]),
            "a round was not finished",
        )
        stderr_console.print(
            f"warning: {len(incomplete)} problems are incomplete because a backend failed "
            f"(first problem: {incomplete[0]}; first failure: {failure}); they are not "
            "counted as unsolved. Rerun the same command to retry them",
            markup=False,
            style="yellow",
        )
    stderr_console.print(f"results in {out}", markup=False, highlight=False)
