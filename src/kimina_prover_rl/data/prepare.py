"""Prompt-set preparation: sources in, ``train.parquet`` / ``val.parquet`` in verl's RL schema out.

Stages (training side): load, drop rows without a usable statement, the win-rate filter,
exact-duplicate removal, decontamination against the validation set, ``first_n``. The
validation side is only loaded, checked and cut to ``first_n``. The output folder appears
complete or not at all: everything is written to a temporary folder next to it, which is
renamed into place only when every file (and ``manifest.json``) is written.

One output row (what verl's ``RLHFDataset`` and reward functions read)::

    data_source   the row's ``source`` column, else the hub id / file name
    prompt        [{"role": "system", ...}, {"role": "user", ...}]
    ability       "theorem_proving"
    reward_model  {"style": "rule", "ground_truth": <formal statement>}
    extra_info    {index, split, problem_id, formal_statement, informal_problem,
                   messages (= prompt, for the error-correction turn), turn (= 1)}
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kimina_prover_rl.data.decontaminate import decontaminate
from kimina_prover_rl.data.prompts import PromptTemplate, informal_text, statement_for_prompt
from kimina_prover_rl.data.rows import PromptRow
from kimina_prover_rl.data.sources import Problem, PromptSource, load_prompt_source
from kimina_prover_rl.errors import ColumnError, ConfigError
from kimina_prover_rl.proof import normalize_whitespace, parse_lean_code

__all__ = [
    "MANIFEST_NAME",
    "TRAIN_FILE",
    "VAL_FILE",
    "PrepareConfig",
    "PrepareResult",
    "prepare_prompt_set",
    "prompt_rows",
]

TRAIN_FILE = "train.parquet"
VAL_FILE = "val.parquet"
MANIFEST_NAME = "manifest.json"
_MANIFEST_FORMAT = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class PrepareConfig:
    """What ``kimina-rl prepare`` reads, filters and writes.

    ``train`` / ``val`` are hub ids or local ``.jsonl`` / ``.parquet`` paths; ``*_split``
    is the hub split (ignored for files); ``*_columns`` map fields to columns when the
    layout is not detected (see :func:`~kimina_prover_rl.data.parse_columns`).
    ``max_win_rate`` keeps training rows whose win rate is at most that value (rows with
    no recorded win rate are kept). ``first_n`` keeps the first rows of each split after
    filtering (decontamination still sees the whole validation set).
    """

    train: str
    val: str
    out: Path
    train_split: str = "train"
    val_split: str = "train"
    train_columns: Mapping[str, str] = field(default_factory=dict)
    val_columns: Mapping[str, str] = field(default_factory=dict)
    first_n: int | None = None
    max_win_rate: float | None = None
    decontaminate: bool = True
    deduplicate: bool = True
    template: PromptTemplate = field(default_factory=PromptTemplate)
    ability: str = "theorem_proving"
    overwrite: bool = False
    hub_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.first_n is not None and (
            isinstance(self.first_n, bool) or not isinstance(self.first_n, int) or self.first_n < 1
        ):
            raise ConfigError(
                f"--first-n {self.first_n!r} is invalid: pass a positive integer, or leave "
                "--first-n out to keep every row"
            )
        if self.max_win_rate is not None and not 0.0 <= self.max_win_rate <= 1.0:
            raise ConfigError(
                f"--max-win-rate {self.max_win_rate!r} is invalid: pass a number in [0, 1] "
                "(0.5 keeps problems solved at most half the time), or leave it out"
            )
        if not self.hub_timeout_s > 0:
            raise ConfigError(
                f"--hub-timeout {self.hub_timeout_s!r} is invalid: pass a positive number "
                "of seconds"
            )
        if not self.ability:
            raise ConfigError("the ability label is empty: pass one such as 'theorem_proving'")


@dataclass(frozen=True, slots=True)
class PrepareResult:
    """Where the prompt set was written and its manifest (also in ``manifest.json``)."""

    out: Path
    manifest: dict[str, Any]

    @property
    def train_rows(self) -> int:
        """Rows written to ``train.parquet``."""
        rows: int = self.manifest["files"][TRAIN_FILE]["rows"]
        return rows

    @property
    def val_rows(self) -> int:
        """Rows written to ``val.parquet``."""
        rows: int = self.manifest["files"][VAL_FILE]["rows"]
        return rows


def prepare_prompt_set(
    config: PrepareConfig, *, log: Callable[[str], None] | None = None
) -> PrepareResult:
    """Build the prompt set described by ``config``; ``log`` receives progress lines.

    Raises ``InputError`` / ``ColumnError`` for unreadable sources, ``DatasetUnavailable``
    when a hub id cannot be fetched and ``ConfigError`` for an output folder that exists
    (without ``overwrite``). Nothing is written unless everything succeeds.
    """
    say = log or (lambda _: None)
    out = Path(config.out).expanduser()
    _check_output(out, config.overwrite)
    sources: dict[str, PromptSource] = {}
    for split, spec, hub_split, columns in (
        ("train", config.train, config.train_split, config.train_columns),
        ("val", config.val, config.val_split, config.val_columns),
    ):
        source = load_prompt_source(
            spec, split=hub_split, columns=columns, hub_timeout_s=config.hub_timeout_s
        )
        say(f"{split}: {len(source.problems)} rows from {spec} ({source.layout} layout)")
        sources[split] = source

    counts: dict[str, dict[str, int]] = {"train": {}, "val": {}}
    dropped: dict[str, dict[str, Any]] = {"train": {}, "val": {}}
    val, dropped["val"]["malformed"] = _well_formed(sources["val"].problems)
    counts["val"] |= {"loaded": len(sources["val"].problems), "well_formed": len(val)}

    train_source = sources["train"]
    train, dropped["train"]["malformed"] = _well_formed(train_source.problems)
    counts["train"] |= {"loaded": len(train_source.problems), "well_formed": len(train)}
    if config.max_win_rate is not None:
        train, unknown = _filter_win_rate(train, config.max_win_rate, train_source)
        counts["train"] |= {"win_rate_filtered": len(train), "win_rate_unknown_kept": unknown}
    if config.deduplicate:
        train, duplicates = _deduplicate(train)
        dropped["train"]["duplicates"] = duplicates
        counts["train"]["deduplicated"] = len(train)
    if config.decontaminate:
        train, contaminated = decontaminate(train, val)
        dropped["train"]["contaminated"] = [
            {"id": c.train_id, "matches": c.reference_id} for c in contaminated
        ]
        counts["train"]["decontaminated"] = len(train)
    if config.first_n is not None:
        train, val = train[: config.first_n], val[: config.first_n]
    counts["train"]["written"], counts["val"]["written"] = len(train), len(val)
    for split in ("train", "val"):
        steps = ", ".join(f"{k} {v}" for k, v in counts[split].items())
        say(f"{split}: {steps}")

    rows = {
        TRAIN_FILE: _rows(train, "train", train_source.label, config),
        VAL_FILE: _rows(val, "val", sources["val"].label, config),
    }
    manifest: dict[str, Any] = {
        "format": _MANIFEST_FORMAT,
        "package": _package(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": {split: s.describe() for split, s in sources.items()},
        "filters": {
            "first_n": config.first_n,
            "max_win_rate": config.max_win_rate,
            "deduplicate": config.deduplicate,
            "decontaminate": config.decontaminate,
        },
        "template": config.template.to_dict(),
        "ability": config.ability,
        "counts": counts,
        "dropped": dropped,
    }
    manifest["files"] = _write_atomically(out, rows, manifest, overwrite=config.overwrite)
    say(
        f"wrote {counts['train']['written']} train and {counts['val']['written']} val rows to {out}"
    )
    return PrepareResult(out, manifest)


def _check_output(out: Path, overwrite: bool) -> None:
    """Refuse an output folder that cannot be written before any source is loaded."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output {out} is a file: pass a folder path with --out")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ConfigError(
            f"output folder {out} already exists and is not empty: pass --overwrite to "
            "replace it, or choose another --out"
        )
    parent = _existing_ancestor(out.parent)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(
            f"cannot create the output folder {out}: {parent} is not a writable folder; "
            "pass a writable path with --out"
        )


def _existing_ancestor(path: Path) -> Path:
    """The nearest of ``path`` and its parents that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _well_formed(problems: Sequence[Problem]) -> tuple[list[Problem], list[dict[str, str]]]:
    """Keep problems whose statement has a declaration ending in ``:=`` (a ``sorry`` stripped)."""
    kept: list[Problem] = []
    dropped: list[dict[str, str]] = []
    for p in problems:
        if not p.formal_statement.strip():
            dropped.append({"id": p.id, "reason": "empty formal statement"})
        elif not parse_lean_code(statement_for_prompt(p.formal_statement)).has_declaration:
            dropped.append({"id": p.id, "reason": "no theorem/lemma/example ending in ':='"})
        else:
            kept.append(p)
    return kept, dropped


def _filter_win_rate(
    problems: list[Problem], max_win_rate: float, source: PromptSource
) -> tuple[list[Problem], int]:
    if not any(p.win_rate is not None for p in problems):
        column = source.columns.win_rate
        where = f"column {column!r} is empty in every row" if column else "has no win-rate column"
        raise ColumnError(
            f"--max-win-rate needs win rates, but the training source {source.spec} {where}; "
            "map one with --columns win_rate=COLUMN (NuminaMath-LEAN: rl_data.win_rate) or "
            "drop --max-win-rate"
        )
    kept = [p for p in problems if p.win_rate is None or p.win_rate <= max_win_rate]
    return kept, sum(p.win_rate is None for p in problems)


def _deduplicate(problems: list[Problem]) -> tuple[list[Problem], list[dict[str, str]]]:
    """Drop problems whose statement is, up to whitespace, one seen earlier."""
    first: dict[str, str] = {}
    kept: list[Problem] = []
    duplicates: list[dict[str, str]] = []
    for p in problems:
        key = normalize_whitespace(statement_for_prompt(p.formal_statement))
        if key in first:
            duplicates.append({"id": p.id, "duplicate_of": first[key]})
        else:
            first[key] = p.id
            kept.append(p)
    return kept, duplicates


def _rows(
    problems: Sequence[Problem], split: str, label: str, config: PrepareConfig
) -> list[PromptRow]:
    return prompt_rows(
        problems, split=split, label=label, template=config.template, ability=config.ability
    )


def prompt_rows(
    problems: Sequence[Problem],
    *,
    split: str,
    label: str,
    template: PromptTemplate | None = None,
    ability: str = "theorem_proving",
) -> list[PromptRow]:
    """Problems as rows in verl's schema (see the module docstring), in order.

    ``label`` is the ``data_source`` of problems without a source of their own.
    """
    template = template or PromptTemplate()
    rows: list[PromptRow] = []
    for index, p in enumerate(problems):
        statement = statement_for_prompt(p.formal_statement)
        informal = informal_text(p.informal)
        messages = template.render(statement=statement, informal=informal)
        rows.append(
            {
                "data_source": p.source or label,
                "prompt": messages,
                "ability": ability,
                "reward_model": {"style": "rule", "ground_truth": statement},
                "extra_info": {
                    "index": index,
                    "split": split,
                    "problem_id": p.id,
                    "formal_statement": statement,
                    "informal_problem": informal,
                    "messages": messages,
                    "turn": 1,
                },
            }
        )
    return rows


def _package() -> dict[str, str]:
    from kimina_prover_rl import __version__

    return {"name": "kimina-prover-rl", "version": __version__}


def _schema() -> Any:
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    return pa.schema(
        [
            ("data_source", pa.string()),
            ("prompt", pa.list_(message)),
            ("ability", pa.string()),
            ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
            (
                "extra_info",
                pa.struct(
                    [
                        ("index", pa.int64()),
                        ("split", pa.string()),
                        ("problem_id", pa.string()),
                        ("formal_statement", pa.string()),
                        ("informal_problem", pa.string()),
                        ("messages", pa.list_(message)),
                        ("turn", pa.int64()),
                    ]
                ),
            ),
        ]
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(
    out: Path,
    tables: Mapping[str, list[PromptRow]],
    manifest: dict[str, Any],
    *,
    overwrite: bool,
) -> dict[str, dict[str, Any]]:
    """Write the parquet files and the manifest into a temporary folder, then rename it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # mkdir, not mkdtemp: the folder keeps the user's umask (mkdtemp makes it 0700).
        tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.partial"
        tmp.mkdir()
    except OSError as exc:
        raise ConfigError(
            f"cannot create the output folder {out} ({exc.strerror or exc}); pass a writable "
            "path with --out"
        ) from exc
    try:
        files: dict[str, dict[str, Any]] = {}
        schema = _schema()
        for name, rows in tables.items():
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp / name)
            files[name] = {"rows": len(rows), "sha256": _sha256(tmp / name)}
        manifest["files"] = files
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        (tmp / MANIFEST_NAME).write_text(text, encoding="utf-8")
        _move_into_place(tmp, out, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return files


def _move_into_place(tmp: Path, out: Path, *, overwrite: bool) -> None:
    if not out.exists():
        os.rename(tmp, out)
        return
    if not any(out.iterdir()):
        out.rmdir()
        os.rename(tmp, out)
        return
    if not overwrite:
        raise ConfigError(
            f"output folder {out} appeared while preparing: pass --overwrite or choose "
            "another --out"
        )
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
