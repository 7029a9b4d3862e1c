"""Reading record files: JSON Lines (a path, ``-`` for stdin, or a pipe) and parquet.

The one reader every command and adapter uses. :func:`read_jsonl_lines` is lenient (a bad
line becomes an :class:`~kimina_prover_rl.errors.InputError` in its place, so a batch goes
on); :func:`read_records` is strict (the first bad line stops with its line number).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kimina_prover_rl.errors import ConfigError, InputError

__all__ = [
    "STDIN",
    "is_stdin",
    "parse_records",
    "read_bytes",
    "read_jsonl_lines",
    "read_records",
]

STDIN = "-"
"""The path that means standard input."""


def is_stdin(path: Path | str) -> bool:
    """Whether ``path`` names standard input (``-`` or ``/dev/stdin``)."""
    return str(path) in (STDIN, "/dev/stdin")


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``; ``-`` reads standard input, and pipes and FIFOs work too."""
    if str(path) == STDIN:
        return sys.stdin.buffer.read()
    if path.is_dir():
        raise InputError(f"{path}: is a directory; pass a JSON Lines file (one object per line)")
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(
            f"{path}: no such file; pass a JSON Lines file (one object per line), "
            "or - to read standard input"
        ) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{path}: cannot read it ({reason}); check its permissions") from exc


def read_jsonl_lines(path: Path) -> list[dict[str, Any] | InputError]:
    """Every non-blank line of ``path``: a JSON object, or an ``InputError`` naming the line.

    Bytes that are not UTF-8 are replaced, so one bad line cannot hide the others.
    """
    text = read_bytes(path).decode("utf-8", errors="replace")
    where = "stdin" if str(path) == STDIN else str(path)
    records: list[dict[str, Any] | InputError] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            records.append(InputError(f"{where}:{number}: not valid JSON ({exc.msg})"))
            continue
        if not isinstance(obj, dict):
            records.append(
                InputError(f"{where}:{number}: expected a JSON object, got {type(obj).__name__}")
            )
            continue
        records.append(obj)
    return records


def read_records(path: Path) -> list[dict[str, Any]]:
    """The rows of a ``.parquet`` file, or the objects of a JSON Lines file (``-``: stdin).

    Strict: the first line that is not UTF-8 or not a JSON object raises ``InputError``
    naming the file and line.
    """
    if path.suffix == ".parquet":
        return _read_parquet(path)
    return parse_records(read_bytes(path), "stdin" if str(path) == STDIN else str(path))


def parse_records(data: bytes, where: str) -> list[dict[str, Any]]:
    """The objects of JSON Lines ``data`` read from ``where``; strict, like :func:`read_records`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{where}:{bad_line}: not UTF-8 (byte {data[exc.start]:#04x}); "
            "re-encode the file as UTF-8"
        ) from exc
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{where}:{number}: not valid JSON ({exc.msg}); fix or remove the line"
            ) from exc
        if not isinstance(obj, dict):
            raise InputError(
                f"{where}:{number}: expected a JSON object per line, got {type(obj).__name__}"
            )
        rows.append(obj)
    return rows


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ConfigError(
            "reading parquet needs pyarrow: pip install 'kimina-prover-rl[data]'"
        ) from exc
    if not path.is_file():
        raise InputError(f"{path}: no such file; pass an existing .parquet or .jsonl file")
    try:
        rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable parquet file ({exc})") from exc
    return rows
