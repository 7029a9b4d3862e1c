"""JSON Lines input and output shared by the batch commands.

A malformed line never stops a batch: it becomes an :class:`~kimina_prover_rl.errors.InputError`
in its place, and the command writes an error object for that line.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from kimina_prover_rl.cli._app import stderr_console
from kimina_prover_rl.errors import InputError

__all__ = [
    "OrderedWriter",
    "OutputPath",
    "open_output",
    "progress_bar",
    "read_jsonl",
    "stderr_console",
    "write_line",
]


OutputPath = Annotated[
    Path | None,
    typer.Option(
        "-o",
        "--output",
        metavar="OUT.jsonl",
        help="Where to write one result per input line (default stdout).",
    ),
]
"""The ``-o/--output`` option every batch command takes."""


def read_jsonl(path: Path) -> list[dict[str, Any] | InputError]:
    """Read every line of ``path``: a JSON object, or an ``InputError`` naming the line.

    Blank lines are skipped. Bytes that are not UTF-8 are replaced, so one bad line cannot
    hide the others.
    """
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "no such file"
        raise InputError(f"{path}: {what}; pass a JSON Lines file (one object per line)")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{path}: cannot read it ({reason}); check its permissions") from exc
    records: list[dict[str, Any] | InputError] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            records.append(InputError(f"{path}:{number}: not valid JSON ({exc.msg})"))
            continue
        if not isinstance(obj, dict):
            records.append(
                InputError(f"{path}:{number}: expected a JSON object, got {type(obj).__name__}")
            )
            continue
        records.append(obj)
    return records


@contextlib.contextmanager
def open_output(path: Path | None) -> Iterator[TextIO]:
    """Yield a line-buffered text stream: ``path`` (parents created) or stdout for None/``-``.

    A path that cannot be written raises ``InputError`` naming it, before anything runs.
    """
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = path.open("w", encoding="utf-8", buffering=1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"cannot write the output file {path}: {reason}; pass a writable path with -o "
            "(or leave -o out to write to stdout)"
        ) from exc
    with stream:
        yield stream


def write_line(stream: TextIO, obj: dict[str, Any]) -> None:
    """Write one JSON object as one line (non-ASCII kept readable)."""
    stream.write(json.dumps(obj, ensure_ascii=False) + "\n")


def progress_bar(*, enabled: bool | None = None) -> Progress:
    """A rich progress bar on stderr, shown only when stderr is a terminal (or forced)."""
    show = stderr_console.is_terminal if enabled is None else enabled
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr_console,
        disable=not show,
        transient=False,
    )


class OrderedWriter:
    """Writes results in input order, each as soon as every earlier one is known.

    Results may arrive in any order (verdicts finish out of order); the output file still
    follows the input line by line, and a crash loses only what was not yet written.
    """

    def __init__(self, stream: TextIO, size: int) -> None:
        self._stream = stream
        self._lines: list[dict[str, Any] | None] = [None] * size
        self._written = 0

    def put(self, index: int, line: dict[str, Any]) -> None:
        """Record the result of input ``index`` and write whatever is now in order."""
        self._lines[index] = line
        while self._written < len(self._lines):
            ready = self._lines[self._written]
            if ready is None:
                return
            write_line(self._stream, ready)
            self._lines[self._written] = None
            self._written += 1

    @property
    def written(self) -> int:
        """How many lines are written so far (a prefix of the input)."""
        return self._written
