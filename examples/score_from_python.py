"""Score answers from Python: a REPL pool, the scorer, and the results.

    python examples/score_from_python.py answers.jsonl                 # stand-in (simulated)
    python examples/score_from_python.py answers.jsonl \
        --project-dir ~/lean/mathlib-project --repl ~/lean/repl/.lake/build/bin/repl
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from kimina_prover_rl.lean import LocalPool, PoolConfig, ReplConfig, standin_command
from kimina_prover_rl.reward import RewardConfig, Sample, Scorer


async def main(samples: list[Sample], project_dir: Path | None, repl: str | None) -> None:
    if project_dir is None:
        print("Lean is SIMULATED: no --project-dir given, using the stand-in REPL")
        repl_config = ReplConfig(command=standin_command())
    else:
        repl_config = ReplConfig(command=("lake", "env", repl or "repl"), cwd=project_dir)
    async with LocalPool(PoolConfig(repl=repl_config, max_repls=4)) as pool:
        scorer = Scorer(pool, RewardConfig())
        results = await scorer.score_batch(samples)
    for result in results:
        print(
            f"{result.id}: score={result.score} status={result.status} "
            f"format_error={result.format_error}"
        )
    print(json.dumps(scorer.stats.to_dict()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "answers", type=Path, help='JSON Lines {"id", "formal_statement", "response"}'
    )
    parser.add_argument("--project-dir", type=Path, help="Lean project with Mathlib")
    parser.add_argument("--repl", help="path of the REPL binary (run with `lake env`)")
    args = parser.parse_args()
    lines = args.answers.read_text(encoding="utf-8").splitlines()
    samples = [Sample.from_dict(json.loads(line)) for line in lines if line.strip()]
    asyncio.run(main(samples, args.project_dir, args.repl))
