"""The offline dry run: warm-up, GRPO with Lean rewards and error correction, metrics, plots.

``kimina-rl dry-run`` calls :func:`run_dry_run`; everything it writes goes under ``out``::

    metrics.jsonl          one line per GRPO step (verl's file-logger format), with
                           validation best@k and mean@k before/after correction (step 0 =
                           before training)
    plots/*.png            reward, format errors, length, accuracy by turn, cache; overview
    summary.json           the numbers at the end, and whether Lean was simulated
    warmup/                the model after the supervised warm-up (the policy's start)
    checkpoints/checkpoint-N/   TRL checkpoints + correction_cache.json (resume point)
    model/                 the final policy

A run resumed with ``resume=True`` continues from the newest checkpoint: model, optimizer,
scheduler and RNG (TRL), the correction cache (its prompts, counters and generator), and
``metrics.jsonl`` cut back to the checkpoint's step so no step is counted twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from kimina_prover_rl.data import PromptRow, builtin_rows, read_records
from kimina_prover_rl.data.builtin import BUILTIN_SOURCE
from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.lean import VerifierSettings, open_verifier
from kimina_prover_rl.report import MetricsLog, StepMetrics, plot_training, read_metrics
from kimina_prover_rl.reward import (
    CorrectionCache,
    CorrectionSettings,
    RewardConfig,
    Sample,
    ScoredSample,
    Scorer,
)
from kimina_prover_rl.trl._cpu import cpu_training_args
from kimina_prover_rl.trl.reward import LeanReward
from kimina_prover_rl.trl.validation import ValidationConfig, Validator, validation_names
from kimina_prover_rl.trl.warmup import Conversation, WarmupConfig, correction_examples

__all__ = ["DryRunConfig", "DryRunSummary", "latest_checkpoint", "load_rows", "run_dry_run"]

METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


DRY_RUN_CORRECTION = CorrectionSettings(rate=0.25, capacity=256)
"""A small cache filling a quarter of the slots: it suits a run of a few dozen steps."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DryRunConfig:
    """Every setting of a dry run (the CLI's options map onto these fields)."""

    out: Path
    steps: int = 80
    model: Path | None = None
    dataset: Path | None = None
    verifier: VerifierSettings = field(
        default_factory=lambda: VerifierSettings(backend="standin", workers=2)
    )
    warmup: WarmupConfig = field(default_factory=WarmupConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    prompts_per_step: int = 4
    num_generations: int = 4
    max_completion_length: int = 192
    learning_rate: float = 2e-4
    temperature: float = 0.7
    correction: CorrectionSettings = DRY_RUN_CORRECTION
    save_steps: int = 10
    seed: int = 0
    resume: bool = False

    def __post_init__(self) -> None:
        for name in ("steps", "prompts_per_step", "max_completion_length", "save_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"dry run {name}={value!r}: pass a positive integer")
        if self.num_generations < 2:
            raise ConfigError(
                f"dry run num_generations={self.num_generations}: GRPO compares answers to "
                "the same prompt, so pass at least 2"
            )
        if not self.learning_rate > 0 or not self.temperature > 0:
            raise ConfigError("dry run learning_rate and temperature must be positive")


@dataclass(frozen=True, slots=True)
class DryRunSummary:
    """What the run did: first and last quarter of the GRPO steps compared (mean reward,
    format-error rate, response length in tokens), validation
    best@k and mean@k before and after correction (``{"best@4, before correction": {"start":
    first check, "end": last check}, ...}``), and where it wrote."""

    steps: int
    simulated: bool
    reward_start: float
    reward_end: float
    format_error_start: float
    format_error_end: float
    length_start: float
    length_end: float
    acc_by_turn: dict[str, float]
    correction: dict[str, float]
    plots: list[str]
    out: str
    title: str = ""
    validation: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the note a reader must not miss when Lean was simulated."""
        note = (
            "Lean was simulated (stand-in REPL): verdicts check the format, the statement, "
            "sorry and closed arithmetic on naturals and integers, no other mathematics"
            if self.simulated
            else "Lean checked every proof"
        )
        return {
            "lean": note,
            "lean_simulated": self.simulated,
            "steps": self.steps,
            "reward": {"start": self.reward_start, "end": self.reward_end},
            "format_error_rate": {"start": self.format_error_start, "end": self.format_error_end},
            "response_length": {"start": self.length_start, "end": self.length_end},
            "acc_by_turn": self.acc_by_turn,
            "validation": self.validation,
            "correction": self.correction,
            "plots": self.plots,
            "out": self.out,
            "title": self.title,
        }


def run_dry_run(
    config: DryRunConfig,
    *,
    on_phase: Callable[[str], None] | None = None,
    on_warmup_step: Callable[[int, float], None] | None = None,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> DryRunSummary:
    """Run the whole loop; the callbacks feed a progress display (phase, warm-up, GRPO step)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from kimina_prover_rl.models import load_causal_lm, tiny_model_dir
    from kimina_prover_rl.trl.warmup import warmup

    phase = on_phase or (lambda _: None)
    out = config.out
    metrics_path = out / METRICS_FILE
    checkpoints = out / "checkpoints"
    resume_from = latest_checkpoint(checkpoints) if config.resume else None
    if config.resume and resume_from is None:
        raise ConfigError(
            f"--resume: no checkpoint in {checkpoints}; run without --resume to start fresh"
        )
    if not config.resume and metrics_path.exists():
        raise ConfigError(
            f"{out} already holds a run ({METRICS_FILE}): pass --resume to continue it, "
            "or another --out"
        )
    rows = load_rows(config.dataset)
    val_rows = builtin_rows(part="val") if config.dataset is None else []
    phase("loading the model")
    base = config.model or tiny_model_dir()
    warm_dir = out / "warmup"
    if resume_from is not None:
        start = warm_dir if warm_dir.is_dir() else base
        model, tokenizer = load_causal_lm(start)
    else:
        model, tokenizer = load_causal_lm(base)
        if config.warmup.steps:
            phase("scoring the warm-up's flawed answers for its correction conversations")
            corrections = asyncio.run(_warmup_corrections(config))
            phase("supervised warm-up on a weak prover's answers and corrections")
            warmup(model, tokenizer, config.warmup, corrections=corrections, on_step=on_warmup_step)
            model.save_pretrained(warm_dir)
            tokenizer.save_pretrained(warm_dir)
    cache = CorrectionCache(config.correction)
    log = MetricsLog(metrics_path)
    if resume_from is not None:
        _restore(cache, log, resume_from)
    phase("GRPO")
    scorer = Scorer(
        open_verifier(config.verifier), RewardConfig(timeout_s=config.verifier.timeout_s)
    )
    reward = LeanReward(scorer, cache, correction=config.correction)
    try:
        trainer = _trainer(
            config,
            model=model,
            tokenizer=tokenizer,
            rows=rows,
            reward=reward,
            log=log,
            on_step=on_step,
            val_rows=val_rows,
        )
        trainer.train(resume_from_checkpoint=None if resume_from is None else str(resume_from))
    finally:
        reward.close()
    phase("saving the policy and drawing the plots")
    trainer.save_model(str(out / "model"))
    tokenizer.save_pretrained(out / "model")
    steps = read_metrics(metrics_path)
    plots = plot_training(steps, out / "plots", title=_title(config))
    summary = _summarise(steps, config, plots)
    (out / SUMMARY_FILE).write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    return summary


async def _warmup_corrections(config: DryRunConfig) -> list[Conversation]:
    """The warm-up's correction conversations, their feedback from the run's verifier."""
    verifier = open_verifier(config.verifier)
    try:
        scorer = Scorer(verifier, RewardConfig(timeout_s=config.verifier.timeout_s))
        return await correction_examples(scorer, config.warmup, config.correction)
    finally:
        await verifier.aclose()


def load_rows(dataset: Path | None) -> list[PromptRow]:
    """The training rows: the built-in problems less the held-out validation ones, or a
    prepared ``.parquet``/``.jsonl`` file (a ``kimina-rl prepare`` output folder means its
    ``train.parquet``)."""
    if dataset is None:
        return builtin_rows(part="train")
    path = dataset / "train.parquet" if dataset.is_dir() else dataset
    if path.suffix in (".parquet", ".jsonl", ".json"):
        rows = read_records(path)
    else:
        raise InputError(
            f"--dataset {dataset}: pass a prepared .parquet or .jsonl file, or the folder "
            "`kimina-rl prepare` wrote"
        )
    for number, row in enumerate(rows, start=1):
        extra = row.get("extra_info") if isinstance(row, dict) else None
        if (
            not isinstance(row.get("prompt"), list)
            or not isinstance(extra, dict)
            or not isinstance(extra.get("formal_statement"), str)
        ):
            raise InputError(
                f"{path} row {number} is not a prepared row (needs 'prompt' messages and "
                "'extra_info.formal_statement'): build the file with `kimina-rl prepare`"
            )
    if not rows:
        raise InputError(f"{path} holds no rows")
    return cast("list[PromptRow]", rows)  # the keys the run reads are checked above


def latest_checkpoint(folder: Path) -> Path | None:
    """The ``checkpoint-N`` folder with the largest N, or None."""
    found = [
        (int(m.group(1)), p)
        for p in (folder.iterdir() if folder.is_dir() else [])
        if (m := _CHECKPOINT.match(p.name)) and p.is_dir()
    ]
    return max(found)[1] if found else None


def _restore(cache: CorrectionCache, log: MetricsLog, checkpoint: Path) -> None:
    from kimina_prover_rl.trl.trainer import CACHE_STATE_FILE

    state_file = checkpoint / CACHE_STATE_FILE
    try:
        cache.load_state_dict(json.loads(state_file.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(
            f"cannot read the correction cache of {checkpoint} ({exc}): the checkpoint is "
            "incomplete; delete it to resume from the one before"
        ) from exc
    log.truncate_after(int(checkpoint.name.split("-")[1]))


def _trainer(
    config: DryRunConfig,
    *,
    model: Any,
    tokenizer: Any,
    rows: list[PromptRow],
    reward: LeanReward,
    log: MetricsLog,
    on_step: Callable[[int, dict[str, float]], None] | None,
    val_rows: list[PromptRow],
) -> Any:
    from datasets import Dataset
    from transformers import PrinterCallback
    from trl.trainer.grpo_config import GRPOConfig

    from kimina_prover_rl.trl.trainer import CorrectionGRPOTrainer, StepHooks

    args = GRPOConfig(
        output_dir=str(config.out / "checkpoints"),
        max_steps=config.steps,
        per_device_train_batch_size=config.prompts_per_step * config.num_generations,
        num_generations=config.num_generations,
        max_completion_length=config.max_completion_length,
        learning_rate=config.learning_rate,
        temperature=config.temperature,
        beta=0.0,
        logging_steps=1,
        save_strategy="steps",
        save_steps=config.save_steps,
        **cpu_training_args(config.seed),
    )
    trainer = CorrectionGRPOTrainer(
        model=model,
        reward_funcs=[reward],
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        correction_cache=reward.cache,
    )

    def score(samples: list[Sample]) -> list[ScoredSample]:
        batch = reward.scorer.score_batch(samples)
        return asyncio.run_coroutine_threadsafe(batch, trainer.async_loop).result()

    validator = (
        Validator(
            val_rows,
            score,
            config.validation,
            temperature=config.temperature,
            max_new_tokens=config.max_completion_length,
            seed=config.seed,
            correction=config.correction,
        )
        if val_rows
        else None
    )
    hooks = StepHooks(
        reward,
        log,
        on_step,
        validate=None if validator is None else (lambda step: validator(model, tokenizer, step)),
        validate_every=config.validation.every,
        validate_at_start=not config.resume,
    )
    trainer.add_callback(hooks)
    trainer.remove_callback(PrinterCallback)  # the run reports steps through on_step
    return trainer


def _summarise(
    logged: Sequence[StepMetrics], config: DryRunConfig, plots: Sequence[Path]
) -> DryRunSummary:
    steps = [s for s in logged if "reward/mean" in s.values]
    window = max(1, len(steps) // 4)

    def mean(name: str, part: Sequence[StepMetrics]) -> float:
        values = [s.values[name] for s in part if name in s.values]
        return sum(values) / len(values) if values else 0.0

    turns = sorted({n for s in steps for n in s.values if n.startswith("reward/acc/turn")})
    last = steps[-1].values if steps else {}
    source = BUILTIN_SOURCE if config.dataset is None else "val"
    k = config.validation.k
    validation = {}
    for statistic in ("best", "mean"):
        names = validation_names(source, k, statistic)
        for when, name in zip(("before correction", "after correction"), names, strict=True):
            measured = [s.values[name] for s in logged if name in s.values]
            if measured:
                validation[f"{statistic}@{k}, {when}"] = {"start": measured[0], "end": measured[-1]}
    return DryRunSummary(
        steps=len(steps),
        simulated=config.verifier.simulated,
        reward_start=mean("reward/mean", steps[:window]),
        reward_end=mean("reward/mean", steps[-window:]),
        format_error_start=mean("format/error_rate", steps[:window]),
        format_error_end=mean("format/error_rate", steps[-window:]),
        length_start=mean("response/length_mean", steps[:window]),
        length_end=mean("response/length_mean", steps[-window:]),
        acc_by_turn={n.rsplit("/", 1)[1]: mean(n, steps) for n in turns},
        correction={k: v for k, v in last.items() if k.startswith("correction/")},
        plots=[str(p) for p in plots],
        out=str(config.out),
        title=_title(config),
        validation=validation,
    )


def _title(config: DryRunConfig) -> str:
    lean = "Lean simulated (stand-in)" if config.verifier.simulated else "Lean"
    model = config.model.name if config.model else "tiny Qwen3"
    return f"kimina-rl dry-run: {model}, {lean}"
