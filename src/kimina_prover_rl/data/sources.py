"""Reading prompt sets: a Hugging Face dataset id or a local ``.jsonl`` / ``.parquet`` file.

Every source becomes a tuple of :class:`Problem` (id, formal statement, informal problem,
data source, win rate). Which columns hold those fields is detected from the three known
layouts (:data:`LAYOUTS`) or mapped by the caller. Local files never touch the network;
a hub id is probed with a short timeout first, so an offline machine fails in seconds
(:class:`~kimina_prover_rl.errors.DatasetUnavailable`) instead of retrying for minutes.
``datasets`` and ``pyarrow`` are imported only when a hub id or a parquet file is read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from kimina_prover_rl.data._hub import read_hub
from kimina_prover_rl.data.records import is_stdin, parse_records, read_bytes, read_records
from kimina_prover_rl.errors import ColumnError, ConfigError, InputError

__all__ = [
    "HUB_LAYOUTS",
    "LAYOUTS",
    "ColumnMapping",
    "Problem",
    "PromptSource",
    "load_prompt_source",
    "parse_columns",
]

_REQUIRED = ("id", "formal_statement")
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_SUFFIXES = (".jsonl", ".parquet")
_MISSING = object()


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which source column holds each field; ``win_rate`` may be a dotted nested path.

    ``informal`` (the problem in words), ``source`` and ``win_rate`` are optional: None when
    the data has no such column.
    """

    id: str
    formal_statement: str
    informal: str | None = None
    source: str | None = None
    win_rate: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """The mapping as plain data (recorded in the manifest)."""
        return asdict(self)


#: The known layouts, tried in this order when a local file's columns are detected.
LAYOUTS: Mapping[str, ColumnMapping] = {
    "promptset": ColumnMapping(
        id="statement_id",
        formal_statement="formal_statement",
        informal="natural_language",
        source="source",
    ),
    "numinamath-lean": ColumnMapping(
        id="uuid",
        formal_statement="formal_statement",
        informal="problem",
        source="source",
        win_rate="rl_data.win_rate",
    ),
    "minif2f": ColumnMapping(
        id="name",
        formal_statement="formal_statement",
        informal="informal_prefix",
        source="source",
    ),
    "plain": ColumnMapping(id="id", formal_statement="formal_statement", informal="informal"),
}

#: The layout of each known hub dataset.
HUB_LAYOUTS: Mapping[str, str] = {
    "AI-MO/Kimina-Prover-Promptset": "promptset",
    "AI-MO/NuminaMath-LEAN": "numinamath-lean",
    "AI-MO/minif2f_test": "minif2f",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One row of a prompt set, in source order. ``formal_statement`` may be empty."""

    id: str
    formal_statement: str
    informal: str
    source: str | None = None
    win_rate: float | None = None


@dataclass(frozen=True, slots=True)
class PromptSource:
    """A loaded prompt set and where it came from."""

    spec: str
    kind: Literal["file", "hub"]
    split: str | None
    layout: str
    columns: ColumnMapping
    problems: tuple[Problem, ...]
    file_sha256: str | None = None

    @property
    def label(self) -> str:
        """The default ``data_source``: the hub id, or the file name without its suffix."""
        return self.spec if self.kind == "hub" else Path(self.spec).stem

    def describe(self) -> dict[str, Any]:
        """Where the rows came from, for the manifest (with a digest of their content)."""
        digest = hashlib.sha256()
        for p in self.problems:
            digest.update(json.dumps(asdict(p), ensure_ascii=False, sort_keys=True).encode())
            digest.update(b"\n")
        return {
            "spec": self.spec,
            "kind": self.kind,
            "split": self.split,
            "layout": self.layout,
            "columns": self.columns.to_dict(),
            "rows": len(self.problems),
            "file_sha256": self.file_sha256,
            "content_sha256": digest.hexdigest(),
        }


def parse_columns(text: str) -> dict[str, str]:
    """Parse ``--columns`` text, ``field=column,...``, into a mapping.

    Fields are ``id``, ``formal_statement``, ``informal``, ``source`` and ``win_rate``
    (``win_rate`` may be a dotted path into a nested column, e.g. ``rl_data.win_rate``).
    """
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = (s.strip() for s in item.partition("="))
        if not sep:
            raise ConfigError(
                f"column mapping item {item!r} is not FIELD=COLUMN: write e.g. "
                "'id=name,informal=problem'"
            )
        mapping[key] = value
    return _validated(mapping)


def _validated(mapping: Mapping[str, str]) -> dict[str, str]:
    known = [f.name for f in fields(ColumnMapping)]
    for key, value in mapping.items():
        if key not in known:
            raise ConfigError(f"column mapping names unknown field {key!r}: use one of {known}")
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f"column mapping {key}={value!r} is invalid: name a column, e.g. {key}=my_column"
            )
    return dict(mapping)


def load_prompt_source(
    spec: str,
    *,
    split: str = "train",
    columns: Mapping[str, str] | None = None,
    hub_timeout_s: float = 10.0,
) -> PromptSource:
    """Load every row of ``spec`` (a hub id or a local ``.jsonl``/``.parquet`` path).

    ``split`` is used for hub ids only; ``columns`` overrides detected columns (see
    :func:`parse_columns`). Raises ``InputError`` (unreadable file), ``ColumnError``
    (missing or mistyped column) or ``DatasetUnavailable`` (hub unreachable).
    """
    overrides = _validated(columns or {})
    kind = _classify(spec)
    if kind == "file":
        path = Path(spec).expanduser()
        where, hub_layout, used_split = str(path), None, None
        if path.suffix == ".parquet":
            records, sha = read_records(path), _file_sha256(path)
        else:
            data = read_bytes(path)
            where = "stdin" if is_stdin(spec) else where
            records, sha = parse_records(data, where), hashlib.sha256(data).hexdigest()
    else:
        records = read_hub(spec, split, hub_timeout_s)
        where, hub_layout, sha = f"{spec} (split {split!r})", HUB_LAYOUTS.get(spec), None
        used_split = split
    if not records:
        raise InputError(f"{where}: no rows; pass a prompt set with at least one problem")
    available = {key for record in records for key in record}
    layout, mapping = _resolve_columns(available, where, hub_layout, overrides)
    problems = tuple(_problem(record, i, mapping, where) for i, record in enumerate(records))
    return PromptSource(spec, kind, used_split, layout, mapping, problems, sha)


def _classify(spec: str) -> Literal["file", "hub"]:
    if is_stdin(spec):
        return "file"
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_file() or path.suffix not in _SUFFIXES:
            raise InputError(f"{spec}: not a .jsonl or .parquet file; pass one of those")
        return "file"
    if path.suffix in (*_SUFFIXES, ".json") or spec.startswith((".", "/", "~")):
        raise InputError(f"{spec}: no such file; pass an existing .jsonl or .parquet file")
    if _HUB_ID.fullmatch(spec):
        return "hub"
    raise InputError(
        f"{spec!r} is neither an existing file nor a Hugging Face dataset id: pass a "
        "local .jsonl/.parquet path or an id such as AI-MO/minif2f_test"
    )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _head(column: str) -> str:
    return column.split(".", 1)[0]


def _describe_layouts() -> str:
    return "; ".join(
        f"{name} ({m.id}, {m.formal_statement}, {m.informal} optional)"
        for name, m in LAYOUTS.items()
    )


def _resolve_columns(
    available: set[str], where: str, hub_layout: str | None, overrides: Mapping[str, str]
) -> tuple[str, ColumnMapping]:
    """Pick the layout whose required columns exist, then apply ``overrides``."""
    if all(f in overrides for f in _REQUIRED):
        candidates = ["custom"]
    else:
        candidates = [hub_layout] if hub_layout else list(LAYOUTS)
    for name in candidates:
        mapping = _layout_or_custom(name, overrides)
        if all(_head(getattr(mapping, f)) in available for f in _REQUIRED):
            return name, _check_optional(mapping, available, where, overrides)
    best = max(
        candidates,
        key=lambda n: sum(
            _head(getattr(_layout_or_custom(n, overrides), f)) in available for f in _REQUIRED
        ),
    )
    mapping = _layout_or_custom(best, overrides)
    missing = [f for f in _REQUIRED if _head(getattr(mapping, f)) not in available]
    named = ", ".join(f"{getattr(mapping, f)!r} (the {f} field)" for f in missing)
    raise ColumnError(
        f"{where}: missing column {named} of the {best} layout; the data has columns "
        f"{sorted(available)}. Known layouts: {_describe_layouts()}. Map other names with "
        "--columns id=COLUMN,formal_statement=COLUMN (informal=COLUMN optional)"
    )


def _layout_or_custom(name: str, overrides: Mapping[str, str]) -> ColumnMapping:
    if name == "custom":
        return ColumnMapping(**overrides)
    return replace(LAYOUTS[name], **overrides)


def _check_optional(
    mapping: ColumnMapping, available: set[str], where: str, overrides: Mapping[str, str]
) -> ColumnMapping:
    """Drop optional layout columns the data lacks; a mapped one that is absent is an error."""

    def present(name: str, column: str | None) -> str | None:
        if column is None or _head(column) in available:
            return column
        if name in overrides:
            raise ColumnError(
                f"{where}: column {column!r} (mapped to {name} by --columns) is missing; "
                f"the data has columns {sorted(available)}"
            )
        return None

    return replace(
        mapping,
        informal=present("informal", mapping.informal),
        source=present("source", mapping.source),
        win_rate=present("win_rate", mapping.win_rate),
    )


def _lookup(record: Mapping[str, Any], column: str) -> Any:
    value: Any = record
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _problem(record: Mapping[str, Any], i: int, m: ColumnMapping, where: str) -> Problem:
    row = f"{where}, row {i + 1}"
    raw_id = _lookup(record, m.id)
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or raw_id == "":
        raise ColumnError(
            f"{row}: column {m.id!r} (the id field) holds {raw_id!r}; expected a non-empty "
            "string or integer id in every row"
        )
    return Problem(
        id=str(raw_id),
        formal_statement=_text(record, m.formal_statement, "formal_statement", row),
        informal=_text(record, m.informal, "informal", row) if m.informal else "",
        source=(_text(record, m.source, "source", row) or None) if m.source else None,
        win_rate=_number(record, m.win_rate, row) if m.win_rate else None,
    )


def _text(record: Mapping[str, Any], column: str, field: str, row: str) -> str:
    value = _lookup(record, column)
    if value is _MISSING or value is None:
        return ""
    if not isinstance(value, str):
        raise ColumnError(
            f"{row}: column {column!r} (the {field} field) holds a {type(value).__name__}; "
            "expected text"
        )
    return value


def _number(record: Mapping[str, Any], column: str, row: str) -> float | None:
    value = _lookup(record, column)
    if value is _MISSING or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ColumnError(
            f"{row}: column {column!r} (the win_rate field) holds {value!r}; expected a "
            "number between 0 and 1"
        )
    return float(value)
