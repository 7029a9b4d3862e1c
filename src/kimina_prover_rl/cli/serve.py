"""`kimina-rl serve`: a kimina-lean-server compatible HTTP API over a verifier."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.cli._jsonl import stderr_console
from kimina_prover_rl.cli._verifier_options import with_verifier_options

if TYPE_CHECKING:
    from kimina_prover_rl.lean import VerifierSettings

__all__ = ["serve"]


@app.command("serve")
@with_verifier_options(exclude={"api_key"})
def serve(
    *,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for all).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar=["LEAN_SERVER_API_KEY", "KIMINA_SERVE_API_KEY"],
            help="Require this key from clients (`Authorization: Bearer KEY`); none by default. "
            "Read from LEAN_SERVER_API_KEY as kimina-lean-server does (KIMINA_SERVE_API_KEY "
            "still works but is deprecated).",
        ),
    ] = None,
    log_level: Annotated[
        str, typer.Option(help="uvicorn log level: debug, info, warning, error.")
    ] = "info",
    max_timeout: Annotated[
        float,
        typer.Option(
            help="Longest Lean time limit (seconds) a request gets; a larger `timeout` is "
            "lowered to it, not refused, so kimina clients still get one result per proof.",
        ),
    ] = 300.0,
    max_snippets: Annotated[
        int,
        typer.Option(
            help="Most proofs one request may hold; a larger request is refused with HTTP "
            "413 naming the limit (the client must send smaller batches).",
        ),
    ] = 4096,
    max_body_bytes: Annotated[
        int,
        typer.Option(
            min=1,
            metavar="BYTES",
            help="Largest request body accepted; a larger one is refused with HTTP 413 "
            "before it is read into memory (checked on Content-Length and while streaming).",
        ),
    ] = 64 * 1024 * 1024,
    verifier_options: VerifierSettings,
) -> None:
    """Serve `POST /api/check`, `POST /verify` and `GET /health` as kimina-lean-server does.

    `/api/check` takes `{"snippets": [{"id", "code"}], "timeout"}` and answers
    `{"results": [{"id", "time", "error" | "response", "verdict"}]}`; the legacy `/verify`
    takes `{"codes": [{"custom_id", "proof"}], "timeout"}`. Existing kimina clients work
    unchanged (point `LEAN_SERVER_API_URL` here); each result also carries our full
    `verdict`. Every proof gets its own result: one failing proof never fails the request.
    With --backend remote, the upstream key is read from `LEAN_SERVER_API_KEY` too (pass
    --api-key to guard this server with another key). With
    --backend ray, this one endpoint checks on every Lean pool of the Ray cluster (a pool
    per node offering --ray-resource; run it on a node of the cluster or set RAY_ADDRESS).

    Per request, a `timeout` above --max-timeout is lowered to it (a proof that needs longer
    gets a `timeout` verdict naming the limit), and more than --max-snippets proofs or a
    body over --max-body-bytes is refused with HTTP 413. `GET /health` reports the limits.

    Before it listens, the verifier runs its self-check (known proofs, known verdicts) and
    stops with exit status 1 and `verifier self-check failed: ...` when this Lean's answers
    would be judged wrongly; `/health` reports the self-check, and answers HTTP 503
    `unavailable` while Lean does not answer it (never `ok` without a working Lean).
    Every proof is scanned for forbidden constructs (`--trusted-code` skips that), and a
    `theorem_name` its `formal_statement` does not declare is HTTP 400.

    Memory: a local pool runs --workers REPLs plus --spares warm spares per header in use;
    with Mathlib each REPL holds 2-5 GiB, so `--workers 8 --spares 1` needs about 18-45 GiB.
    """
    import uvicorn

    from kimina_prover_rl.errors import SelfCheckFailed
    from kimina_prover_rl.lean import open_verifier
    from kimina_prover_rl.lean.self_check import self_check_report
    from kimina_prover_rl.server import ServerLimits, create_app

    if os.environ.get("KIMINA_SERVE_API_KEY") and not os.environ.get("LEAN_SERVER_API_KEY"):
        stderr_console.print(
            "warning: KIMINA_SERVE_API_KEY is deprecated; set LEAN_SERVER_API_KEY "
            "(kimina-lean-server's name) instead",
            markup=False,
            style="yellow",
        )
    limits = ServerLimits(
        max_timeout_s=max_timeout, max_snippets=max_snippets, max_body_bytes=max_body_bytes
    )
    verifier = open_verifier(verifier_options)
    application = create_app(lambda: verifier, api_key=api_key, limits=limits)
    where = f"http://{host}:{port}"
    guard = "API key required" if api_key else "no API key"
    stderr_console.print(
        f"serving {verifier_options.backend} verifier at {where} ({guard}; "
        f"max timeout {limits.max_timeout_s:g} s, max {limits.max_snippets} proofs and "
        f"{limits.max_body_bytes} bytes per request)"
    )
    if verifier_options.backend in ("local", "standin", "ray"):
        stderr_console.print(
            f"REPLs per header in use: {verifier_options.workers} workers + "
            f"{verifier_options.spares} warm spare(s) (--spares); "
            "each real Mathlib REPL holds 2-5 GiB"
        )
    try:
        uvicorn.run(application, host=host, port=port, log_level=log_level)
    except SystemExit:
        # the app enters its verifier at start-up, which runs the self-check first
        report = self_check_report(verifier)
        if report is not None and report.state == "failed":
            raise SelfCheckFailed(report.message) from None
        raise
