"""`kimina-rl lean ...`: set up the Lean side (a workspace with Lean, Mathlib and the REPL)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Literal

import typer

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.cli.doctor import verifier_check

__all__ = ["lean_app", "setup"]

lean_app = typer.Typer(
    name="lean",
    help="Set up and inspect the Lean side: toolchain, Mathlib, the REPL.",
    no_args_is_help=True,
)
app.add_typer(lean_app)


@lean_app.command("setup")
def setup(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Workspace folder.")],
    lean_version: Annotated[
        str | None,
        typer.Option(
            "--lean-version",
            metavar="TAG",
            help="Lean release tag; the REPL and Mathlib are cloned at the same tag "
            "[default: the version DIR holds, else the project's tested version].",
        ),
    ] = None,
    sandbox: Annotated[
        Literal["auto", "required", "off"],
        typer.Option(
            "--sandbox",
            envvar="KIMINA_SANDBOX",
            help="Sandbox of the self-check's REPL, as for `verify`.",
        ),
    ] = "auto",
    check: Annotated[
        bool,
        typer.Option(
            "--check/--no-check",
            help="End with the verifier's self-check and a known-valid and a known-false proof.",
        ),
    ] = True,
) -> None:
    """Create or complete a Lean workspace in DIR, without Docker: toolchain, REPL, Mathlib.

    Installs the Lean toolchain with elan (into ~/.elan), clones the REPL and Mathlib at
    the same tag into DIR/repl and DIR/mathlib4, fetches Mathlib's build cache (about
    5 GiB) and builds both. Steps already done are skipped, so running it again finishes
    an interrupted setup. Needs git and elan on PATH (it says how to get them).
    """
    from kimina_prover_rl.lean import VerifierSettings
    from kimina_prover_rl.workspace import set_up_workspace

    workspace = set_up_workspace(directory, lean_version, say=typer.echo)
    passed = True
    if check:
        typer.echo(
            "checking the workspace: the verifier's self-check, then a known-valid and a "
            "known-false proof ..."
        )
        options = VerifierSettings(
            project_dir=workspace.root, sandbox=sandbox, workers=1, spares=0, cache_path=None
        )
        finding = verifier_check(options)
        if finding is not None:
            passed = finding.ok is True
            verdict = "passed" if passed else "FAILED"
            typer.echo(f"workspace check {verdict}: {finding.detail}")
            if finding.fix:
                typer.echo(f"  to fix: {finding.fix}")
    root = shlex.quote(str(workspace.root))
    typer.echo(
        "\nPoint kimina-rl at this workspace:\n"
        f"  kimina-rl verify|serve|score|doctor --project-dir {root} --sandbox {sandbox}\n"
        f"  or: export KIMINA_LEAN_PROJECT={root} KIMINA_SANDBOX={sandbox}\n"
        "      (read by verify, serve, score, doctor and the recipes, "
        "recipe/kimina_prover_rl/*.sh)\n"
        "  kimina-lean-server: "
        f"LEAN_SERVER_REPL_PATH={shlex.quote(str(workspace.repl_binary))} "
        f"LEAN_SERVER_PROJECT_DIR={shlex.quote(str(workspace.project_dir))}"
    )
    if not passed:
        raise typer.Exit(1)
