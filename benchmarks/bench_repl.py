"""Overhead of one REPL process: round trip, framing speed, kill and start times.

Run: ``.venv/bin/python benchmarks/bench_repl.py``. Uses the stand-in at zero latency, so
every millisecond measured is our overhead (pipe, framing, Python stand-in), not Lean.
Prints a markdown table and the machine.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

from _machine import machine
from kimina_prover_rl.errors import ReplTimeout
from kimina_prover_rl.lean import LeanRepl, ReplConfig, ResponseFramer, standin_command

CONFIG = ReplConfig(command=standin_command(), kill_grace_s=0.5)


def _ms(values: list[float], q: float) -> float:
    return sorted(values)[int(q * (len(values) - 1))] * 1000


async def round_trips(n: int) -> list[float]:
    """Seconds per ``send`` of a small proof with a sorry (a 1 KB answer)."""
    cmd = "theorem t (x y : ℕ) (h : x = y) : y = x := by\n  sorry"
    async with await LeanRepl.start(CONFIG) as repl:
        await repl.send({"cmd": "import Mathlib"}, timeout_s=10)
        times = []
        for _ in range(n):
            start = time.perf_counter()
            await repl.send({"cmd": cmd, "env": 0}, timeout_s=10)
            times.append(time.perf_counter() - start)
    return times


async def start_and_kill(n: int) -> tuple[list[float], list[float]]:
    """Seconds from spawn to first answer, and from deadline to a reaped process."""
    starts, kills = [], []
    for _ in range(n):
        began = time.perf_counter()
        repl = await LeanRepl.start(CONFIG)
        await repl.send({"cmd": "def a := 1"}, timeout_s=10)
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        try:
            await repl.send({"cmd": "-- standin: hang"}, timeout_s=0.05)
        except ReplTimeout:
            kills.append(time.perf_counter() - began - 0.05)
    return starts, kills


def framing_mb_per_s() -> float:
    """ResponseFramer speed on a pretty-printed 8 MB answer fed in 256 KB chunks."""
    messages = [{"severity": "error", "data": "x" * 1000, "pos": {"line": i}} for i in range(8000)]
    data = (json.dumps({"env": 1, "messages": messages}, indent=2) + "\n\n").encode()
    began = time.perf_counter()
    framer = ResponseFramer()
    for i in range(0, len(data), 256 * 1024):
        framer.feed(data[i : i + 256 * 1024])
    return len(data) / (time.perf_counter() - began) / 1e6


async def main() -> None:
    """Measure and print the table."""
    trips = await round_trips(500)
    starts, kills = await start_and_kill(10)
    print(f"Machine: {machine()}\n")
    print("| measure | p50 | p99 |")
    print("|---|---|---|")
    print(
        f"| `send` round trip, stand-in at 0 latency (ms) | {_ms(trips, 0.5):.2f} "
        f"| {_ms(trips, 0.99):.2f} |"
    )
    print(f"| spawn to first answer (ms) | {_ms(starts, 0.5):.1f} | {_ms(starts, 0.99):.1f} |")
    print(f"| deadline to reaped group (ms) | {_ms(kills, 0.5):.1f} | {_ms(kills, 0.99):.1f} |")
    print(f"| framing speed, 8 MB answer (MB/s) | {framing_mb_per_s():.0f} | |")
    print(f"\nround trips: {len(trips)}, mean {statistics.mean(trips) * 1000:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
