"""Fake ``elan``, ``git`` and ``lake`` executables for ``lean setup`` tests (no network here).

Each records its call (tool, arguments, working directory) as a JSON line in ``$FAKE_LOG``,
fails with exit 3 and a message when ``$FAKE_FAIL`` is a substring of ``"tool arg arg..."``,
and otherwise leaves behind what the real tool would: a clone holding ``lean-toolchain``, an
installed toolchain listed by ``elan toolchain list``, Mathlib's ``.olean`` cache, a built
REPL binary (a copy of ``$FAKE_REPL``), and ``lake env CMD`` runs CMD.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import kimina_prover_rl

PACKAGE_SOURCE = str(Path(kimina_prover_rl.__file__).resolve().parents[1])
"""The folder holding the package under test (what a REPL subprocess needs on PYTHONPATH)."""

_SCRIPT = r"""#!{python}
import json, os, shutil, sys
from pathlib import Path
tool, args = {tool!r}, sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({{"tool": tool, "args": args, "cwd": os.getcwd()}}) + "\n")
if os.environ.get("FAKE_FAIL") and os.environ["FAKE_FAIL"] in " ".join([tool, *args]):
    print(f"{{tool}}: simulated failure of {{' '.join(args)}}", file=sys.stderr)
    sys.exit(3)
state = Path(os.environ["FAKE_LOG"]).with_suffix(".toolchains")
if tool == "git" and args[0] == "clone":
    dest = Path(args[-1])
    dest.mkdir(parents=True)
    tag = args[args.index("--branch") + 1]
    (dest / "lean-toolchain").write_text(f"leanprover/lean4:{{tag}}\n")
elif tool == "elan" and args[:2] == ["toolchain", "install"]:
    with state.open("a") as f:
        f.write(args[2] + "\n")
elif tool == "elan" and args[:2] == ["toolchain", "list"]:
    print(state.read_text() if state.exists() else "no installed toolchains")
elif tool == "lake" and args == ["exe", "cache", "get"]:
    Path(".lake/build/lib/lean").mkdir(parents=True)
    Path(".lake/build/lib/lean/Mathlib.olean").write_bytes(b"olean")
elif tool == "lake" and args == ["build"] and Path.cwd().name == "repl":
    Path(".lake/build/bin").mkdir(parents=True)
    shutil.copy(os.environ["FAKE_REPL"], ".lake/build/bin/repl")
elif tool == "lake" and args[0] == "env":
    os.execv(args[1], args[1:])
print(f"{{tool}} {{' '.join(args)}}: ok")
"""

# The REPL `lake build` "builds": the stand-in, made to reject doctor's false `n + 1 = n`
# as Lean does; with $FAKE_REPL_LIES, a REPL that is not Lean: it accepts it.
_REPL = r"""#!{python}
import json, os, subprocess, sys
child = subprocess.Popen(
    [{python!r}, "-m", "kimina_prover_rl.standin"],
    stdin=subprocess.PIPE,
    text=True,
    env={{**os.environ, "PYTHONPATH": {src!r}}},
)
block = []
for line in sys.stdin:
    if line.strip():
        block.append(line)
        continue
    if not block:
        continue
    request = json.loads("".join(block))
    block = []
    if "n + 1 = n" in request.get("cmd", "") and not os.environ.get("FAKE_REPL_LIES"):
        request["cmd"] += '\n-- standin: error "simp made no progress"'
    if child.poll() is not None:
        break
    child.stdin.write(json.dumps(request) + "\n\n")
    child.stdin.flush()
child.stdin.close()
sys.exit(child.wait())
"""


def install_fake_tools(bin_dir: Path, tools: tuple[str, ...] = ("elan", "git", "lake")) -> Path:
    """Write the fake tools (and the fake REPL they build) into ``bin_dir``; return the REPL."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        _executable(bin_dir / tool, _SCRIPT.format(python=sys.executable, tool=tool))
    repl = bin_dir.parent / "fake_repl"
    _executable(repl, _REPL.format(python=sys.executable, src=PACKAGE_SOURCE))
    return repl


def calls(log: Path) -> list[tuple[str, ...]]:
    """Every recorded call as ``(tool, *args)``, in order."""
    if not log.exists():
        return []
    return [
        (entry["tool"], *entry["args"]) for entry in map(json.loads, log.read_text().splitlines())
    ]


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def fake_env(tmp_path: Path, bin_dir: Path, repl: Path) -> dict[str, str]:
    """Environment variables pointing the fake tools at their log and REPL (PATH first)."""
    return {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "FAKE_LOG": str(tmp_path / "calls.jsonl"),
        "FAKE_REPL": str(repl),
    }
