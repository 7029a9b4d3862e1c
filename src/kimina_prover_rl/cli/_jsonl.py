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

from kimina_prover_rl.cli._app import exit_with_error, stderr_console
from kimina_prover_rl.data import is_stdin, read_jsonl_lines
from kimina_prover_rl.errors import InputError

__all__ = [
    "OrderedWriter",
    "OutputPath",
    "exit_without_records",
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


def read_jsonl(path: Path, *, output: Path | None = None) -> list[dict[str, Any] | InputError]:
    """Every line of ``path`` (``-`` or a pipe: stdin) as a JSON object or an ``InputError``.

    Refuses an ``output`` that is the input file itself, before anything is overwritten.
    """
    if output is not None and not is_stdin(path) and str(output) != "-":
        with contextlib.suppress(OSError):
            if output.exists() and output.samefile(path):
                raise InputError(
                    f"-o {output} is the input file itself; writing there would destroy the "
                    "input: pass another path with -o"
                )
    return read_jsonl_lines(path)


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


def exit_without_records(
    path: Path, valid: int, invalid: int, first_error: str | None, expected: str
) -> None:
    """Exit 2 when no line of ``path`` was a valid record (the one rule of every batch
    command: an empty input, or one whose every line got an error line, did nothing)."""
    if valid:
        return
    where = "stdin" if is_stdin(path) else str(path)
    if invalid == 0:
        message = f"{where} holds no records; nothing was done; pass {expected}, one per line"
    else:
        message = (
            f"none of the {invalid} lines of {where} is a valid record (the first: "
            f"{first_error}); each line must be {expected}"
        )
    raise exit_with_error(InputError(message))


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
