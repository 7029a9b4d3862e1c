"""`kimina-rl prepare`: turn prompt sets into verl parquet (train/val) with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.cli._jsonl import stderr_console
from kimina_prover_rl.data import PrepareConfig, PromptTemplate, parse_columns, prepare_prompt_set
from kimina_prover_rl.data.prompts import DEFAULT_SYSTEM_PROMPT, DEFAULT_USER_TEMPLATE
from kimina_prover_rl.errors import ConfigError, DatasetUnavailable, InputError

__all__ = ["prepare_command"]

_SOURCE_HELP = (
    "A Hugging Face dataset id (AI-MO/Kimina-Prover-Promptset, AI-MO/NuminaMath-LEAN, "
    "AI-MO/minif2f_test) or a local .jsonl / .parquet file."
)


@app.command("prepare")
def prepare_command(
    *,
    train: Annotated[str, typer.Option("--train", metavar="SRC", help=_SOURCE_HELP)],
    val: Annotated[
        str, typer.Option("--val", metavar="SRC", help=f"Validation set. {_SOURCE_HELP}")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="DIR", help="Folder for train.parquet, val.parquet, manifest.json."
        ),
    ],
    first_n: Annotated[
        int | None,
        typer.Option(
            "--first-n", metavar="N", help="Keep the first N rows of each split (after filters)."
        ),
    ] = None,
    max_win_rate: Annotated[
        float | None,
        typer.Option(
            "--max-win-rate",
            metavar="X",
            help="Drop training rows whose win rate (NuminaMath-LEAN rl_data.win_rate) is "
            "above X; rows without one are kept.",
        ),
    ] = None,
    decontaminate: Annotated[
        bool,
        typer.Option(
            "--decontaminate/--no-decontaminate",
            help="Drop training rows that state a validation problem (default on).",
        ),
    ] = True,
    keep_duplicates: Annotated[
        bool,
        typer.Option(
            "--keep-duplicates",
            help="Keep training rows whose statement repeats an earlier one (the Promptset "
            "repeats hard problems on purpose).",
        ),
    ] = False,
    columns: Annotated[
        str,
        typer.Option(
            "--columns",
            metavar="FIELD=COL,...",
            help="Map the training source's columns: fields id, formal_statement, informal, "
            "source, win_rate (a dotted path for nested columns).",
        ),
    ] = "",
    val_columns: Annotated[
        str,
        typer.Option(
            "--val-columns", metavar="FIELD=COL,...", help="The same for the validation source."
        ),
    ] = "",
    train_split: Annotated[
        str, typer.Option("--train-split", help="Hub split of the training set.")
    ] = "train",
    val_split: Annotated[
        str,
        typer.Option("--val-split", help="Hub split of the validation set (minif2f_test: train)."),
    ] = "train",
    system_prompt: Annotated[
        str,
        typer.Option(
            "--system-prompt", help="System message; an empty string sends no system message."
        ),
    ] = DEFAULT_SYSTEM_PROMPT,
    user_template: Annotated[
        Path | None,
        typer.Option(
            "--user-template",
            metavar="FILE",
            help="A text file with the user message template, using {statement} and "
            "{informal} (default: the reference Kimina-Prover prompt).",
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace DIR if it exists and is not empty.")
    ] = False,
    hub_timeout: Annotated[
        float,
        typer.Option(
            "--hub-timeout", metavar="SECONDS", help="Give up on an unreachable hub after this."
        ),
    ] = 10.0,
) -> None:
    """Build a GRPO prompt set for verl from a training and a validation source.

    Each source is a hub id or a local file whose columns are detected: the MiniF2F layout
    (`name`, `informal_prefix`, `formal_statement`), the Promptset layout (`statement_id`,
    `natural_language`, `formal_statement`, `source`) or the NuminaMath-LEAN layout
    (`uuid`, `problem`, `formal_statement`, `rl_data.win_rate`); map others with
    `--columns id=...,formal_statement=...,informal=...`.

    Training rows are filtered (unusable statements, `--max-win-rate`, exact duplicate
    statements, statements that match a validation statement up to header, comments,
    whitespace, theorem and binder names) and written with the validation rows as
    `DIR/train.parquet` and `DIR/val.parquet`, one row per problem:

    `{"data_source", "prompt": [{"role", "content"}, ...], "ability",
    "reward_model": {"style": "rule", "ground_truth": <statement>},
    "extra_info": {"index", "split", "problem_id", "formal_statement", "informal_problem",
    "messages", "turn"}}`

    `DIR/manifest.json` records the sources (with hashes), row counts after each stage,
    the dropped training ids, the template and the output hashes. DIR appears complete
    or not at all. Local files need no network.

    Examples:

    `kimina-rl prepare --train AI-MO/Kimina-Prover-Promptset --val AI-MO/minif2f_test --out data/`

    `kimina-rl prepare --train problems.jsonl --val minif2f_test.parquet --out data/ --first-n 100`
    """
    try:
        template = PromptTemplate(
            system=system_prompt or None,
            user=_read_template(user_template) if user_template else DEFAULT_USER_TEMPLATE,
        )
        config = PrepareConfig(
            train=train,
            val=val,
            out=out,
            train_split=train_split,
            val_split=val_split,
            train_columns=parse_columns(columns),
            val_columns=parse_columns(val_columns),
            first_n=first_n,
            max_win_rate=max_win_rate,
            decontaminate=decontaminate,
            deduplicate=not keep_duplicates,
            template=template,
            overwrite=overwrite,
            hub_timeout_s=hub_timeout,
        )
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        result = prepare_prompt_set(config, log=_log)
    except (InputError, ConfigError, DatasetUnavailable) as exc:
        stderr_console.print(
            f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from exc
    dropped = result.manifest["dropped"]["train"]
    _log(
        f"dropped from train: {len(dropped.get('contaminated', []))} contaminated, "
        f"{len(dropped.get('duplicates', []))} duplicates, {len(dropped['malformed'])} malformed "
        f"(ids in {result.out / 'manifest.json'})"
    )


def _log(line: str) -> None:
    stderr_console.print(line, markup=False, highlight=False, soft_wrap=True)


def _read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--user-template {path}: cannot read it ({exc})") from exc
