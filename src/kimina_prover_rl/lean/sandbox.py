"""Run each REPL inside bubblewrap (``bwrap``), so model-written code cannot reach out.

The sandbox is set up once per REPL process, around its whole command (``lake env repl``
and what it spawns): no network (every namespace unshared, loopback only), no
capabilities, a private writable ``/tmp``, and nothing of the file system but the system
directories, the Lean project (the working directory), the Lean toolchain (``$ELAN_HOME``,
default ``~/.elan``), absolute paths named on the command line and, for a Python REPL such
as the stand-in, the interpreter and its import path, all read-only. The user's home is
not mounted (beyond those paths), so nothing in it can be read or written. The REPL dies
with its parent (``--die-with-parent``) and stays in the pool's process group (no
``--new-session``), so the pool's timeouts, kill escalation and memory watchdog reach it
unchanged.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from kimina_prover_rl.errors import ConfigError

__all__ = ["SANDBOX_MODES", "Sandbox", "SandboxMode", "describe_sandbox", "resolve_sandbox"]

SandboxMode = Literal["auto", "required", "off"]
SANDBOX_MODES: tuple[str, ...] = get_args(SandboxMode)

_INSTALL = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
    "bubblewrap; Arch: pacman -S bubblewrap)"
)
# System directories a dynamically linked program needs, bound read-only when present.
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/opt")
_SYSTEM_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
)
_PROBE_TIMEOUT_S = 30.0
_PRIVATE_TMP = Path("/tmp")


@dataclass(frozen=True, slots=True, kw_only=True)
class Sandbox:
    """A working ``bwrap`` and the extra paths every REPL may read (never write)."""

    bwrap: str
    """Absolute path of the ``bwrap`` executable."""
    read_only: tuple[Path, ...] = ()
    """Paths bound read-only on top of those derived from the command (module docstring)."""

    def wrap(
        self, command: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]
    ) -> tuple[str, ...]:
        """The argv that runs ``command`` in ``cwd`` inside the sandbox."""
        workdir = Path(cwd or Path.cwd()).resolve()
        argv = [self.bwrap, *_isolation_flags()]
        for directory in _SYSTEM_DIRS:
            path = Path(directory)
            if path.is_symlink():
                argv += ["--symlink", os.readlink(path), directory]
            elif path.is_dir():
                argv += ["--ro-bind", directory, directory]
        for file in _SYSTEM_FILES:
            argv += ["--ro-bind-try", file, file]
        argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", str(_PRIVATE_TMP)]
        paths = [*self.read_only, workdir, *_command_paths(command, env)]
        for path in _outermost(paths):
            argv += ["--ro-bind", str(path), str(path)]
        argv += ["--chdir", str(workdir), "--setenv", "TMPDIR", str(_PRIVATE_TMP), "--", *command]
        return tuple(argv)


def resolve_sandbox(mode: SandboxMode, *, read_only: Iterable[Path] = ()) -> Sandbox | None:
    """The sandbox ``mode`` asks for: None for ``off``, or for ``auto`` without a working bwrap.

    ``required`` without a working ``bwrap`` raises ``ConfigError`` saying how to get one.
    """
    if mode not in SANDBOX_MODES:
        raise ConfigError(
            f"sandbox={mode!r} is not one of {', '.join(SANDBOX_MODES)} (--sandbox, KIMINA_SANDBOX)"
        )
    if mode == "off":
        return None
    bwrap = shutil.which("bwrap")
    problem = "bwrap (bubblewrap) is not on PATH" if bwrap is None else _probe(bwrap)
    if problem is None and bwrap is not None:
        return Sandbox(bwrap=bwrap, read_only=tuple(Path(p) for p in read_only))
    if mode == "required":
        raise ConfigError(
            f"--sandbox required: {problem}, so the REPLs cannot be sandboxed; {_INSTALL}, "
            "or pass --sandbox auto (sandbox when possible) or --sandbox off "
            "(KIMINA_SANDBOX)"
        )
    return None


def describe_sandbox(mode: SandboxMode, sandbox: Sandbox | None) -> str:
    """One line for start-up logs: whether REPLs run sandboxed, and how to change it."""
    if sandbox is not None:
        return (
            f"sandbox: each REPL runs inside bubblewrap ({sandbox.bwrap}): no network, "
            "read-only project and toolchain, private /tmp, no home (--sandbox off to disable)"
        )
    if mode == "off":
        return "sandbox: off (--sandbox off): REPLs run with this user's full rights"
    bwrap = shutil.which("bwrap")
    why = "bwrap (bubblewrap) is not on PATH" if bwrap is None else _probe(bwrap)
    return (
        f"WARNING: sandbox unavailable ({why}): REPLs run with this user's full rights; "
        f"{_INSTALL}, or pass --sandbox off to say this is intended"
    )


def _isolation_flags() -> list[str]:
    flags = ["--unshare-all", "--die-with-parent"]
    if os.geteuid() == 0:
        # root keeps its capabilities in the sandbox unless told otherwise (could remount)
        flags += ["--cap-drop", "ALL"]
    return flags


@functools.cache
def _probe(bwrap: str) -> str | None:
    """None when ``bwrap`` can build a sandbox here, else why not (user namespaces off...)."""
    argv = Sandbox(bwrap=bwrap).wrap(("true",), cwd=Path("/usr"), env=os.environ)
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{bwrap} cannot run: {exc}"
    if result.returncode != 0:
        return (
            f"{bwrap} cannot create a sandbox here (exit {result.returncode}: "
            f"{result.stderr.strip()[-300:]!r}; are unprivileged user namespaces disabled?)"
        )
    return None


def _command_paths(command: Sequence[str], env: Mapping[str, str]) -> list[Path]:
    """What the command needs to read: toolchain, absolute arguments, Python's import path."""
    paths = [Path(arg) for arg in command if os.path.isabs(arg) and os.path.exists(arg)]
    home = env.get("HOME") or str(Path.home())
    elan = Path(env.get("ELAN_HOME") or Path(home) / ".elan")
    if elan.is_dir():
        paths.append(elan)
    executable = shutil.which(command[0], path=env.get("PATH"))
    if executable is not None:
        real = Path(executable).resolve()
        paths.append(real.parent)
        if real.name.startswith("python"):
            paths += _python_paths(env)
    return paths


def _python_paths(env: Mapping[str, str]) -> list[Path]:
    """This interpreter's prefixes and import path (venv, editable sources, PYTHONPATH)."""
    entries = [sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path]
    entries += env.get("PYTHONPATH", "").split(os.pathsep)
    return [Path(entry).resolve() for entry in entries if entry and os.path.exists(entry)]


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Absolute, resolved, deduplicated paths, without those inside another one."""
    system = [Path(d) for d in _SYSTEM_DIRS if not Path(d).is_symlink()]
    kept: list[Path] = []
    for path in sorted({Path(p).resolve() for p in paths}, key=lambda p: len(p.parts)):
        if path == Path("/"):
            raise ConfigError(
                "the sandbox would have to expose the whole file system (a REPL path is '/'); "
                "run the REPL from a Lean project directory, or pass --sandbox off"
            )
        if path == _PRIVATE_TMP:
            continue  # the REPL's cwd is /tmp itself: it gets the private one
        if path.exists() and not any(path.is_relative_to(k) for k in [*system, *kept]):
            kept.append(path)
    return kept
