"""LocalPool against the stand-in REPL: throughput, added latency, no lost proofs, round trips.

Four measurements, each printed as a markdown table together with the machine:

1. **Throughput** at a heavy-tailed latency (log-normal, median 50 ms, p99 1 s per REPL
   command; every proof is one command: the proof with its check appended). The ideal is
   ``REPLs / mean Lean time per proof``, with the Lean time measured per proof at the
   REPL boundary, so the sampling noise of the heavy tail cancels out. The fraction of
   the ideal is the share of REPL-slot time spent inside Lean while the queue still held
   work (what the pool controls); the run's start and its drain (the last, long proofs
   finishing while other slots have nothing left to do) are shown separately.
2. **Added latency** per proof: single-proof calls arriving at random (Poisson) at half
   the pool's capacity, constant 50 ms per command; the time from the call to its
   verdict minus the REPL's own time ("pool"), and minus the configured Lean time only
   ("pool + REPL I/O", which adds pipes, JSON and the stand-in's own work).
3. **Faults**: 5% of commands (headers included) crash and 2% hang (2 s timeout per
   proof, 10 s per header); every proof must get exactly one verdict.
4. **One round trip or two** (issue 11), both in the same run: the pool as it is (proof and
   check as one command) against the earlier protocol, emulated here at the REPL boundary
   (the same command split into the proof, then the check in the proof's environment).
   Each proof's Lean time is drawn once (log-normal, median 40 ms) and scripted into the
   proof itself, so the check costs only what it costs the REPL (pipes, JSON, parsing),
   as ``#print axioms`` does in real Lean; then the same with 5% crashes and 2% hangs
   injected into every command.

Run: ``python benchmarks/bench_pool.py [--repls 8 16 32] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from _machine import machine
from kimina_prover_rl.errors import ReplCrashed, ReplTimeout
from kimina_prover_rl.lean.outcome import shift_positions
from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
from kimina_prover_rl.lean.repl import LeanRepl, ReplConfig
from kimina_prover_rl.lean.verdict import Verdict, VerifyRequest
from kimina_prover_rl.standin import standin_command

HEADER = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen Nat\n\n"
MEDIAN_S, P99_S = 0.05, 1.0
_Z99 = 2.3263478740408408


def _requests(n: int, tag: str) -> list[VerifyRequest]:
    return [
        VerifyRequest(f"{HEADER}theorem {tag}_{i} : {i} + 1 = {i + 1} := by\n  norm_num\n")
        for i in range(n)
    ]


def _pool(repls: int, *, spares: int = 2, timeout_s: float = 30.0, **standin: object) -> LocalPool:
    command = standin_command(**standin)  # type: ignore[arg-type]
    return LocalPool(
        PoolConfig(
            repl=ReplConfig(command=command, kill_grace_s=0.5),
            max_repls=repls,
            spares=spares,
            timeout_s=timeout_s,
            header_timeout_s=10.0,
        )
    )


def _lean_time(verdict: Verdict) -> float:
    return verdict.time_s


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def throughput(repls: int, proofs_per_repl: int) -> dict[str, float]:
    """Utilisation of the REPL slots while the queue still holds work, and over the run."""
    latency = f"lognormal:{MEDIAN_S},{P99_S}"
    async with _pool(repls, latency=latency) as pool:
        await pool.verify(_requests(repls + 2, "warm"))  # every REPL and spare is warm
        requests = _requests(repls * proofs_per_repl, "t")
        started = time.perf_counter()
        busy: list[tuple[float, float]] = []  # (Lean start, Lean end) of each proof
        last_start = 0.0
        async for _, verdict in pool.verify_stream(requests):
            end = time.perf_counter() - started
            busy.append((end - _lean_time(verdict), end))
            last_start = max(last_start, float(verdict.extra["queue_wait_s"]))
    wall = max(end for _, end in busy)
    in_window = sum(max(0.0, min(end, last_start) - max(start, 0.0)) for start, end in busy)
    lean_total = sum(end - start for start, end in busy)
    sigma = math.log(P99_S / MEDIAN_S) / _Z99
    return {
        "proofs": len(busy),
        "ideal": repls * len(busy) / lean_total,
        "steady_fraction": in_window / (repls * last_start),
        "overall": len(busy) / wall,
        "overall_fraction": lean_total / (repls * wall),
        "configured": repls / (MEDIAN_S * math.exp(sigma**2 / 2)),
    }


async def added_latency(repls: int, proofs: int) -> dict[str, float]:
    """Single-proof calls arriving at random (Poisson) at half the pool's capacity."""
    latency_s = 0.05
    rng = random.Random(0)
    pool_only: list[float] = []
    with_io: list[float] = []

    async def one(pool: LocalPool, request: VerifyRequest) -> None:
        submitted = time.perf_counter()
        (verdict,) = await pool.verify([request])
        elapsed = time.perf_counter() - submitted
        pool_only.append(elapsed - _lean_time(verdict))
        with_io.append(elapsed - latency_s)

    async with _pool(repls, latency=latency_s) as pool:
        await pool.verify(_requests(repls + 2, "warm"))
        rate = 0.5 * repls / latency_s
        async with asyncio.TaskGroup() as group:
            for request in _requests(proofs, "a"):
                await asyncio.sleep(rng.expovariate(rate))
                group.create_task(one(pool, request))
    return {
        "p50_pool_ms": 1000 * _quantile(pool_only, 0.5),
        "p99_pool_ms": 1000 * _quantile(pool_only, 0.99),
        "p50_io_ms": 1000 * _quantile(with_io, 0.5),
        "p99_io_ms": 1000 * _quantile(with_io, 0.99),
    }


async def faults(repls: int, proofs: int) -> tuple[int, int, Counter[str], float]:
    latency = f"lognormal:{MEDIAN_S},{P99_S}"
    faulty = _pool(repls, timeout_s=2.0, latency=latency, crash_rate=0.05, hang_rate=0.02)
    async with faulty as pool:
        requests = _requests(proofs, "f")
        seen: Counter[int] = Counter()
        statuses: Counter[str] = Counter()
        started = time.perf_counter()
        async for index, verdict in pool.verify_stream(requests):
            seen[index] += 1
            statuses[verdict.status.value] += 1
        wall = time.perf_counter() - started
        statuses.update({k: v for k, v in pool.stats.items() if k in ("crash_retries",)})
    missing = sum(1 for i in range(proofs) if seen[i] == 0)
    duplicated = sum(1 for count in seen.values() if count > 1)
    return missing, duplicated, statuses, wall


class _CountedSends:
    """Counts the REPL commands sent. With ``split``, emulates the protocol before issue 11
    for comparison: each proof's command is sent as the proof, then the appended check in
    the environment the proof left; the check's answer is moved back to the lines it has
    in the one-command form, so the verdict is judged exactly as the pool judges it, and
    faults of the check command are counted."""

    def __init__(self, *, split: bool) -> None:
        self.split = split
        self.commands = 0
        self.check_faults = 0
        self._original = LeanRepl.send

    def __enter__(self) -> _CountedSends:
        emulator = self

        async def send(
            self: LeanRepl, request: Mapping[str, Any], *, timeout_s: float | None
        ) -> dict[str, Any]:
            cmd = str(request.get("cmd", ""))
            cut = cmd.rfind(_CHECK_START)
            if not emulator.split or cut < 0 or "import" in cmd:
                emulator.commands += 1
                return await emulator._original(self, request, timeout_s=timeout_s)
            body, check = cmd[: cut + 2], cmd[cut + 2 :]
            emulator.commands += 2
            first = await emulator._original(self, {**request, "cmd": body}, timeout_s=timeout_s)
            if "env" not in first:
                return first
            try:
                second = await emulator._original(
                    self, {"cmd": check, "env": first["env"]}, timeout_s=timeout_s
                )
            except (ReplCrashed, ReplTimeout):
                emulator.check_faults += 1
                raise
            shift = body.count("\n")
            moved = shift_positions(second, shift).get("messages", [])
            return {**first, "messages": [*first.get("messages", []), *moved]}

        LeanRepl.send = send  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        LeanRepl.send = self._original  # type: ignore[method-assign]


_CHECK_START = "\n\n#print axioms _root_."


def _scripted_requests(n: int, seed: int) -> list[VerifyRequest]:
    """Proofs whose Lean time (log-normal, median 40 ms, p99 0.4 s) is scripted into them."""
    rng = random.Random(seed)
    sigma = math.log(0.4 / 0.04) / _Z99
    return [
        VerifyRequest(
            f"{HEADER}theorem r_{i} : {i} + 1 = {i + 1} := by\n"
            f"  norm_num -- standin: slow={rng.lognormvariate(math.log(0.04), sigma):.4f}\n"
        )
        for i in range(n)
    ]


async def round_trips(repls: int, proofs: int, *, two: bool, faulty: bool) -> dict[str, Any]:
    """One mode of the comparison: wall time, REPL commands, verdicts, faults in the check."""
    rates = {"crash_rate": 0.05, "hang_rate": 0.02} if faulty else {}
    async with _pool(repls, timeout_s=2.0, **rates) as pool:  # type: ignore[arg-type]
        await pool.verify(_requests(repls + 2, "warm"))
        with _CountedSends(split=two) as counted:
            started = time.perf_counter()
            verdicts = await pool.verify(_scripted_requests(proofs, seed=11))
            wall = time.perf_counter() - started
    statuses = Counter(v.status.value for v in verdicts)
    return {
        "wall": wall,
        "proofs_per_s": proofs / wall,
        "commands": counted.commands,
        "statuses": statuses,
        "check_faults": counted.check_faults,
    }


_SECTIONS = ("throughput", "latency", "faults", "round-trips")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repls", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--quick", action="store_true", help="fewer proofs (noisier numbers)")
    parser.add_argument(
        "--only", nargs="+", choices=_SECTIONS, default=_SECTIONS, help="tables to measure"
    )
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    print("Lean: SIMULATED (stand-in REPL)\n")
    if "throughput" in args.only:
        await print_throughput(args.repls, 15 if args.quick else 40)
    if "latency" in args.only:
        await print_latency((args.repls[0], args.repls[-1]), 100 if args.quick else 400)
    if "faults" in args.only:
        await print_faults(args.repls[len(args.repls) // 2], 300 if args.quick else 1000)
    if "round-trips" in args.only:
        await print_round_trips(args.repls[0], 100 if args.quick else 400)


async def print_throughput(all_repls: Sequence[int], per_repl: int) -> None:
    print("Log-normal median 50 ms, p99 1 s per command\n")
    print(
        "| REPLs | proofs | ideal proofs/s | fraction of ideal (queue non-empty) |"
        " proofs/s incl. start and drain | fraction incl. start and drain |"
        " ideal from the configured mean |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for repls in all_repls:
        t = await throughput(repls, per_repl)
        print(
            f"| {repls} | {t['proofs']:.0f} | {t['ideal']:.1f} | {t['steady_fraction']:.3f} | "
            f"{t['overall']:.1f} | {t['overall_fraction']:.3f} | {t['configured']:.1f} |"
        )


async def print_latency(all_repls: Sequence[int], proofs: int) -> None:
    print(
        "\n| REPLs | added p50 (pool) | added p99 (pool) | added p50 (pool + REPL I/O) |"
        " added p99 (pool + REPL I/O) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for repls in all_repls:
        a = await added_latency(repls, proofs=proofs)
        print(
            f"| {repls} | {a['p50_pool_ms']:.2f} ms | {a['p99_pool_ms']:.2f} ms | "
            f"{a['p50_io_ms']:.2f} ms | {a['p99_io_ms']:.2f} ms |"
        )


async def print_faults(repls: int, proofs: int) -> None:
    missing, duplicated, statuses, wall = await faults(repls, proofs)
    print(
        "\n| REPLs | proofs | 5% crashes + 2% hangs | without a verdict | duplicated |"
        " verdicts | wall |"
    )
    print("|---:|---:|---|---:|---:|---|---:|")
    shown = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
    print(
        f"| {repls} | {proofs} | injected per command | {missing} | {duplicated} | "
        f"{shown} | {wall:.1f} s |"
    )


async def print_round_trips(repls: int, proofs: int) -> None:
    print(
        f"\n{repls} REPLs, {proofs} proofs, Lean time per proof log-normal median 40 ms,"
        " p99 0.4 s (scripted, the same draws in every row)\n"
    )
    print(
        "| protocol | faults injected | wall | proofs/s | REPL commands | verdicts |"
        " proofs that failed in the check command |"
    )
    print("|---|---|---:|---:|---:|---|---:|")
    for faulty in (False, True):
        for two in (True, False):
            r = await round_trips(repls, proofs, two=two, faulty=faulty)
            shown = ", ".join(f"{k} {v}" for k, v in sorted(r["statuses"].items()))
            print(
                f"| {'two round trips (before)' if two else 'one round trip (now)'} | "
                f"{'5% crash, 2% hang' if faulty else 'none'} | {r['wall']:.2f} s | "
                f"{r['proofs_per_s']:.1f} | {r['commands']} | {shown} | "
                f"{r['check_faults'] if two else 'n/a (one command)'} |"
            )


if __name__ == "__main__":
    asyncio.run(main())
