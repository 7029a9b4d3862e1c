"""LocalPool against the stand-in REPL: throughput, added latency, and no lost proofs.

Three measurements, each printed as a markdown table together with the machine:

1. **Throughput** at a heavy-tailed latency (log-normal, median 50 ms, p99 1 s per REPL
   command; every proof is two commands: the proof and ``#print axioms``). The ideal is
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

Run: ``python benchmarks/bench_pool.py [--repls 8 16 32] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Sequence

from _machine import machine
from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.lean.standin import standin_command
from kimina_prover_rl.lean.verdict import Verdict, VerifyRequest

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
    return verdict.time_s + float(verdict.extra.get("axiom_check_s", 0.0))


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
        "configured": repls / (2 * MEDIAN_S * math.exp(sigma**2 / 2)),
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
        with_io.append(elapsed - 2 * latency_s)

    async with _pool(repls, latency=latency_s) as pool:
        await pool.verify(_requests(repls + 2, "warm"))
        rate = 0.5 * repls / (2 * latency_s)
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repls", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--quick", action="store_true", help="fewer proofs (noisier numbers)")
    args = parser.parse_args()
    per_repl = 15 if args.quick else 40
    print(f"Machine: {machine()}")
    print("Lean: SIMULATED (stand-in REPL), log-normal median 50 ms, p99 1 s per command\n")

    print(
        "| REPLs | proofs | ideal proofs/s | fraction of ideal (queue non-empty) |"
        " proofs/s incl. start and drain | fraction incl. start and drain |"
        " ideal from the configured mean |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for repls in args.repls:
        t = await throughput(repls, per_repl)
        print(
            f"| {repls} | {t['proofs']:.0f} | {t['ideal']:.1f} | {t['steady_fraction']:.3f} | "
            f"{t['overall']:.1f} | {t['overall_fraction']:.3f} | {t['configured']:.1f} |"
        )

    print(
        "\n| REPLs | added p50 (pool) | added p99 (pool) | added p50 (pool + REPL I/O) |"
        " added p99 (pool + REPL I/O) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for repls in (args.repls[0], args.repls[-1]):
        a = await added_latency(repls, proofs=100 if args.quick else 400)
        print(
            f"| {repls} | {a['p50_pool_ms']:.2f} ms | {a['p99_pool_ms']:.2f} ms | "
            f"{a['p50_io_ms']:.2f} ms | {a['p99_io_ms']:.2f} ms |"
        )

    repls = args.repls[len(args.repls) // 2]
    proofs = 300 if args.quick else 1000
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


if __name__ == "__main__":
    asyncio.run(main())
