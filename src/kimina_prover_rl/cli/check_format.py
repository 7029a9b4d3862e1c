"""`kimina-rl check-format`: run the text checks (format, statement, forbidden constructs)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.cli._format_options import with_format_options
from kimina_prover_rl.cli._jsonl import (
    OutputPath,
    exit_without_records,
    open_output,
    progress_bar,
    read_jsonl,
    stderr_console,
    write_line,
)
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.proof import FormatConfig, check_answer

__all__ = ["check_format"]


@app.command("check-format")
@with_format_options()
def check_format(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT.jsonl",
            help='One JSON object per line: {"id", "formal_statement", "response"}.',
        ),
    ],
    *,
    output: OutputPath = None,
    format_options: FormatConfig,
) -> None:
    """Check answers' format, statement integrity and forbidden constructs (no Lean needed).

    Each input line `{"id", "formal_statement", "response"}` (an optional `"messages"` list
    of earlier turns is ignored) becomes one output line, in input order:

    `{"id", "format_error": null | "<error>", "detail": "<why>", "proof": "<Lean code>" | null}`

    `proof` is the exact code to send to Lean: the given header and statement followed by
    the answer's proof. It is filled even when only a pure format rule failed. A line that
    is not a valid record becomes `{"id", "error": "<message>"}`. Counts per format error
    are printed on stderr at the end.

    Exit status (the rule of every batch command): 0 when every line was answered and at
    least one was a valid record; 2 for a bad option, an unreadable input or output, `-o`
    naming the input itself, or an input without a valid record (empty, or every line an
    error: each still gets its error line). INPUT `-` reads stdin.

    Example: `kimina-rl check-format answers.jsonl -o format.jsonl`
    """
    records = read_jsonl(input_path, output=output)  # unreadable: exit 2 (see cli._app)
    counts: Counter[str] = Counter()
    first_error: str | None = None
    with open_output(output) as stream, progress_bar() as bar:
        task = bar.add_task("checking", total=len(records))
        for number, record in enumerate(records, start=1):
            result = _check_record(record, number, format_options)
            key = "error" if "error" in result else result["format_error"] or "ok"
            counts[key] += 1
            if key == "error" and first_error is None:
                first_error = result["error"]
            write_line(stream, result)
            bar.advance(task)
    summary = ", ".join(f"{name}: {n}" for name, n in counts.most_common())
    stderr_console.print(f"checked {len(records)} answers: {summary or 'nothing to check'}")
    exit_without_records(
        input_path,
        len(records) - counts["error"],
        counts["error"],
        first_error,
        '{"id", "formal_statement", "response"}',
    )


def _check_record(
    record: dict[str, Any] | InputError, number: int, format_options: FormatConfig
) -> dict[str, Any]:
    if isinstance(record, InputError):
        return {"id": None, "error": str(record)}
    record_id = record.get("id")
    statement, response = record.get("formal_statement"), record.get("response")
    if not isinstance(statement, str) or not isinstance(response, str):
        missing = [
            key
            for key, value in (("formal_statement", statement), ("response", response))
            if not isinstance(value, str)
        ]
        return {
            "id": _safe(record_id),
            "error": f"record {number}: {' and '.join(missing)} must be a string",
        }
    check = check_answer(statement, response, format_options)
    return {
        "id": _safe(record_id),
        "format_error": None if check.format_error is None else check.format_error.value,
        "detail": _safe(check.detail),
        "proof": check.proof,
    }


def _safe(value: Any) -> Any:
    """Strings with lone surrogates (possible from JSON escapes) made writable as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value
