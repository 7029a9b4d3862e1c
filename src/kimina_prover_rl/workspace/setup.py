"""A Lean workspace in one folder: toolchain, REPL and Mathlib at one version, built.

``kimina-rl lean setup DIR`` runs :func:`set_up_workspace`, the steps kimina-lean-server's
``setup.sh`` takes, without Docker: install the Lean toolchain with ``elan``, clone
leanprover-community/repl and Mathlib at the tag equal to the Lean version into
``DIR/repl`` and ``DIR/mathlib4``, fetch Mathlib's build cache (``lake exe cache get``),
and build both. Each step is skipped when its product is already there, so a second run
finishes an interrupted one. ``DIR/kimina-workspace.json`` pins the version; a verifier
given ``--project-dir DIR`` reads it (:func:`find_workspace`) and runs
``lake env DIR/repl/.lake/build/bin/repl`` in ``DIR/mathlib4``, as kimina-lean-server does.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kimina_prover_rl.errors import ConfigError, SetupError

__all__ = [
    "DEFAULT_LEAN_VERSION",
    "WORKSPACE_FILE",
    "Workspace",
    "find_workspace",
    "set_up_workspace",
]

DEFAULT_LEAN_VERSION = "v4.26.0"
"""The Lean version ``lean setup`` installs by default: kimina-lean-server's default, whose
messages (sorry wording, ``#print axioms`` order) this project's checks handle."""
WORKSPACE_FILE = "kimina-workspace.json"
"""The file marking a folder as a workspace made by ``lean setup`` (holds the version)."""

_REPL_URL = "https://github.com/leanprover-community/repl"
_MATHLIB_URL = "https://github.com/leanprover-community/mathlib4"
_VERSION = re.compile(r"v\d+\.\d+\.\d+(-rc\d+)?")
_OUTPUT_LINES = 40
_ELAN_INSTALL = (
    "install elan, Lean's version manager: curl https://raw.githubusercontent.com/leanprover/"
    "elan/master/elan-init.sh -sSf | sh -s -- -y --default-toolchain none, then open a new "
    "shell (or `source ~/.elan/env`) so that elan and lake are on PATH"
)
_GIT_INSTALL = "install git (Debian/Ubuntu: apt-get install git; macOS: xcode-select --install)"


@dataclass(frozen=True, slots=True)
class Workspace:
    """Where ``lean setup`` put things, and how a verifier runs its REPL."""

    root: Path
    lean_version: str

    @property
    def toolchain(self) -> str:
        """The elan toolchain name, e.g. ``leanprover/lean4:v4.26.0``."""
        return f"leanprover/lean4:{self.lean_version}"

    @property
    def repl_dir(self) -> Path:
        """The leanprover-community/repl checkout."""
        return self.root / "repl"

    @property
    def project_dir(self) -> Path:
        """The Mathlib checkout: the Lean project every REPL runs in."""
        return self.root / "mathlib4"

    @property
    def repl_binary(self) -> Path:
        """The built REPL executable."""
        return self.repl_dir / ".lake" / "build" / "bin" / "repl"

    @property
    def repl_command(self) -> tuple[str, ...]:
        """The REPL command, run in :attr:`project_dir` (``lake env`` sets ``LEAN_PATH``)."""
        return ("lake", "env", str(self.repl_binary))

    def mathlib_cached(self) -> bool:
        """Whether Mathlib's ``.olean`` files are in place (fetched or built)."""
        build = self.project_dir / ".lake" / "build" / "lib"
        return (build / "lean" / "Mathlib.olean").is_file() or (build / "Mathlib.olean").is_file()


def find_workspace(path: Path) -> Workspace | None:
    """The workspace at ``path`` (its root or its ``mathlib4``), or None if it is not one."""
    for root in (path, path.parent):
        marker = root / WORKSPACE_FILE
        if marker.is_file() and (root == path or path.name == "mathlib4"):
            try:
                version = json.loads(marker.read_text(encoding="utf-8"))["lean_version"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(
                    f"{marker} is not a workspace file ({exc}); run `kimina-rl lean setup "
                    f"{root}` again to rewrite it"
                ) from exc
            return Workspace(root.resolve(), str(version))
    return None


@dataclass(frozen=True, slots=True)
class _Step:
    title: str
    argv: tuple[str, ...]
    cwd: Path
    done: Callable[[], bool]
    hint: str
    stamp: Path | None = None
    """Written after success, for a step whose product cannot be seen otherwise."""


def set_up_workspace(
    root: Path, lean_version: str | None = None, *, say: Callable[[str], None] = print
) -> Workspace:
    """Create or complete the workspace at ``root``; each step reports what it does and its time.

    ``lean_version`` defaults to the version ``root`` already holds, else
    :data:`DEFAULT_LEAN_VERSION`. Raises ``SetupError`` naming the failed step, its command,
    output and what to try; ``ConfigError`` for a bad version or a missing tool.
    """
    workspace = _pin_version(root, lean_version)
    _require_tools()
    steps = _steps(workspace)
    say(f"Lean workspace {workspace.root} (Lean {workspace.lean_version})")
    for number, step in enumerate(steps, 1):
        prefix = f"[{number}/{len(steps)}] {step.title}"
        if step.done():
            say(f"{prefix}: already done, skipped")
            continue
        say(f"{prefix}: running `{shlex.join(step.argv)}` in {step.cwd} ...")
        started = time.monotonic()
        _run(step, say)
        if step.stamp is not None:
            step.stamp.parent.mkdir(parents=True, exist_ok=True)
            step.stamp.touch()
        if not step.done():
            raise SetupError(
                f'step "{step.title}": `{shlex.join(step.argv)}` in {step.cwd} succeeded but '
                f"left nothing where expected; {step.hint}"
            )
        say(f"{prefix}: done in {_duration(time.monotonic() - started)}")
    return workspace


def _pin_version(root: Path, requested: str | None) -> Workspace:
    root = root.expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise ConfigError(f"lean setup {root}: it is a file; pass a folder (new or a workspace)")
    existing = find_workspace(root) if root.is_dir() else None
    version = requested or (existing.lean_version if existing else DEFAULT_LEAN_VERSION)
    if not _VERSION.fullmatch(version):
        raise ConfigError(
            f"--lean-version {version!r} is not a Lean release tag such as "
            f"{DEFAULT_LEAN_VERSION} (the REPL and Mathlib are cloned at that tag)"
        )
    if existing is not None and existing.lean_version != version:
        raise ConfigError(
            f"{root} holds a Lean {existing.lean_version} workspace, not {version}; pass "
            f"--lean-version {existing.lean_version} to complete it, or a new folder"
        )
    root.mkdir(parents=True, exist_ok=True)
    marker = root / WORKSPACE_FILE
    if existing is None:
        marker.write_text(json.dumps({"lean_version": version}) + "\n", encoding="utf-8")
    return Workspace(root, version)


def _require_tools() -> None:
    elan_bin = Path(os.environ.get("ELAN_HOME") or Path.home() / ".elan") / "bin"
    missing = []
    for tool, install in (("git", _GIT_INSTALL), ("elan", _ELAN_INSTALL), ("lake", _ELAN_INSTALL)):
        if shutil.which(tool) is not None:
            continue
        fix = install
        if tool != "git" and (elan_bin / tool).is_file():
            fix = f"it is installed in {elan_bin}: run `source {elan_bin.parent}/env` first"
        missing.append(f"{tool} is not on PATH: {fix}")
    if missing:
        raise ConfigError("lean setup needs git and elan; " + "; ".join(missing))


def _steps(ws: Workspace) -> list[_Step]:
    version = ws.lean_version
    built = ws.root / ".kimina" / f"mathlib-built-{version}"
    return [
        _Step(
            f"install the Lean toolchain {ws.toolchain} with elan",
            ("elan", "toolchain", "install", ws.toolchain),
            ws.root,
            lambda: _toolchain_installed(ws),
            f"check that {version} is a Lean release, and the network (elan downloads from "
            "GitHub releases)",
        ),
        _Step(
            f"clone the REPL (leanprover-community/repl at {version}) into {ws.repl_dir}",
            _clone(_REPL_URL, version, ws.repl_dir),
            ws.root,
            lambda: _checked_out(ws.repl_dir, version),
            f"check that the REPL has a tag {version} ({_REPL_URL}/tags) and the network; "
            f"remove a half-cloned {ws.repl_dir} first",
        ),
        _Step(
            "build the REPL",
            ("lake", "build"),
            ws.repl_dir,
            ws.repl_binary.is_file,
            f"read the build output above; `cd {ws.repl_dir} && lake build` shows it again",
        ),
        _Step(
            f"clone Mathlib at {version} into {ws.project_dir}",
            _clone(_MATHLIB_URL, version, ws.project_dir),
            ws.root,
            lambda: _checked_out(ws.project_dir, version),
            f"check that Mathlib has a tag {version} and the network; remove a half-cloned "
            f"{ws.project_dir} first",
        ),
        _Step(
            "fetch Mathlib's build cache (several GiB of .olean files)",
            ("lake", "exe", "cache", "get"),
            ws.project_dir,
            ws.mathlib_cached,
            "check the network and the free disk space (about 5 GiB), then run the setup "
            "again: finished downloads are kept",
        ),
        _Step(
            "build Mathlib (checks the cache; builds what it lacks)",
            ("lake", "build"),
            ws.project_dir,
            built.is_file,
            "a failed build after a complete cache usually means a broken download: "
            f"`cd {ws.project_dir} && lake exe cache get!` fetches it again",
            stamp=built,
        ),
    ]


def _clone(url: str, version: str, dest: Path) -> tuple[str, ...]:
    return ("git", "clone", "--depth", "1", "--branch", version, url, str(dest))


def _checked_out(checkout: Path, version: str) -> bool:
    """True when ``checkout`` holds a clone pinned to ``version`` (``SetupError`` if another)."""
    pin = checkout / "lean-toolchain"
    if not pin.is_file():
        return False
    toolchain = pin.read_text(encoding="utf-8").strip()
    if not toolchain.endswith(f":{version}"):
        raise SetupError(
            f"{checkout} is pinned to {toolchain}, not Lean {version}; remove {checkout} "
            "(or pass the --lean-version it was made for) and run the setup again"
        )
    return True


def _toolchain_installed(ws: Workspace) -> bool:
    result = subprocess.run(
        ["elan", "toolchain", "list"], capture_output=True, text=True, check=False
    )
    return any(line.split()[0] == ws.toolchain for line in result.stdout.splitlines() if line)


def _run(step: _Step, say: Callable[[str], None]) -> None:
    """Run the step's command, echoing its output indented, keeping a tail for errors."""
    command = shlex.join(step.argv)
    tail: deque[str] = deque(maxlen=_OUTPUT_LINES)
    try:
        with subprocess.Popen(
            step.argv,
            cwd=step.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as process:
            for line in process.stdout or ():
                tail.append(line.rstrip("\n"))
                say(f"    {tail[-1]}")
            returncode = process.wait()
    except OSError as exc:
        raise SetupError(
            f'step "{step.title}": cannot run `{command}` in {step.cwd}: {exc}; {step.hint}'
        ) from exc
    if returncode != 0:
        output = "\n".join(tail).strip() or "(no output)"
        raise SetupError(
            f'step "{step.title}" failed: `{command}` in {step.cwd} exited with '
            f"{returncode}. Its output ends with:\n{output}\nTo try: {step.hint}"
        )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"
