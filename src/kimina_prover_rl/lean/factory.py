"""One way to build any verifier from settings: :class:`VerifierSettings` -> :func:`open_verifier`.

Every command (``verify``, ``serve``, ``score``) and adapter builds its verifier here, so a
backend behaves the same wherever it is used: in-flight dedup over a verdict cache over the
backend (a local REPL pool, the stand-in, a remote server or the pools of a Ray cluster).
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean.cache import CachingVerifier, VerdictCache
from kimina_prover_rl.lean.cluster import ClusterConfig, ClusterVerifier
from kimina_prover_rl.lean.dedup import DedupVerifier
from kimina_prover_rl.lean.guard import ConstructGuard
from kimina_prover_rl.lean.kimina.client import RemoteConfig, RemoteServer
from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.lean.sandbox import describe_sandbox, resolve_sandbox
from kimina_prover_rl.lean.self_check import SelfCheckedVerifier, note_skipped
from kimina_prover_rl.lean.settings import VerifierSettings, resolve_backend
from kimina_prover_rl.lean.verifier import Verifier
from kimina_prover_rl.standin import standin_command
from kimina_prover_rl.workspace import find_workspace

__all__ = ["SIMULATED_NOTE", "open_verifier"]

SIMULATED_NOTE = (
    "NOTE: Lean is SIMULATED (stand-in REPL, kimina_prover_rl.standin). "
    "No verdict below was checked by Lean; use --backend local with a Lean project for real checks."
)
"""Printed on stderr whenever a verifier is built on the stand-in."""


def open_verifier(options: VerifierSettings) -> Verifier:
    """The verifier ``options`` describe: the forbidden-construct guard over the
    self-check over dedup over cache over the backend.

    ``backend="auto"`` is resolved first (:func:`~kimina_prover_rl.lean.settings.resolve_backend`:
    ``ConfigError`` when no Lean is configured). Nothing starts until it is entered
    (``async with``, which runs the self-check) or the first proof arrives; close it with
    ``aclose()``. With the stand-in, a note that Lean is simulated goes to stderr; so does
    one when the self-check is skipped.
    """
    options = resolve_backend(options)
    if options.simulated:
        print(SIMULATED_NOTE, file=sys.stderr, flush=True)
    if not options.self_check:
        note_skipped()
    cache = None
    if options.backend == "ray":
        # clients scan for forbidden constructs before routing; the node pools need not
        pool = replace(options, backend=options.ray_pool, trusted_code=True)
        config = ClusterConfig(pool=pool, resource=options.ray_resource, open_pool=open_verifier)
        backend: Verifier = ClusterVerifier(config)
        # each node's pool caches and dedups for every client; this dedups our own calls
        verifier = backend
    else:
        cache = None if options.cache_path is None else VerdictCache(options.cache_path)
        backend = verifier = _open_backend(options, cache)
        # the effective time limit is put on each request once, by the outermost wrapper
        if cache is not None:
            outermost = None if options.dedup else options.timeout_s
            verifier = CachingVerifier(verifier, cache, default_timeout_s=outermost)
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


def _open_backend(options: VerifierSettings, cache: VerdictCache | None) -> Verifier:
    if options.backend == "remote":
        config = RemoteConfig(
            url=options.url,
            api_key=options.api_key,
            endpoint=options.remote_endpoint,
            timeout_s=options.timeout_s,
            chunk_size=options.remote_batch_size,
            deadline_s=options.remote_deadline_s,
        )
        return RemoteServer(config, statements=cache)
    if options.project_dir is not None and not options.project_dir.is_dir():
        raise ConfigError(
            f"--project-dir {options.project_dir}: no such directory; pass the Lean project "
            "(the folder holding lakefile and lean-toolchain)"
        )
    cwd = options.project_dir
    workspace = find_workspace(Path.cwd() if cwd is None else cwd)
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
