"""`kimina-rl verify`: check Lean proofs from a JSON Lines file, one verdict per line."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.cli._jsonl import (
    OrderedWriter,
    OutputPath,
    open_output,
    progress_bar,
    read_jsonl,
    stderr_console,
)
from kimina_prover_rl.cli._verifier_options import with_verifier_options
from kimina_prover_rl.errors import ConfigError, InputError

if TYPE_CHECKING:
    from kimina_prover_rl.lean import Verdict, VerifierOptions, VerifyRequest

__all__ = ["verify"]


@app.command("verify")
@with_verifier_options()
def verify(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT.jsonl",
            help='One JSON object per line: {"id", "code"} ("custom_id"/"proof" also accepted).',
        ),
    ],
    *,
    output: OutputPath = None,
    verifier_options: VerifierOptions,
) -> None:
    """Check Lean proofs and write one verdict per input line, in input order.

    Each input line `{"id", "code"}` (kimina-lean-server's snippet shape; `custom_id` and
    `proof` are accepted too) holds the complete Lean file. Each output line is a verdict:

    `{"id", "status", "messages", "axioms", "detail", "time_s", "code_hash", "lean_version",
    "cached", "response"}`

    `status` is one of valid, lean_error, sorry, unsound, timeout, oom (Lean's judgement),
    crash, rejected, overloaded, infra_error (not the proof's fault). A line that is not a
    valid record becomes `{"id", "error": "<message>"}`. Counts per status go to stderr.
    """
    try:
        records = read_jsonl(input_path)
    except InputError as exc:
        stderr_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        counts = asyncio.run(_verify_all(records, output, verifier_options))
    except ConfigError as exc:
        stderr_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    summary = ", ".join(f"{name}: {n}" for name, n in counts.most_common())
    stderr_console.print(f"verified {len(records)} proofs: {summary or 'nothing to verify'}")


def _request(record: dict[str, Any] | InputError, number: int) -> VerifyRequest | dict[str, Any]:
    """The request a record asks for, or the error line that replaces it."""
    from kimina_prover_rl.lean import VerifyRequest

    if isinstance(record, InputError):
        return {"id": None, "error": str(record)}
    record_id = record.get("id", record.get("custom_id"))
    code = record.get("code", record.get("proof"))
    if not isinstance(code, str):
        return {"id": record_id, "error": f"record {number}: `code` (or `proof`) must be a string"}
    return VerifyRequest(code, id=None if record_id is None else str(record_id))


async def _verify_all(
    records: list[dict[str, Any] | InputError], output: Path | None, options: VerifierOptions
) -> Counter[str]:
    """Verify every record, writing lines in input order as soon as their turn comes."""
    from kimina_prover_rl.lean import open_verifier

    errors: list[tuple[int, dict[str, Any]]] = []
    requests: list[VerifyRequest] = []
    positions: list[int] = []
    for number, record in enumerate(records, start=1):
        request = _request(record, number)
        if isinstance(request, dict):
            errors.append((number - 1, request))
        else:
            requests.append(request)
            positions.append(number - 1)
    counts: Counter[str] = Counter()
    if errors:
        counts["error"] = len(errors)
    with open_output(output) as stream, progress_bar() as bar:
        task = bar.add_task("verifying", total=len(records))
        writer = OrderedWriter(stream, len(records))
        for position, line in errors:
            writer.put(position, line)
        bar.advance(task, len(errors))
        if requests:
            async with open_verifier(options) as verifier:
                async for index, verdict in verifier.verify_stream(requests):
                    position = positions[index]
                    writer.put(position, _verdict_line(verdict, records[position]))
                    counts[verdict.status.value] += 1
                    bar.advance(task)
    return counts


def _verdict_line(verdict: Verdict, record: dict[str, Any] | InputError) -> dict[str, Any]:
    line = verdict.to_dict()
    if isinstance(record, dict):
        line["id"] = record.get("id", record.get("custom_id"))
    return line
