"""The reward's own overhead: samples scored per second when Lean costs nothing.

Inputs are the demo answers (``examples/make_answers.py`` over the shared training sample:
verified proofs wrapped in the answer format, plus sorry / changed-statement / no-think
variants), repeated to ``--samples``. Three set-ups, measured in one run:

- ``text checks``: ``check_answer`` alone (no verifier);
- ``in-process verifier``: ``Scorer.score_batch`` over a verifier that answers instantly,
  i.e. everything the reward does around Lean;
- ``stand-in pool``: ``Scorer`` over ``LocalPool`` running the stand-in REPL at zero
  latency (real processes and protocol), by batch and by concurrent single calls
  (micro-batched).

    python benchmarks/bench_reward.py [--samples 2000] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from _machine import machine
from kimina_prover_rl.lean import Verdict, VerdictStatus, Verifier, VerifyRequest
from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.proof import check_answer
from kimina_prover_rl.reward import Sample, Scorer
from kimina_prover_rl.standin import standin_command

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KIMINA_SHARED_DATA", ROOT.parent / "shared" / "data"))


class InstantVerifier(Verifier):
    """Accepts everything at once: isolates the reward's own work."""

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        for i, request in enumerate(requests):
            yield i, Verdict(VerdictStatus.VALID, id=request.id)


def load_samples(count: int) -> list[Sample]:
    made = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "make_answers.py"),
            str(SHARED / "train_sample.jsonl"),
            "-n",
            "96",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    base = [Sample.from_dict(json.loads(line)) for line in made.stdout.splitlines()]
    return [
        Sample(s.formal_statement, s.response, id=f"{i}:{s.id}")
        for i, s in zip(range(count), (base * (count // len(base) + 1)), strict=False)
    ]


async def main(samples_n: int, workers: int) -> None:
    samples = load_samples(samples_n)
    chars = sum(len(s.response) for s in samples) / len(samples)
    rows: list[tuple[str, float]] = []

    start = time.perf_counter()
    for sample in samples:
        check_answer(sample.formal_statement, sample.response)
    rows.append(("text checks only", time.perf_counter() - start))

    start = time.perf_counter()
    await Scorer(InstantVerifier()).score_batch(samples)
    rows.append(("in-process verifier, score_batch", time.perf_counter() - start))

    config = PoolConfig(repl=ReplConfig(command=standin_command(latency=0)), max_repls=workers)
    async with LocalPool(config) as pool:
        await pool.verify([VerifyRequest(samples[0].formal_statement + " sorry")])  # warm up
        start = time.perf_counter()
        await Scorer(pool).score_batch(samples)
        rows.append((f"stand-in pool ({workers} REPLs), score_batch", time.perf_counter() - start))
        scorer = Scorer(pool)
        start = time.perf_counter()
        await asyncio.gather(*(scorer.score(s) for s in samples))
        await scorer.aclose()
        elapsed = time.perf_counter() - start
        rows.append(
            (f"stand-in pool ({workers} REPLs), concurrent score() x{len(samples)}", elapsed)
        )
        batches = scorer.batches_sent

    print(f"Machine: {machine()}")
    print(f"{len(samples)} samples, mean answer {chars:,.0f} chars; Lean is SIMULATED (stand-in)\n")
    print("| set-up | samples/s | µs/sample |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {len(samples) / seconds:,.0f} | {seconds / len(samples) * 1e6:,.0f} |")
    print(f"\nconcurrent score() calls reached the verifier in {batches} batches")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main(args.samples, args.workers))
