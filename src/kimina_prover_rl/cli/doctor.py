"""`kimina-rl doctor`: one screen saying what this machine can do, and what to fix."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.cli._verifier_options import with_verifier_options

if TYPE_CHECKING:
    from kimina_prover_rl.lean import Verdict, VerifierSettings

__all__ = [
    "KNOWN_BAD",
    "KNOWN_VALID",
    "Finding",
    "doctor",
    "lean_server_check",
    "verifier_check",
]

KNOWN_VALID = "import Mathlib\n\ntheorem kimina_doctor_ok : (2 : ℕ) + 2 = 4 := by\n  norm_num\n"
"""A proof every Lean + Mathlib setup accepts."""
KNOWN_BAD = "import Mathlib\n\ntheorem kimina_doctor_bad (n : ℕ) : n + 1 = n := by\n  simp\n"
"""A false statement: a verifier that accepts it is not checking proofs. It has a variable,
because the stand-in evaluates closed arithmetic and would refuse ``2 + 2 = 5`` itself."""

_HEALTH_TIMEOUT_S = 10.0
_SIMULATED = "standin"
"""How a stand-in verifier's Lean version starts (``standin (simulated Lean, …)``)."""
_EXCERPT = 200

_NO_ANSWER = frozenset({"crash", "overloaded", "infra_error", "rejected"})

# distribution -> (what it is for, the extra that installs it)
_PACKAGES = {
    "torch": ("training and models", "trl"),
    "transformers": ("models", "trl"),
    "trl": ("`kimina-rl dry-run` (CPU)", "trl"),
    "verl": ("GRPO training on GPUs", "verl"),
    "vllm": ("fast rollouts and `eval --generator vllm` on GPUs", "verl"),
    "ray": ("verl and the Ray verifier backend", "ray"),
    "datasets": ("prompt sets", "data"),
    "matplotlib": ("plots (`dry-run`, `report`)", "plot"),
    "fastapi": ("`kimina-rl serve`", "server"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One row of the report: what was checked, whether it is fine, details, the fix."""

    piece: str
    ok: bool | None
    detail: str
    fix: str = ""


@app.command("doctor")
@with_verifier_options(without_lean="keep")
def doctor(*, verifier_options: VerifierSettings) -> None:
    """Say what this machine can do: Python, packages, GPUs, Lean, the verifier.

    With a Lean server (`--url` or `$LEAN_SERVER_API_URL`) it asks the server's `/health`
    (is it up, which Lean it runs). With a Lean project (`--project-dir`, or
    `$KIMINA_LEAN_PROJECT`) or a server, it also runs the verifier's self-check (known
    core-Lean proofs, known verdicts) and sends a known-valid and a known-false proof,
    checking that the first passes and the second fails. Exit status 1 when the server
    does not answer or a known-proof check fails, else 0.
    """
    server = lean_server_check(verifier_options.url or os.environ.get("LEAN_SERVER_API_URL"))
    checks = [verifier_check(verifier_options), _server_proofs(verifier_options, server)]
    found = [check for check in checks if check is not None]
    findings = [
        _python(),
        *_packages(),
        _gpus(),
        *_lean_project(verifier_options),
        _sandbox(verifier_options),
        server,
        *found,
    ]
    table = Table(title="kimina-rl doctor", title_justify="left", show_lines=False)
    for column in ("piece", "", "found", "to fix"):
        table.add_column(column, overflow="fold")
    marks = {True: "[green]ok[/green]", False: "[red]missing[/red]", None: "[dim]-[/dim]"}
    for f in findings:
        table.add_row(f.piece, marks[f.ok], f.detail, f.fix)
    Console(highlight=False, width=_columns()).print(table)
    if any(f.ok is False for f in (server, *found)):
        raise typer.Exit(1)


def _server_proofs(options: VerifierSettings, server: Finding) -> Finding | None:
    """The known proofs sent to the ``LEAN_SERVER_API_URL`` server when it is up but is not
    the backend already checked (``--backend remote`` checks it in :func:`verifier_check`)."""
    url = options.url or os.environ.get("LEAN_SERVER_API_URL")
    if options.backend == "remote" or not url or server.ok is not True:
        return None
    from dataclasses import replace

    return verifier_check(replace(options, backend="remote", url=url))


def verifier_check(options: VerifierSettings) -> Finding | None:
    """Run the self-check of the verifier ``options`` describe, then send it
    :data:`KNOWN_VALID` and :data:`KNOWN_BAD`.

    None when no verifier is configured (``auto`` found no Lean, or ``local`` with neither
    a project nor a command).
    """
    from dataclasses import replace

    from kimina_prover_rl.errors import SelfCheckFailed
    from kimina_prover_rl.lean import VerifyRequest, open_verifier, resolve_backend
    from kimina_prover_rl.lean.self_check import self_check_report

    options = resolve_backend(options, without_lean="keep")
    if options.backend == "auto" or (
        options.backend == "local" and options.project_dir is None and options.repl_cmd is None
    ):
        return None
    self_check: list[str] = []

    async def run() -> list[Verdict]:
        # no cache: the self-check and the known proofs really run now
        async with open_verifier(replace(options, cache_path=None)) as verifier:
            report = self_check_report(verifier)
            self_check.append("not run" if report is None else report.state)
            return await verifier.verify(
                [VerifyRequest(code=KNOWN_VALID), VerifyRequest(code=KNOWN_BAD)]
            )

    label = f"verifier ({options.backend})"
    try:
        good_verdict, bad_verdict = asyncio.run(run())
    except SelfCheckFailed as exc:
        first, _, rest = str(exc).partition("\n")
        return Finding(label, False, first, rest.rpartition("what to do: ")[2])
    good, bad = good_verdict.status.value, bad_verdict.status.value
    detail = f"self-check: {self_check[0]}; known-valid proof: {good}; known-false proof: {bad}"
    if good not in _NO_ANSWER and good_verdict.lean_version.startswith(_SIMULATED):
        return Finding(
            label,
            False,
            f"{detail}; Lean is SIMULATED ({good_verdict.lean_version})",
            "this is the stand-in, not Lean: pass --project-dir with a Lean + Mathlib "
            "project, or point LEAN_SERVER_API_URL at a real server",
        )
    if good == "valid" and bad != "valid":
        return Finding(label, True, detail)
    if bad == "valid":
        fix = "it accepts a false proof: this is not Lean (the stand-in?) or not Mathlib"
    elif good in _NO_ANSWER:
        fix = "a valid proof failed: the verifier did not answer. " + _no_answer_fix(
            options, good_verdict.detail
        )
    else:
        fix = "a valid proof failed: check the Lean project, Mathlib build and --repl-cmd"
    if good_verdict.detail:
        detail += f" ({good_verdict.detail})"
    return Finding(label, False, detail, fix)


def _no_answer_fix(options: VerifierSettings, cause: str) -> str:
    """What to change when the known-valid proof got no answer, from the real cause."""
    if "HTTP 401" in cause or "HTTP 403" in cause:
        return "The server wants an API key: set LEAN_SERVER_API_KEY to the server's key."
    if options.backend == "remote":
        return "Is the server up and --url / LEAN_SERVER_API_URL right?"
    if "No such file" in cause or "not found" in cause:
        return "Pass --repl-cmd with the path of a built REPL binary and --project-dir."
    return "Check --repl-cmd and --project-dir."


def _columns() -> int | None:
    """``$COLUMNS`` read now: rich reads the ``os.environ`` object of its import time, and a
    library that replaces ``os.environ`` (datasets' multi-process ``map`` does; something in the
    test suite did) hides it."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else None


def lean_server_check(url: str | None) -> Finding:
    """Ask the Lean server at ``url`` for ``GET /health``: is it up, and which Lean it runs.

    The real cause (connection refused, an HTTP status and its body) is shown as it is.
    """
    if not url:
        return Finding(
            "Lean server",
            None,
            "none (LEAN_SERVER_API_URL unset)",
            "optional: `kimina-rl serve` on a Lean machine, then --backend remote",
        )
    import httpx

    health = url.rstrip("/") + "/health"
    try:
        response = httpx.get(health, timeout=_HEALTH_TIMEOUT_S)
    except httpx.HTTPError as exc:
        cause = str(exc) or type(exc).__name__
        return Finding(
            "Lean server",
            False,
            f"{health}: no answer ({cause})",
            "start the server (`kimina-rl serve` on the Lean machine) or fix "
            "LEAN_SERVER_API_URL / --url",
        )
    if response.status_code != 200:
        body = response.text[:_EXCERPT].strip()
        fix = "point LEAN_SERVER_API_URL / --url at a kimina-lean-server or `kimina-rl serve`"
        if response.status_code in (401, 403):
            fix = "set LEAN_SERVER_API_KEY to the server's key"
        return Finding("Lean server", False, f"{health}: HTTP {response.status_code} {body}", fix)
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Finding(
            "Lean server",
            False,
            f"{health}: not a JSON object ({response.text[:_EXCERPT]!r})",
            "LEAN_SERVER_API_URL / --url does not point at a Lean server",
        )
    version = data.get("lean_version") or "not reported (a kimina-lean-server?)"
    server = data.get("server") or "kimina-lean-server"
    return Finding("Lean server", True, f"{url}: up, {server}, Lean {version}")


def _python() -> Finding:
    version = platform.python_version()
    ok = sys.version_info >= (3, 11)
    return Finding("Python", ok, f"{version} ({sys.executable})", "" if ok else "use Python 3.11+")


def _packages() -> list[Finding]:
    found = []
    for name, (purpose, extra) in _PACKAGES.items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            fix = f"pip install 'kimina-prover-rl[{extra}]'"
            if name == "vllm":
                fix = "pip install vllm (GPU machines; verl's vllm extra)"
            found.append(Finding(name, False, f"not installed; needed for {purpose}", fix))
        else:
            found.append(Finding(name, True, f"{version}: {purpose}"))
    return found


def _gpus() -> Finding:
    smi = shutil.which("nvidia-smi")
    if smi is not None:
        result = subprocess.run(
            [smi, "-L"], capture_output=True, text=True, timeout=20, check=False
        )
        names = [line for line in result.stdout.splitlines() if line.startswith("GPU")]
        if names:
            return Finding("GPUs", True, f"{len(names)}: {names[0]}")
    return Finding(
        "GPUs",
        None,
        "none found (nvidia-smi)",
        "fine for `dry-run`; verl training and vLLM need NVIDIA GPUs",
    )


def _lean_project(options: VerifierSettings) -> list[Finding]:
    lake = shutil.which("lake")
    tools = Finding(
        "Lean toolchain",
        lake is not None,
        f"lake at {lake}" if lake else "lake not on PATH",
        "" if lake else "install elan (Lean's installer), which brings lean and lake",
    )
    project = options.project_dir
    if project is None:
        return [
            tools,
            Finding(
                "Lean project",
                None,
                "none given",
                "pass --project-dir (or set KIMINA_LEAN_PROJECT) to a Lean + Mathlib project; "
                "until then the dry run uses the stand-in (simulated Lean)",
            ),
        ]
    from kimina_prover_rl.workspace import find_workspace

    workspace = find_workspace(project)
    if workspace is not None:
        built = workspace.repl_binary.is_file()
        cached = workspace.mathlib_cached()
        return [
            tools,
            Finding(
                "Lean workspace",
                built and cached,
                f"{workspace.root}: Lean {workspace.lean_version}, Mathlib cache "
                f"{'in place' if cached else 'missing'}, REPL {'built' if built else 'not built'}",
                "" if built and cached else f"kimina-rl lean setup {workspace.root}",
            ),
            _repl(workspace.project_dir, options.repl_cmd, workspace.repl_binary),
        ]
    return [tools, _describe_project(project), _repl(project, options.repl_cmd)]


def _sandbox(options: VerifierSettings) -> Finding:
    """Whether local REPLs would run sandboxed, as ``--sandbox`` asks."""
    from kimina_prover_rl.errors import ConfigError
    from kimina_prover_rl.lean.sandbox import describe_sandbox, resolve_sandbox

    if options.backend == "remote":
        return Finding("REPL sandbox", None, "the remote server runs its own REPLs")
    try:
        sandbox = resolve_sandbox(options.sandbox)
    except ConfigError as exc:
        return Finding("REPL sandbox", False, str(exc), "install bubblewrap")
    detail = describe_sandbox(options.sandbox, sandbox)
    if sandbox is not None:
        return Finding("REPL sandbox", True, detail)
    if options.sandbox == "off":
        return Finding("REPL sandbox", None, detail, "--sandbox auto to sandbox when possible")
    return Finding("REPL sandbox", False, detail, "install bubblewrap (apt-get install bubblewrap)")


def _describe_project(project: Path) -> Finding:
    toolchain = project / "lean-toolchain"
    if not toolchain.is_file():
        return Finding(
            "Lean project",
            False,
            f"{project}: no lean-toolchain",
            "pass the folder that holds lean-toolchain and lakefile",
        )
    detail = f"{project}: {toolchain.read_text(encoding='utf-8').strip()}"
    mathlib = _mathlib_version(project / "lake-manifest.json")
    if mathlib is None:
        return Finding("Lean project", False, f"{detail}, no Mathlib", "add Mathlib, `lake update`")
    return Finding("Lean project", True, f"{detail}, Mathlib {mathlib}")


def _mathlib_version(manifest: Path) -> str | None:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    for package in data.get("packages", []) if isinstance(data, dict) else []:
        if isinstance(package, dict) and package.get("name") == "mathlib":
            return str(package.get("inputRev") or package.get("rev", "?"))
    return None


def _repl(project: Path, repl_cmd: str | None, built: Path | None = None) -> Finding:
    if repl_cmd is not None:
        return Finding("Lean REPL", True, f"--repl-cmd {repl_cmd}")
    if built is None:
        built = project / ".lake" / "packages" / "REPL" / ".lake" / "build" / "bin" / "repl"
    on_path = shutil.which("repl")
    if built.is_file() or on_path:
        return Finding("Lean REPL", True, str(built if built.is_file() else on_path))
    return Finding(
        "Lean REPL",
        False,
        "no repl binary in the project or on PATH",
        "`kimina-rl lean setup DIR` builds one (then --project-dir DIR), or build "
        "https://github.com/leanprover-community/repl and pass --repl-cmd",
    )
