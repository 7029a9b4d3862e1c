"""One way to build any verifier from options: :class:`VerifierOptions` -> :func:`open_verifier`.

Every command (``verify``, ``serve``, ``score``) and adapter builds its verifier here, so a
backend behaves the same wherever it is used: in-flight dedup over a verdict cache over the
backend (a local REPL pool, the stand-in, a remote server or the pools of a Ray cluster).
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, get_args

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean.cache import CachingVerifier, VerdictCache
from kimina_prover_rl.lean.dedup import DedupVerifier
from kimina_prover_rl.lean.guard import ConstructGuard
from kimina_prover_rl.lean.kimina.client import RemoteConfig, RemoteServer
from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.lean.sandbox import (
    SANDBOX_MODES,
    SandboxMode,
    describe_sandbox,
    resolve_sandbox,
)
from kimina_prover_rl.lean.self_check import SelfCheckedVerifier, note_skipped
from kimina_prover_rl.lean.verifier import Verifier
from kimina_prover_rl.lean.workspace import find_workspace
from kimina_prover_rl.standin import MODULE as STANDIN_MODULE
from kimina_prover_rl.standin import standin_command

__all__ = ["SIMULATED_NOTE", "Backend", "VerifierOptions", "open_verifier"]

Backend = Literal["local", "standin", "remote", "ray"]
_BACKENDS: tuple[str, ...] = get_args(Backend)

SIMULATED_NOTE = (
    "NOTE: Lean is SIMULATED (stand-in REPL, kimina_prover_rl.standin). "
    "No verdict below was checked by Lean; use --backend local with a Lean project for real checks."
)
"""Printed on stderr whenever a verifier is built on the stand-in."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifierOptions:
    """Which verifier to build and its main limits (the CLI's shared options map here)."""

    backend: Backend = "local"
    """``local`` REPL pool, ``standin`` (simulated Lean), ``remote`` server, or ``ray``."""
    repl_cmd: str | None = None
    """REPL command line (shell syntax); default ``lake env repl`` in ``project_dir`` (the
    workspace's built REPL when ``project_dir`` is a ``kimina-rl lean setup`` workspace)."""
    project_dir: Path | None = None
    """The Lean project (with Mathlib) the REPL runs in, or a ``lean setup`` workspace."""
    sandbox: SandboxMode = "auto"
    """Run each REPL in bubblewrap: ``auto`` when available, ``required``, or ``off``."""
    workers: int = 4
    """REPL processes checking proofs at once (``ray``: each node's ``ray_resource`` instead)."""
    spares: int = 1
    """Warm REPLs kept ready per header beyond the busy ones, so a killed or recycled REPL
    is replaced without a cold ``import`` in the way. Each costs a REPL's memory
    (2-5 GiB with Mathlib) while idle; 0 saves it (local, stand-in and Ray pools)."""
    timeout_s: float = 60.0
    """Per-proof time limit in seconds (the header's import is not counted)."""
    cache_path: Path | None = None
    """SQLite verdict cache file; None disables caching."""
    dedup: bool = True
    """Check identical proofs in flight once."""
    url: str | None = None
    """Remote server URL (``remote``); default ``$LEAN_SERVER_API_URL``."""
    api_key: str | None = None
    """Remote server API key (``remote``); default ``$LEAN_SERVER_API_KEY``."""
    remote_endpoint: Literal["check", "verify"] = "check"
    """``check`` (``/api/check``) or the legacy ``verify`` (``/verify``)."""
    remote_batch_size: int = 16
    """Proofs per HTTP request to the remote server (halved while it answers HTTP 413)."""
    ray_pool: Literal["local", "standin"] = "local"
    """What the per-node Ray actor runs (``ray``)."""
    ray_resource: str = "lean_slots"
    """Ray resource marking Lean slots: a pool on each node offering it, a REPL per unit."""
    standin_latency: str = "0"
    """Stand-in latency: ``SECONDS``, ``uniform:LOW,HIGH`` or ``lognormal:MEDIAN,P99``."""
    standin_seed: int | None = None
    """Seed of the stand-in's latency draws."""
    trusted_code: bool = False
    """Skip the forbidden-construct checks inside the verifier (``lean.guard``): only for
    code you trust; by default every request is scanned, so the verifier is sound alone."""
    self_check: bool = True
    """Run the start-up self-check (``lean.self_check``) before any proof; off is said on
    every run."""
    self_check_header: str = "import Mathlib"
    """The header the self-check's core-Lean proofs run under (the one your proofs use)."""

    def __post_init__(self) -> None:
        if self.backend not in _BACKENDS:
            raise ConfigError(
                f"backend={self.backend!r} is not one of {', '.join(_BACKENDS)}; "
                "use --backend local for a Lean project"
            )
        if not isinstance(self.workers, int) or self.workers < 1:
            raise ConfigError(f"workers={self.workers!r} must be a positive integer (--workers)")
        if isinstance(self.spares, bool) or not isinstance(self.spares, int) or self.spares < 0:
            raise ConfigError(
                f"spares={self.spares!r} must be 0 (no warm spare REPLs) or more (--spares)"
            )
        if (
            isinstance(self.remote_batch_size, bool)
            or not isinstance(self.remote_batch_size, int)
            or self.remote_batch_size < 1
        ):
            raise ConfigError(
                f"remote_batch_size={self.remote_batch_size!r} must be a positive integer "
                "(--remote-batch-size)"
            )
        if not self.timeout_s > 0:
            raise ConfigError(f"timeout_s={self.timeout_s!r} must be > 0 seconds (--timeout)")
        if self.repl_cmd is not None:
            try:
                argv = shlex.split(self.repl_cmd)
            except ValueError as exc:
                raise ConfigError(
                    f"repl_cmd={self.repl_cmd!r} is not a command line: {exc}"
                ) from exc
            if not argv:
                raise ConfigError("repl_cmd is empty; pass e.g. --repl-cmd 'lake env repl'")
        if self.sandbox not in SANDBOX_MODES:
            raise ConfigError(
                f"sandbox={self.sandbox!r} is not one of {', '.join(SANDBOX_MODES)} (--sandbox)"
            )
        if self.ray_pool not in ("local", "standin"):
            raise ConfigError(f"ray_pool={self.ray_pool!r} must be 'local' or 'standin'")

    @property
    def simulated(self) -> bool:
        """Whether the verdicts come from the stand-in rather than Lean."""
        if self.backend == "standin" or (self.backend == "ray" and self.ray_pool == "standin"):
            return True
        return self.repl_cmd is not None and STANDIN_MODULE in self.repl_cmd


def open_verifier(options: VerifierOptions) -> Verifier:
    """The verifier ``options`` describe: the forbidden-construct guard over the
    self-check over dedup over cache over the backend.

    Nothing starts until it is entered (``async with``, which runs the self-check) or the
    first proof arrives; close it with ``aclose()``. With the stand-in, a note that Lean
    is simulated goes to stderr; so does one when the self-check is skipped.
    """
    if options.simulated:
        print(SIMULATED_NOTE, file=sys.stderr, flush=True)
    if not options.self_check:
        note_skipped()
    cache = None
    if options.backend == "ray":
        from kimina_prover_rl.lean.cluster import ClusterConfig, ClusterVerifier

        # clients scan for forbidden constructs before routing; the node pools need not
        pool = replace(options, backend=options.ray_pool, trusted_code=True)
        backend: Verifier = ClusterVerifier(ClusterConfig(pool=pool, resource=options.ray_resource))
        # each node's pool caches and dedups for every client; this dedups our own calls
        verifier = backend
    else:
        cache = None if options.cache_path is None else VerdictCache(options.cache_path)
        backend = verifier = _open_backend(options, cache)
        if cache is not None:
            verifier = CachingVerifier(verifier, cache, default_timeout_s=options.timeout_s)
    if options.dedup:
        verifier = DedupVerifier(verifier, default_timeout_s=options.timeout_s)
    verifier = SelfCheckedVerifier(
        verifier,
        probe=backend,
        header=options.self_check_header,
        store=cache,
        skip=not options.self_check,
    )
    return verifier if options.trusted_code else ConstructGuard(verifier)


def _open_backend(options: VerifierOptions, cache: VerdictCache | None) -> Verifier:
    if options.backend == "remote":
        config = RemoteConfig(
            url=options.url,
            api_key=options.api_key,
            endpoint=options.remote_endpoint,
            timeout_s=options.timeout_s,
            chunk_size=options.remote_batch_size,
        )
        return RemoteServer(config, statements=cache)
    if options.project_dir is not None and not options.project_dir.is_dir():
        raise ConfigError(
            f"--project-dir {options.project_dir}: no such directory; pass the Lean project "
            "(the folder holding lakefile and lean-toolchain)"
        )
    cwd = options.project_dir
    workspace = None if cwd is None else find_workspace(cwd)
    if options.backend == "standin":
        command = standin_command(latency=options.standin_latency, seed=options.standin_seed)
    elif options.repl_cmd is not None:
        command = tuple(shlex.split(options.repl_cmd))
    elif workspace is not None:
        command = workspace.repl_command
    else:
        command = ReplConfig().command
    if workspace is not None:
        cwd = workspace.project_dir
    read_only = () if workspace is None else (workspace.root,)
    sandbox = resolve_sandbox(options.sandbox, read_only=read_only)
    print(describe_sandbox(options.sandbox, sandbox), file=sys.stderr, flush=True)
    repl = ReplConfig(command=command, cwd=cwd, sandbox=sandbox)
    return LocalPool(
        PoolConfig(
            repl=repl,
            max_repls=options.workers,
            spares=options.spares,
            timeout_s=options.timeout_s,
        ),
        statements=cache,
    )
