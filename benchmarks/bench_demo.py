"""Does the default dry run (`make demo`) show learning on every seed?

Runs ``kimina-rl dry-run`` with its default settings (Lean simulated by the stand-in REPL,
announced) once per seed, the seeds side by side, and prints one table row per seed from
each run's ``summary.json``: mean reward, format-error rate and response length in the
first and last quarter of the GRPO steps, accuracy of the correction turn (turn 2) over the
run, validation best@k and mean@k before and after correction (first and last check), and
wall time. The last column says whether the run shows what the README promises: reward up,
format errors down, correction turns that succeed in training and in validation.

    python benchmarks/bench_demo.py                    # seeds 0 1 2, one run at a time
    python benchmarks/bench_demo.py --seeds 0 1 2 3 --jobs 2 -- --steps 40

Arguments after ``--`` go to every ``kimina-rl dry-run``. Runs go under ``--out``
(default: a temporary folder); each one's log is ``seed-N.log`` there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _machine import machine


def _run(seed: int, out: Path, extra: list[str]) -> tuple[int, dict[str, Any] | None, float]:
    """One dry run; its summary (None when it failed) and its wall time in seconds."""
    cli = shutil.which("kimina-rl") or str(Path(sys.executable).parent / "kimina-rl")
    run_dir = out / f"seed-{seed}"
    started = time.perf_counter()
    with (out / f"seed-{seed}.log").open("w") as log:
        done = subprocess.run(
            [cli, "dry-run", "--out", str(run_dir), "--seed", str(seed), *extra],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    elapsed = time.perf_counter() - started
    summary_file = run_dir / "summary.json"
    if done.returncode or not summary_file.is_file():
        return seed, None, elapsed
    return seed, json.loads(summary_file.read_text()), elapsed


def _row(seed: int, summary: dict[str, Any] | None, elapsed: float) -> str:
    if summary is None:
        return f"| {seed} | failed (see seed-{seed}.log) |||||||||"
    reward = summary["reward"]
    errors = summary["format_error_rate"]
    length = summary["response_length"]
    turn2 = summary["acc_by_turn"].get("turn2", 0.0)
    val = summary.get("validation", {})

    def pair(statistic: str, when: str) -> str:
        found = [v for label, v in val.items() if label.startswith(statistic) and when in label]
        return f"{found[0]['start']:.2f} → {found[0]['end']:.2f}" if found else "-"

    after_mean = [
        v["end"] for label, v in val.items() if label.startswith("mean@") and "after" in label
    ]
    learned = (
        reward["end"] > reward["start"]
        and errors["end"] < errors["start"]
        and turn2 > 0
        and all(v > 0 for v in after_mean)
    )
    return (
        f"| {seed} | {reward['start']:.3f} → {reward['end']:.3f} "
        f"| {errors['start']:.1%} → {errors['end']:.1%} "
        f"| {length['start']:.0f} → {length['end']:.0f} | {turn2:.1%} "
        f"| {pair('best@', 'before')} | {pair('best@', 'after')} "
        f"| {pair('mean@', 'before')} | {pair('mean@', 'after')} "
        f"| {elapsed / 60:.1f} | {'yes' if learned else 'no'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--jobs", type=int, default=1, help="runs at once (each one uses every core)"
    )
    parser.add_argument("--out", type=Path, default=None, help="keep the runs here")
    parser.add_argument("extra", nargs="*", help="dry-run options, after --")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"runs: {out} (dry-run defaults{', ' + ' '.join(args.extra) if args.extra else ''})")
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda s: _run(s, out, args.extra), args.seeds))
    print(
        "| seed | mean reward, first → last quarter | format errors, first → last quarter "
        "| response length (tokens), first → last quarter | turn-2 accuracy "
        "| val best@k before correction, first → last check | val best@k after correction "
        "| val mean@k before correction | val mean@k after correction | minutes | learned |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for seed, summary, elapsed in results:
        print(_row(seed, summary, elapsed))


if __name__ == "__main__":
    main()
