"""`kimina-rl dry-run`: the whole training loop on CPU, offline, with TRL and plots."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.cli._verifier_options import with_verifier_options

if TYPE_CHECKING:
    from kimina_prover_rl.lean import VerifierSettings
    from kimina_prover_rl.trl import DryRunSummary

__all__ = ["dry_run"]

_PANEL = "Training"
_SIMULATED = (
    "NOTE: Lean is SIMULATED in this run (stand-in REPL): rewards check the answer format, "
    "the statement, sorry and closed arithmetic, no other mathematics. Pass "
    "--project-dir/--repl-cmd or --backend remote for real Lean."
)
_REAL = "Lean checks every proof in this run ({backend} backend)."

console = Console(highlight=False)


def _opt(default: Any, help: str, **kwargs: Any) -> Any:
    return typer.Option(default, help=help, rich_help_panel=_PANEL, **kwargs)


@app.command("dry-run")
@with_verifier_options(without_lean="standin")
def dry_run(
    *,
    steps: Annotated[int, _opt(..., "GRPO steps.", min=1)] = 80,
    out: Annotated[Path, _opt(..., "Run folder: metrics, plots, checkpoints, model.")] = Path(
        "out/dry-run"
    ),
    model: Annotated[
        Path | None,
        _opt(
            ...,
            "A local Hugging Face causal LM folder [default: the built-in tiny model].",
            metavar="PATH",
        ),
    ] = None,
    dataset: Annotated[
        Path | None,
        _opt(
            ...,
            "A prepared .parquet/.jsonl, or a `kimina-rl prepare` folder "
            "[default: the built-in problem set].",
            metavar="SRC",
        ),
    ] = None,
    warmup_steps: Annotated[
        int, _opt(..., "Supervised warm-up steps, on a weak prover's answers (0 skips it).", min=0)
    ] = 400,
    prompts_per_step: Annotated[int, _opt(..., "Prompts per GRPO step.", min=1)] = 4,
    num_generations: Annotated[int, _opt(..., "Answers sampled per prompt.", min=2)] = 4,
    max_completion_length: Annotated[int, _opt(..., "Tokens per answer at most.", min=1)] = 192,
    learning_rate: Annotated[float, _opt(..., "GRPO learning rate.", min=0.0)] = 2e-4,
    temperature: Annotated[
        float,
        _opt(
            ...,
            "Sampling temperature. Below GRPO's usual 1.0 because the warmed-up tiny model "
            "at 1.0 breaks the format in two answers of three (one in three at 0.7), mostly "
            "by garbling the statement; use 1.0 with a real model.",
            min=0.01,
        ),
    ] = 0.7,
    correction_rate: Annotated[
        float,
        _opt(
            ..., "Share of prompt slots served from the error-correction cache.", min=0.0, max=1.0
        ),
    ] = 0.25,
    validate_every: Annotated[
        int,
        _opt(
            ...,
            "Validate before training and every N GRPO steps: best@k on the held-out "
            "built-in problems before and after one correction turn (0: never).",
            min=0,
        ),
    ] = 20,
    validate_k: Annotated[int, _opt(..., "Answers per validation problem (best@k).", min=1)] = 4,
    save_steps: Annotated[int, _opt(..., "Checkpoint every N steps.", min=1)] = 10,
    seed: Annotated[int, _opt(..., "Seed of the warm-up, sampling and cache.")] = 0,
    resume: Annotated[
        bool, _opt(..., "Continue the run in --out from its last checkpoint.")
    ] = False,
    verifier_options: VerifierSettings,
) -> None:
    """Train a prover for a few minutes on CPU: the whole loop, offline, with plots.

    prompts → sampled answers → format checks → Lean verdicts → rewards → GRPO update
    (TRL) → failed answers become error-correction prompts served in later batches →
    `OUT/metrics.jsonl` and PNG plots in `OUT/plots/`. A short supervised warm-up comes
    first: it makes the model a weak prover (known proofs, and answers with a sorry gap, a
    false drafted value or a format slip), so that GRPO learns from the reward which of
    its answers check: format errors fall and the reward rises.

    Lean: a real project with `--project-dir` (and `--repl-cmd`), a server with `--url` or
    `LEAN_SERVER_API_URL`; with neither, `--backend auto` (the default) runs the stand-in
    REPL here, announced in the first and last lines and in `OUT/summary.json`. `--resume`
    continues from the newest checkpoint (model, optimizer, correction cache, metrics).

    Examples:

    `kimina-rl dry-run` (built-in tiny model and problems, simulated Lean)

    `kimina-rl dry-run --model ~/models/my-sft --dataset data/ --project-dir ~/lean/proj`
    """
    from kimina_prover_rl.trl import DryRunConfig, ValidationConfig, WarmupConfig, run_dry_run
    from kimina_prover_rl.trl.run import DRY_RUN_CORRECTION

    config = DryRunConfig(
        out=out,
        steps=steps,
        model=model,
        dataset=dataset,
        verifier=verifier_options,
        warmup=WarmupConfig(steps=warmup_steps, seed=seed),
        validation=ValidationConfig(every=validate_every, k=validate_k),
        prompts_per_step=prompts_per_step,
        num_generations=num_generations,
        max_completion_length=max_completion_length,
        learning_rate=learning_rate,
        temperature=temperature,
        correction=replace(DRY_RUN_CORRECTION, rate=correction_rate, seed=seed),
        save_steps=save_steps,
        seed=seed,
        resume=resume,
    )
    banner = (
        _SIMULATED if verifier_options.simulated else _REAL.format(backend=verifier_options.backend)
    )
    console.print(
        banner, style="bold yellow" if verifier_options.simulated else "bold", soft_wrap=True
    )
    _quiet_libraries()
    with _Display(steps, config.warmup.steps if not resume else 0) as display:
        summary = run_dry_run(
            config,
            on_phase=display.phase,
            on_warmup_step=display.warmup_step,
            on_step=display.step,
        )
    _print_summary(summary)
    console.print(
        banner, style="bold yellow" if verifier_options.simulated else "bold", soft_wrap=True
    )


class _Display:
    """The progress bar (on a terminal) or one line per tenth of the run (in logs)."""

    def __init__(self, steps: int, warmup_steps: int) -> None:
        self.steps = steps
        self.every = max(1, steps // 10)
        self.warmup_steps = warmup_steps
        self.warmup_every = max(1, warmup_steps // 10)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self.warmup_task = self.progress.add_task(
            "warm-up", total=warmup_steps, status="", visible=warmup_steps > 0
        )
        self.task = self.progress.add_task("GRPO", total=steps, status="", visible=False)

    def __enter__(self) -> _Display:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def phase(self, text: str) -> None:
        self.progress.console.print(f"[dim]- {text}[/dim]")

    def warmup_step(self, step: int, loss: float) -> None:
        self.progress.update(self.warmup_task, completed=step, status=f"loss {loss:.3f}")
        if not console.is_terminal and (step % self.warmup_every == 0 or step == self.warmup_steps):
            console.print(f"warm-up step {step}/{self.warmup_steps}: loss {loss:.3f}")

    def step(self, step: int, values: dict[str, float]) -> None:
        validation: dict[str, dict[str, float]] = {}
        for name, value in values.items():
            if name.startswith("val-"):  # val-core/<source>/acc/best@4/mean, .../mean@4
                _, _, var, statistic, *_ = name.split("/")
                validation.setdefault(statistic, {})[var] = value
        if validation:
            parts = [
                f"{statistic} {by_var.get('acc', 0.0):.0%} "
                f"({by_var.get('acc_after_ec', 0.0):.0%} after correction)"
                for statistic, by_var in validation.items()
            ]
            line = f"validation at step {step}: {', '.join(parts)}"
            self.progress.console.print(line, soft_wrap=True)
        if "reward/mean" not in values:
            return
        reward = values.get("reward/mean", 0.0)
        errors = values.get("format/error_rate", 0.0)
        status = f"reward {reward:.2f}  format errors {errors:.0%}"
        self.progress.update(self.task, completed=step, status=status, visible=True)
        if not console.is_terminal and (step % self.every == 0 or step == self.steps):
            console.print(f"step {step}/{self.steps}: {status}")


def _print_summary(summary: DryRunSummary) -> None:
    table = Table(title=f"dry run: {summary.steps} GRPO steps", title_justify="left")
    table.add_column("metric")
    table.add_column("first quarter", justify="right")
    table.add_column("last quarter", justify="right")
    table.add_row("mean reward", f"{summary.reward_start:.3f}", f"{summary.reward_end:.3f}")
    table.add_row(
        "format-error rate",
        f"{summary.format_error_start:.1%}",
        f"{summary.format_error_end:.1%}",
    )
    table.add_row(
        "response length (tokens)", f"{summary.length_start:.0f}", f"{summary.length_end:.0f}"
    )
    for label, values in summary.validation.items():
        table.add_row(
            f"validation {label} (first/last check)",
            f"{values['start']:.1%}",
            f"{values['end']:.1%}",
        )
    console.print(table)
    turns = ", ".join(f"{t}: {v:.1%}" for t, v in summary.acc_by_turn.items()) or "none"
    cache = summary.correction
    console.print(f"valid proofs by turn (whole run): {turns}")
    console.print(
        f"correction cache: {cache.get('correction/added', 0):.0f} prompts added, "
        f"{cache.get('correction/drawn', 0):.0f} served, "
        f"{cache.get('correction/size', 0):.0f} left"
    )
    console.print(f"metrics, plots and summary: {summary.out}/ (plots/overview.png)")


def _quiet_libraries() -> None:
    """Keep transformers' and TRL's progress bars and advice out of the run's output."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging

    logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    logging.disable_progress_bar()  # type: ignore[no-untyped-call]
