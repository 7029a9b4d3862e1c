"""Cost of the bubblewrap sandbox: per proof, per REPL start and per kill, against no sandbox.

Run: ``.venv/bin/python benchmarks/bench_sandbox.py``. Uses the stand-in at zero latency,
so what is measured is overhead, not Lean. Both variants run in the same process,
alternating proof by proof, and the table gives their ratio. Needs a working ``bwrap``.
Prints a markdown table and the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace

from _machine import machine
from kimina_prover_rl.errors import ReplTimeout
from kimina_prover_rl.lean import LeanRepl, ReplConfig, standin_command
from kimina_prover_rl.lean.sandbox import resolve_sandbox

PROOF = "theorem t (x y : ℕ) (h : x = y) : y = x := by\n  sorry"
ROUNDS = 8
SENDS_PER_ROUND = 200


def _ms(values: list[float], q: float) -> float:
    return sorted(values)[int(q * (len(values) - 1))] * 1000


async def _start(config: ReplConfig) -> tuple[LeanRepl, float]:
    began = time.perf_counter()
    repl = await LeanRepl.start(config)
    await repl.send({"cmd": "import Mathlib"}, timeout_s=30)
    return repl, time.perf_counter() - began


async def _send(repl: LeanRepl) -> float:
    began = time.perf_counter()
    await repl.send({"cmd": PROOF, "env": 0}, timeout_s=30)
    return time.perf_counter() - began


async def _kill(repl: LeanRepl) -> float:
    began = time.perf_counter()
    with contextlib.suppress(ReplTimeout):
        await repl.send({"cmd": "-- standin: hang"}, timeout_s=0.05)
    return time.perf_counter() - began - 0.05


async def main() -> None:
    """Measure both variants, alternating every step so that load drift hits both alike."""
    off = ReplConfig(command=standin_command(), kill_grace_s=0.5)
    configs = {"off": off, "bwrap": replace(off, sandbox=resolve_sandbox("required"))}
    results: dict[str, dict[str, list[float]]] = {
        name: {"trips": [], "starts": [], "kills": []} for name in configs
    }
    for _ in range(ROUNDS):
        repls = {}
        for name, config in configs.items():
            repls[name], started = await _start(config)
            results[name]["starts"].append(started)
        for _ in range(SENDS_PER_ROUND):
            for name, repl in repls.items():
                results[name]["trips"].append(await _send(repl))
        for name, repl in repls.items():
            results[name]["kills"].append(await _kill(repl))
            await repl.aclose()
    off_r, box_r = results["off"], results["bwrap"]
    print(f"Machine: {machine()}\n")
    print("| measure | off p50 | sandboxed p50 | ratio p50 | off p99 | sandboxed p99 |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, key in (
        ("per-proof `send` round trip (ms)", "trips"),
        ("spawn to first answer, once per REPL (ms)", "starts"),
        ("deadline to reaped group (ms)", "kills"),
    ):
        a, b = _ms(off_r[key], 0.5), _ms(box_r[key], 0.5)
        print(
            f"| {label} | {a:.2f} | {b:.2f} | {b / a:.2f}x | {_ms(off_r[key], 0.99):.2f} "
            f"| {_ms(box_r[key], 0.99):.2f} |"
        )
    print(f"\n{ROUNDS} REPLs per variant, {ROUNDS * SENDS_PER_ROUND} proofs per variant")


if __name__ == "__main__":
    asyncio.run(main())
