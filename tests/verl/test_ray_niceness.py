"""Lean REPLs started by a pool actor inside Ray run at the priority the launchers set.

Ray starts its workers at nice 15 (``RAY_worker_niceness``); the REPLs a pool actor spawns
inherit it and lose the CPU to every normal process on the node. Our config puts
``RAY_worker_niceness=0`` in the job's runtime env (``ray_kwargs.ray_init.runtime_env``,
which verl passes to ``ray.init``); here a private Ray is started with that runtime env and
without it, a real pool actor (stand-in REPLs, announced) checks one proof, and the
niceness of the actor and of its REPL is read from ``/proc``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads niceness from /proc"),
]

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = r"""
import asyncio, json, os, sys
from pathlib import Path
import ray

ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False,
         resources={"lean_slots": 1}, namespace="kimina-niceness",
         runtime_env=json.loads(sys.argv[1]))
from kimina_prover_rl.lean import VerifierSettings, VerifyRequest, open_verifier

def nice(pid):
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])

def parent(pid):
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0

def ours(pid):  # started by this script's Ray (its raylet is our child), not another one's
    while pid > 1:
        pid = parent(pid)
        if pid == os.getpid():
            return True
    return False

def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found

async def main():
    verifier = open_verifier(VerifierSettings(backend="ray", ray_pool="standin", workers=1))
    statement = "theorem t : (1 : Nat) + 1 = 2 := by"
    await verifier.verify([VerifyRequest(code=statement + "\n  norm_num")])
    for entry in Path("/proc").iterdir():  # Ray titles an actor's process ray::<class>
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"ray::PoolActor") and ours(int(entry.name)):
                pid = int(entry.name)
                repls = [c for c in children(pid)
                         if b"standin" in Path(f"/proc/{c}/cmdline").read_bytes()]
                print("ACTOR", nice(pid), "REPLS", *[nice(r) for r in repls])
    await verifier.aclose()

asyncio.run(main())
ray.shutdown()
"""


@pytest.mark.parametrize(("ours", "expected"), [(True, 0), (False, 15)])
def test_a_repl_started_by_a_pool_actor_runs_at_normal_priority(ours: bool, expected: int) -> None:
    from omegaconf import OmegaConf

    from tests.verl._config import compose

    runtime_env = OmegaConf.to_container(compose([]).ray_kwargs.ray_init.runtime_env)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT)]))
    if os.nice(0) != 0:
        pytest.skip("this test runs at a non-zero niceness itself")
    completed = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(runtime_env if ours else {})],
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    line = next((x for x in completed.stdout.splitlines() if x.startswith("ACTOR")), None)
    assert line is not None, completed.stderr[-3000:]
    words = line.split()
    actor, repls = int(words[1]), [int(w) for w in words[3:]]
    assert repls, "the pool actor started no REPL"
    assert actor == expected
    assert repls == [expected] * len(repls)
