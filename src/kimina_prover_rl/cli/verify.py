"""`kimina-rl verify`: check Lean proofs from a JSON Lines file, one verdict per line."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kimina_prover_rl.cli._app import (
    app,
    exit_interrupted,
    exit_with_error,
    report_infrastructure_failures,
)
from kimina_prover_rl.cli._jsonl import (
    OrderedWriter,
    OutputPath,
    exit_without_records,
    open_output,
    progress_bar,
    read_jsonl,
    stderr_console,
)
from kimina_prover_rl.cli._verifier_options import with_verifier_options
from kimina_prover_rl.errors import ConfigError, InputError

if TYPE_CHECKING:
    from kimina_prover_rl.lean import Verdict, VerifierSettings, VerifyRequest

__all__ = ["verify"]


@app.command("verify")
@with_verifier_options()
def verify(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT.jsonl",
            help='One JSON object per line: {"id", "code"} ("custom_id"/"proof" also accepted), '
            'optionally "theorem_name" and "formal_statement".',
        ),
    ],
    *,
    output: OutputPath = None,
    verifier_options: VerifierSettings,
) -> None:
    """Check Lean proofs and write one verdict per input line, in input order.

    Each input line `{"id", "code"}` (kimina-lean-server's snippet shape; `custom_id` and
    `proof` are accepted too) holds the complete Lean file. Every declaration's axioms are
    checked. Optional `"theorem_name"` names the graded theorem and `"formal_statement"` is
    the statement given to the prover (header included): with it, Lean itself confirms that
    the theorem proves exactly that statement (the name is read from it when not given).
    Each output line is a verdict:

    `{"id", "status", "messages", "axioms", "detail", "time_s", "code_hash", "lean_version",
    "cached", "response"}`

    `status` is one of valid, lean_error, sorry, unsound, timeout, oom (Lean's judgement),
    crash, rejected, overloaded, infra_error (not the proof's fault). A line that is not a
    valid record becomes `{"id", "error": "<message>"}`. Counts per status go to stderr.

    Every proof is first scanned for forbidden constructs (a kernel-checking option,
    `#eval`, `axiom`, ...): a refused one is `rejected`, naming the construct
    (`--trusted-code` skips the scan). A `theorem_name` the `formal_statement` does not
    declare is an error line. Before any proof, the verifier checks that known proofs get
    their known verdicts from this Lean (the self-check, remembered per Lean version and
    project in the cache); if one differs, the command stops with exit status 1 and
    `verifier self-check failed: ...` on stderr, before writing anything.

    Exit status (the rule of every batch command): 0 when every line was answered and at
    least one was a valid record; 2 for a bad option, an unreadable input or output, `-o`
    naming the input itself, or an input without a valid record (empty, or every line an
    error: each still gets its error line); 1 when every proof
    sent to the verifier got crash, overloaded or infra_error (for example no Lean project:
    see `--project-dir`; the lines are written either way, and stderr quotes the first
    failure), or when the self-check fails; 130 after Ctrl-C (the lines already written
    stay). INPUT `-` reads stdin.

    Examples:

    `kimina-rl verify proofs.jsonl -o verdicts.jsonl --project-dir ~/lean/mathlib-project`

    `kimina-rl verify proofs.jsonl --backend standin` (simulated Lean, for a dry run)
    """
    tally = _Tally()
    records: list[dict[str, Any] | InputError] = []
    try:
        records = read_jsonl(input_path, output=output)
        asyncio.run(_verify_all(records, output, verifier_options, tally))
    except (ConfigError, InputError) as exc:
        raise exit_with_error(exc) from exc
    except KeyboardInterrupt:
        written = 0 if tally.writer is None else tally.writer.written
        raise exit_interrupted(written, len(records), output) from None
    summary = ", ".join(f"{name}: {n}" for name, n in tally.counts.most_common())
    stderr_console.print(
        f"verified {len(records)} proofs: {summary or 'nothing to verify'}",
        markup=False,
        highlight=False,
    )
    exit_without_records(
        input_path,
        tally.verified,
        tally.counts["error"],
        tally.first_error,
        '{"id", "code"} (or kimina\'s {"custom_id", "proof"})',
    )
    report_infrastructure_failures(
        tally.infra_failures, tally.verified, tally.first_infra, blamed="proof"
    )


@dataclass(slots=True)
class _Tally:
    """Counts per status, and how many verified proofs failed for infrastructure reasons."""

    counts: Counter[str] = field(default_factory=Counter)
    verified: int = 0
    infra_failures: int = 0
    first_infra: str | None = None
    writer: OrderedWriter | None = None
    first_error: str | None = None

    def add(self, verdict: Verdict) -> None:
        self.counts[verdict.status.value] += 1
        self.verified += 1
        if verdict.status.is_infrastructure:
            self.infra_failures += 1
            if self.first_infra is None:
                self.first_infra = verdict.detail or verdict.status.value


def _request(record: dict[str, Any] | InputError, number: int) -> VerifyRequest | dict[str, Any]:
    """The request a record asks for, or the error line that replaces it."""
    from kimina_prover_rl.lean import VerifyRequest
    from kimina_prover_rl.proof import declarations

    if isinstance(record, InputError):
        return {"id": None, "error": str(record)}
    record_id = record.get("id", record.get("custom_id"))
    code = record.get("code", record.get("proof"))
    if not isinstance(code, str):
        return {"id": record_id, "error": f"record {number}: `code` (or `proof`) must be a string"}
    if not declarations(code):
        return {
            "id": record_id,
            "error": f"record {number}: `code` holds no declaration to check (no theorem, "
            "lemma or example); pass the Lean code of the proof itself",
        }
    graded = {key: record.get(key) for key in ("theorem_name", "formal_statement")}
    for key, value in graded.items():
        if value is not None and not isinstance(value, str):
            return {
                "id": record_id,
                "error": f"record {number}: `{key}` must be a string when given, "
                f"not {type(value).__name__}",
            }
    try:
        return VerifyRequest(
            code,
            id=None if record_id is None else str(record_id),
            theorem_name=graded["theorem_name"],
            formal_statement=graded["formal_statement"],
        )
    except InputError as exc:
        return {"id": record_id, "error": f"record {number}: {exc}"}


async def _verify_all(
    records: list[dict[str, Any] | InputError],
    output: Path | None,
    options: VerifierSettings,
    tally: _Tally,
) -> None:
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
    if errors:
        tally.counts["error"] = len(errors)
        tally.first_error = str(errors[0][1]["error"])
    async with AsyncExitStack() as stack:
        # entering the verifier runs its self-check: nothing is written if it fails
        verifier = await stack.enter_async_context(open_verifier(options)) if requests else None
        with open_output(output) as stream, progress_bar() as bar:
            task = bar.add_task("verifying", total=len(records))
            writer = OrderedWriter(stream, len(records))
            tally.writer = writer
            for position, line in errors:
                writer.put(position, line)
            bar.advance(task, len(errors))
            if verifier is not None:
                async for index, verdict in verifier.verify_stream(requests):
                    position = positions[index]
                    writer.put(position, _verdict_line(verdict, records[position]))
                    tally.add(verdict)
                    bar.advance(task)


def _verdict_line(verdict: Verdict, record: dict[str, Any] | InputError) -> dict[str, Any]:
    line = verdict.to_dict()
    if isinstance(record, dict):
        line["id"] = record.get("id", record.get("custom_id"))
    return line
