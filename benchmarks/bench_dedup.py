"""In-flight dedup on a GRPO-like batch, against the stand-in REPL.

A GRPO step samples ``--samples`` answers for each of ``--prompts`` prompts; here
``--dup-rate`` of all answers repeat another answer to the same prompt (small models
often do). The batch is checked by a warm ``LocalPool`` over the stand-in (log-normal
latency per REPL command; each proof is two commands, the proof and ``#print axioms``),
with and without :class:`DedupVerifier`, in two call patterns:

- **one batch**: the whole step in one ``verify`` call (a batched reward function);
- **per sample**: one concurrent ``verify`` call per answer (verl's per-sample reward
  loop), where duplicates meet only in flight, across calls.

Prints a markdown table (proofs submitted, proofs sent to Lean, wall time, speed-up) and
the machine. Run: ``python benchmarks/bench_dedup.py [--prompts 32] [--repls 8]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from _machine import machine
from kimina_prover_rl.lean.dedup import DedupVerifier
from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.lean.verdict import VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier
from kimina_prover_rl.standin import standin_command

HEADER = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
ENDINGS = ("norm_num", "simp", "sorry", 'omega\n  -- standin: error "linarith failed"')


def grpo_batch(prompts: int, samples: int, dup_rate: float, seed: int) -> list[VerifyRequest]:
    """``prompts * samples`` proofs; ``dup_rate`` of them copy another proof of their prompt."""
    rng = random.Random(seed)
    batch: list[VerifyRequest] = []
    duplicates = round(dup_rate * prompts * samples)
    later = [p * samples + s for p in range(prompts) for s in range(1, samples)]
    is_duplicate = set(rng.sample(later, duplicates))  # a prompt's first answer is original
    for p in range(prompts):
        originals: list[str] = []
        for s in range(samples):
            slot = p * samples + s
            if slot in is_duplicate:
                code = rng.choice(originals)
            else:
                statement = f"theorem p{p} (n : ℕ) : n + {p} = {p} + n := by"
                code = f"{HEADER}{statement}\n  -- try {s}\n  {rng.choice(ENDINGS)}\n"
                originals.append(code)
            batch.append(VerifyRequest(code, id=f"p{p}-s{s}"))
    return batch


def _pool(repls: int, latency: str, seed: int) -> LocalPool:
    command = standin_command(latency=latency, seed=seed)
    return LocalPool(PoolConfig(repl=ReplConfig(command=command), max_repls=repls, spares=0))


async def _run(verifier: Verifier, batch: list[VerifyRequest], per_sample: bool) -> float:
    start = time.perf_counter()
    if per_sample:
        await asyncio.gather(*(verifier.verify([r]) for r in batch))
    else:
        await verifier.verify(batch)
    return time.perf_counter() - start


async def measure(
    batch: list[VerifyRequest],
    *,
    repls: int,
    latency: str,
    seed: int,
    dedup: bool,
    per_sample: bool,
) -> tuple[int, float]:
    """``(proofs sent to Lean, wall seconds)`` for one configuration, on a warm pool."""
    pool = _pool(repls, latency, seed)
    async with pool:
        warm = [VerifyRequest(f"{HEADER}theorem warm{i} : True := trivial") for i in range(repls)]
        await pool.verify(warm)
        verifier: Verifier = DedupVerifier(pool) if dedup else pool
        wall = await _run(verifier, batch, per_sample)
        sent = verifier.stats.checked if isinstance(verifier, DedupVerifier) else len(batch)
    return sent, wall


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--dup-rate", type=float, default=0.3)
    parser.add_argument("--repls", type=int, default=8)
    parser.add_argument("--latency", default="lognormal:0.05,0.5", help="stand-in latency spec")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    batch = grpo_batch(args.prompts, args.samples, args.dup_rate, args.seed)
    distinct = len({r.code for r in batch})
    print(f"machine: {machine()}")
    print(
        f"batch: {args.prompts} prompts x {args.samples} samples = {len(batch)} proofs, "
        f"{distinct} distinct ({1 - distinct / len(batch):.0%} duplicates); "
        f"{args.repls} stand-in REPLs, latency {args.latency} per command\n"
    )
    print("| call pattern | dedup | submitted | sent to Lean | wall (s) | speed-up |")
    print("|---|---|---:|---:|---:|---:|")
    for per_sample in (False, True):
        pattern = "per sample (concurrent)" if per_sample else "one batch"
        baseline = 0.0
        for dedup in (False, True):
            sent, wall = await measure(
                batch,
                repls=args.repls,
                latency=args.latency,
                seed=args.seed,
                dedup=dedup,
                per_sample=per_sample,
            )
            baseline = baseline or wall
            print(
                f"| {pattern} | {'on' if dedup else 'off'} | {len(batch)} | {sent} | "
                f"{wall:.2f} | {baseline / wall:.2f}x |"
            )


if __name__ == "__main__":
    asyncio.run(main())
