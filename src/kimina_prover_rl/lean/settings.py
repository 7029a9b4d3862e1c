"""Every verifier setting, once: :class:`VerifierSettings` and :func:`resolve_backend`.

This dataclass is the one definition of a verifier setting. Each field holds its help
text and command-line flag, so the shared options of ``verify``, ``serve``, ``score``,
``eval``, ``doctor`` and ``dry-run`` are generated from it (``cli/_verifier_options.py``);
verl's ``reward_kwargs`` are read into it (``verl/reward.py``), and the YAML and the
recipes' reward arguments are checked against it by the tests. A new setting is one field
here (plus its use in :func:`~kimina_prover_rl.lean.factory.open_verifier`).

``backend="auto"`` (the default) is resolved by :func:`resolve_backend` only: a
kimina-lean-server when a URL is given, a local Lean project when one is given, and
otherwise an error saying how to point the command at Lean. It never picks the stand-in
(simulated Lean): that runs only when named, ``backend="standin"``.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from kimina_prover_rl._schema import check_fields, setting
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean.sandbox import SandboxMode
from kimina_prover_rl.standin import MODULE as STANDIN_MODULE
from kimina_prover_rl.workspace import WORKSPACE_FILE

__all__ = ["NO_LEAN", "Backend", "VerifierSettings", "WithoutLean", "resolve_backend"]

Backend = Literal["auto", "local", "standin", "remote", "ray"]

NO_LEAN = (
    "no Lean is configured, and simulated Lean is never picked silently. Point the "
    "command at Lean: a kimina-lean-server (--url or LEAN_SERVER_API_URL), or a Lean "
    "project with Mathlib (--project-dir or KIMINA_LEAN_PROJECT; in verl "
    "reward_kwargs.project_dir; in the recipes KIMINA_LEAN_PROJECT). For plumbing checks "
    "only, ask for the stand-in REPL by name: --backend standin (verl: "
    "reward_kwargs.backend=standin; recipes: LEAN_BACKEND=standin)"
)
"""Why ``auto`` found no Lean, and every way to give it one."""

_LEAN_PROJECT_FILES = ("lakefile.lean", "lakefile.toml", "lean-toolchain", WORKSPACE_FILE)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifierSettings:
    """Which verifier to build and its limits; see the module docstring."""

    backend: Backend = setting(
        "auto",
        flag="--backend",
        help="`auto`: a kimina-lean-server if --url or LEAN_SERVER_API_URL is set, else the "
        "Lean project of --project-dir (or the current folder), else stop and say how to "
        "give one. `local`: REPLs in --project-dir. `standin`: SIMULATED Lean for tests and "
        "demos. `remote`: a kimina-lean-server at --url. `ray`: the Lean pools of a Ray "
        "cluster, one per node offering --ray-resource.",
    )
    repl_cmd: str | None = setting(
        None,
        flag="--repl-cmd",
        envvar="KIMINA_LEAN_REPL",
        metavar="CMD",
        help="REPL command line (shell syntax), run in --project-dir [default: lake env repl, "
        "or the REPL built by `kimina-rl lean setup` in its workspace].",
    )
    project_dir: Annotated[Path | None, Field(strict=False)] = setting(
        None,
        flag="--project-dir",
        envvar="KIMINA_LEAN_PROJECT",
        metavar="DIR",
        help="Lean project with Mathlib (holds lakefile and lean-toolchain), or a workspace "
        "made by `kimina-rl lean setup`.",
    )
    sandbox: SandboxMode = setting(
        "auto",
        flag="--sandbox",
        envvar="KIMINA_SANDBOX",
        help="Run each REPL in bubblewrap (no network, read-only project and toolchain, "
        "private /tmp, no home): `auto` when bwrap works here (says so at start), "
        "`required` refuses to start without it, `off` runs REPLs with your full rights.",
    )
    workers: Annotated[int, Field(ge=1)] = setting(
        4,
        flag="--workers",
        help="REPL processes checking at once (`ray`: each node's --ray-resource instead). "
        "Four, plus a spare, fit a 32 GiB machine with Mathlib (2-5 GiB per REPL).",
    )
    spares: Annotated[int, Field(ge=0)] = setting(
        1,
        flag="--spares",
        metavar="N",
        help="Warm spare REPLs per header on top of --workers, so a killed or recycled REPL "
        "is replaced without waiting for `import Mathlib`. Each real Mathlib REPL holds "
        "2-5 GiB: budget (workers + spares) x that per header in use; 0 saves the memory.",
    )
    timeout_s: Annotated[float, Field(gt=0)] = setting(
        60.0,
        flag="--timeout",
        metavar="S",
        help="Per-proof time limit in seconds (the header's import is not counted).",
    )
    cache_path: Annotated[Path | None, Field(strict=False)] = setting(
        None,
        flag="--cache",
        metavar="FILE",
        help="SQLite verdict cache (none: no cache) [command line default: $KIMINA_CACHE "
        "or ~/.cache/kimina-prover-rl/verdicts.sqlite].",
    )
    dedup: bool = setting(
        True, flag="--dedup/--no-dedup", help="Check identical proofs in flight once."
    )
    url: str | None = setting(
        None,
        flag="--url",
        envvar="LEAN_SERVER_API_URL",
        help="kimina-lean-server URL for `remote` (and `auto`) [default: $LEAN_SERVER_API_URL, "
        "else http://localhost:8000].",
    )
    api_key: str | None = setting(
        None,
        flag="--api-key",
        envvar="LEAN_SERVER_API_KEY",
        help="API key of the `remote` server [default: $LEAN_SERVER_API_KEY].",
    )
    remote_endpoint: Literal["check", "verify"] = setting(
        "check",
        flag="--endpoint",
        help="Remote route: `/api/check` or the legacy `/verify`.",
    )
    remote_batch_size: Annotated[int, Field(ge=1)] = setting(
        16,
        flag="--remote-batch-size",
        metavar="N",
        help="Proofs per request to the `remote` server; a server refusing that many "
        "(HTTP 413) gets them in smaller requests.",
    )
    remote_deadline_s: Annotated[float, Field(gt=0)] = setting(
        900.0,
        flag="--remote-deadline",
        metavar="SECONDS",
        help="Longest a request to the `remote` server may take, retries included; past it "
        "its proofs get infra_error (a server that accepts but never answers).",
    )
    ray_pool: Literal["local", "standin"] = setting(
        "local", flag="--ray-pool", help="What the per-node Ray actor runs."
    )
    ray_resource: str = setting(
        "lean_slots",
        flag="--ray-resource",
        metavar="NAME",
        help="Ray resource marking Lean slots: a pool on each node offering it, one REPL per "
        "unit (`ray start --resources='{\"lean_slots\": 32}'`). Joins $RAY_ADDRESS or the "
        "local cluster.",
    )
    standin_latency: str = setting(
        "0",
        flag="--standin-latency",
        metavar="SPEC",
        help="Stand-in latency: SECONDS, uniform:LOW,HIGH or lognormal:MEDIAN,P99.",
    )
    standin_seed: int | None = setting(
        None, flag="--standin-seed", help="Seed of the stand-in's latency draws."
    )
    trusted_code: bool = setting(
        False,
        flag="--trusted-code/--scan-code",
        help="Skip the verifier's own forbidden-construct checks (kernel checking turned off, "
        "`#eval`, `axiom`, ...). Only for code you wrote: by default every proof is scanned "
        "and a refused one is `rejected`, naming the construct.",
    )
    self_check: bool = setting(
        True,
        flag="--self-check/--skip-self-check",
        help="Before any proof, check that known proofs get their known verdicts from this "
        "Lean (remembered per Lean version and project in the --cache); skipping is said "
        "on every run.",
    )
    self_check_header: str = setting(
        "import Mathlib",
        flag="--self-check-header",
        metavar="HEADER",
        help="Header the self-check's core-Lean proofs run under (the one your proofs use; "
        "'' for none).",
    )

    def __post_init__(self) -> None:
        check_fields(self)
        if self.repl_cmd is not None:
            try:
                argv = shlex.split(self.repl_cmd)
            except ValueError as exc:
                raise ConfigError(
                    f"repl_cmd={self.repl_cmd!r} is not a command line: {exc}"
                ) from exc
            if not argv:
                raise ConfigError("repl_cmd is empty; pass e.g. --repl-cmd 'lake env repl'")

    @property
    def simulated(self) -> bool:
        """Whether the verdicts come from the stand-in rather than Lean."""
        if self.backend == "standin" or (self.backend == "ray" and self.ray_pool == "standin"):
            return True
        return self.repl_cmd is not None and STANDIN_MODULE in self.repl_cmd


WithoutLean = Literal["refuse", "standin", "keep"]
"""What ``auto`` becomes when no Lean is configured: an error, the stand-in (the CPU dry
run's announced default) or still ``auto`` (``doctor``, which reports it)."""


def resolve_backend(
    settings: VerifierSettings, *, without_lean: WithoutLean = "refuse"
) -> VerifierSettings:
    """``settings`` with ``backend="auto"`` replaced by the backend it stands for.

    A URL (``url`` or ``$LEAN_SERVER_API_URL``) means ``remote``; a project (``project_dir``,
    ``repl_cmd``, or a current folder holding a Lean project) means ``local``. With neither,
    ``ConfigError`` (:data:`NO_LEAN`) says how to give one, unless ``without_lean`` says
    otherwise. Any other backend is returned as given.
    """
    if settings.backend != "auto":
        return settings
    if settings.url or os.environ.get("LEAN_SERVER_API_URL"):
        return replace(settings, backend="remote")
    if settings.project_dir is not None or settings.repl_cmd is not None or _in_lean_project():
        return replace(settings, backend="local")
    if without_lean == "standin":
        return replace(settings, backend="standin")
    if without_lean == "keep":
        return settings
    raise ConfigError(NO_LEAN)


def _in_lean_project() -> bool:
    return any(Path(name).is_file() for name in _LEAN_PROJECT_FILES)
