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
    from kimina_prover_rl.lean import VerifierOptions

__all__ = ["KNOWN_BAD", "KNOWN_VALID", "Finding", "doctor", "verifier_check"]

KNOWN_VALID = "import Mathlib\n\ntheorem kimina_doctor_ok : (2 : ℕ) + 2 = 4 := by\n  norm_num\n"
"""A proof every Lean + Mathlib setup accepts."""
KNOWN_BAD = "import Mathlib\n\ntheorem kimina_doctor_bad : (2 : ℕ) + 2 = 5 := by\n  norm_num\n"
"""A false statement: a verifier that accepts it is not checking proofs."""

_NO_ANSWER = frozenset({"crash", "overloaded", "infra_error", "rejected"})

# distribution -> (what it is for, the extra that installs it)
_PACKAGES = {
    "torch": ("training and models", "trl"),
    "transformers": ("models", "trl"),
    "trl": ("`kimina-rl dry-run` (CPU)", "trl"),
    "verl": ("GRPO training on GPUs", "verl"),
    "vllm": ("fast rollouts and `eval --backend vllm` on GPUs", "verl"),
    "ray": ("verl and the Ray verifier backend", "ray"),
    "datasets": ("prompt sets", "data"),
    "matplotlib": ("plots (`dry-run`, `report`)", "plot"),
    "fastapi": ("`kimina-rl serve`", "server"),
}

console = Console(highlight=False)


@dataclass(frozen=True, slots=True)
class Finding:
    """One row of the report: what was checked, whether it is fine, details, the fix."""

    piece: str
    ok: bool | None
    detail: str
    fix: str = ""


@app.command("doctor")
@with_verifier_options()
def doctor(*, verifier_options: VerifierOptions) -> None:
    """Say what this machine can do: Python, packages, GPUs, Lean, the verifier.

    With a Lean project (`--project-dir`, or `$KIMINA_LEAN_PROJECT`) or a server
    (`--backend remote`, `$LEAN_SERVER_API_URL`), it also runs the verifier's self-check
    (known core-Lean proofs, known verdicts) and sends a known-valid and a known-false
    proof, checking that the first passes and the second fails. Exit status 1 when either
    check fails, else 0.
    """
    findings = [_python(), *_packages(), _gpus(), *_lean_project(verifier_options)]
    checks = verifier_check(verifier_options)
    findings.extend(checks)
    failed = any(check.ok is False for check in checks)
    table = Table(title="kimina-rl doctor", title_justify="left", show_lines=False)
    for column in ("piece", "", "found", "to fix"):
        table.add_column(column, overflow="fold")
    marks = {True: "[green]ok[/green]", False: "[red]missing[/red]", None: "[dim]-[/dim]"}
    for f in findings:
        table.add_row(f.piece, marks[f.ok], f.detail, f.fix)
    console.print(table)
    if failed:
        raise typer.Exit(1)


def verifier_check(options: VerifierOptions) -> list[Finding]:
    """The verifier's start-up self-check, then :data:`KNOWN_VALID` and :data:`KNOWN_BAD`
    sent to the verifier ``options`` describe.

    Empty when no verifier is configured (``local`` with neither a project nor a command).
    """
    if options.backend == "local" and options.project_dir is None and options.repl_cmd is None:
        return []
    from dataclasses import replace

    from kimina_prover_rl.errors import SelfCheckFailed
    from kimina_prover_rl.lean import VerifyRequest, open_verifier
    from kimina_prover_rl.lean.self_check import self_check_report

    report: dict[str, str] = {}

    async def run() -> list[str]:
        # no cache: the self-check and the two proofs really run now
        async with open_verifier(replace(options, cache_path=None)) as verifier:
            shown = self_check_report(verifier)
            if shown is not None:
                report["state"] = shown.state
                report["cases"] = ", ".join(shown.cases)
            verdicts = await verifier.verify(
                [VerifyRequest(code=KNOWN_VALID), VerifyRequest(code=KNOWN_BAD)]
            )
        return [v.status.value for v in verdicts]

    try:
        good, bad = asyncio.run(run())
    except SelfCheckFailed as exc:
        fix = str(exc).rpartition("what to do: ")[2]
        return [Finding("verifier self-check", False, str(exc).split("\n", 1)[0], fix)]
    state = report.get("state", "not run")
    self_check = Finding(
        "verifier self-check",
        True if state == "passed" else None,
        f"{state}: {report['cases']}" if report.get("cases") else state,
        "" if state == "passed" else "drop --skip-self-check to check this Lean's answers",
    )
    return [self_check, _known_proofs(options.backend, good, bad)]


def _known_proofs(backend: str, good: str, bad: str) -> Finding:
    label = f"verifier ({backend})"
    detail = f"known-valid proof: {good}; known-false proof: {bad}"
    if good == "valid" and bad != "valid":
        return Finding(label, True, detail)
    if bad == "valid":
        fix = "it accepts a false proof: this is not Lean (the stand-in?) or not Mathlib"
    elif good in _NO_ANSWER:
        fix = (
            "a valid proof failed: the verifier did not answer (is the server up, the URL "
            "right, the REPL command runnable?)"
        )
    else:
        fix = "a valid proof failed: check the Lean project, Mathlib build and --repl-cmd"
    return Finding(label, False, detail, fix)


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


def _lean_project(options: VerifierOptions) -> list[Finding]:
    lake = shutil.which("lake")
    tools = Finding(
        "Lean toolchain",
        lake is not None,
        f"lake at {lake}" if lake else "lake not on PATH",
        "" if lake else "install elan (Lean's installer), which brings lean and lake",
    )
    server = os.environ.get("LEAN_SERVER_API_URL") or options.url
    remote = Finding(
        "Lean server",
        True if server else None,
        server or "none ($LEAN_SERVER_API_URL unset)",
        "" if server else "optional: `kimina-rl serve` on a Lean machine, then --backend remote",
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
            remote,
        ]
    return [tools, _describe_project(project), _repl(project, options.repl_cmd), remote]


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


def _repl(project: Path, repl_cmd: str | None) -> Finding:
    if repl_cmd is not None:
        return Finding("Lean REPL", True, f"--repl-cmd {repl_cmd}")
    built = project / ".lake" / "packages" / "REPL" / ".lake" / "build" / "bin" / "repl"
    on_path = shutil.which("repl")
    if built.is_file() or on_path:
        return Finding("Lean REPL", True, str(built if built.is_file() else on_path))
    return Finding(
        "Lean REPL",
        False,
        "no repl binary in the project or on PATH",
        "build https://github.com/leanprover-community/repl and pass --repl-cmd",
    )
