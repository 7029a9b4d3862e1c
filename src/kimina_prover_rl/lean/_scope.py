"""What a local pool's verdicts depend on besides the code: its Lean, project, command, limits.

Verdicts carry :func:`describe_lean` as their ``lean_version``; verdict caches and
in-flight dedup key on :func:`verdict_scope`, so two pools that would judge the same code
differently never share verdicts.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path

from kimina_prover_rl.lean._axiom_check import CHECK_RULES_VERSION
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.standin import MODULE as STANDIN_MODULE
from kimina_prover_rl.standin import STANDIN_LEAN_VERSION

__all__ = ["describe_lean", "verdict_scope"]


def describe_lean(config: ReplConfig) -> str:
    """The Lean toolchain and Mathlib revision of the project, or what runs instead.

    Reads ``lean-toolchain`` and ``lake-manifest.json`` in ``config.cwd``. Without them,
    the REPL command is described; the stand-in REPL says it is simulated.
    """
    if STANDIN_MODULE in config.command:
        return STANDIN_LEAN_VERSION
    parts: list[str] = []
    if config.cwd is not None:
        toolchain = Path(config.cwd) / "lean-toolchain"
        if toolchain.is_file():
            parts.append(toolchain.read_text(encoding="utf-8").strip())
        manifest = Path(config.cwd) / "lake-manifest.json"
        if manifest.is_file():
            try:
                packages = json.loads(manifest.read_text(encoding="utf-8")).get("packages", [])
            except (json.JSONDecodeError, AttributeError):
                packages = []
            for package in packages:
                if isinstance(package, dict) and package.get("name") == "mathlib":
                    parts.append(f"mathlib@{package.get('rev', 'unknown')}")
    if parts:
        return " ".join(parts)
    return f"unknown Lean version (REPL command: {shlex.join(config.command)})"


def verdict_scope(
    repl: ReplConfig, *, lean_version: str, timeout_s: float, allow_native_decide: bool
) -> str:
    """The Lean version plus the project, REPL command and environment, limits,
    ``native_decide`` policy and the version of the check's rules.

    The project is its resolved path and a digest of ``lake-manifest.json``. A project
    whose own ``.lean`` files change needs a fresh cache.
    """
    project = Path(repl.cwd) if repl.cwd is not None else Path.cwd()
    manifest = project / "lake-manifest.json"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()[:16] if manifest.is_file() else ""
    return json.dumps(
        {
            "lean": lean_version,
            "project": str(project.resolve()),
            "manifest": digest,
            "command": list(repl.command),
            "env": dict(sorted(repl.env.items())),
            "checks": CHECK_RULES_VERSION,
            "timeout_s": timeout_s,
            "memory_limit_mb": repl.memory_limit_mb,
            "allow_native_decide": allow_native_decide,
        },
        sort_keys=True,
    )
