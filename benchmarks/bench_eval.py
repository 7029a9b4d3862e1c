"""The evaluation's own overhead: answers per second when the model and Lean cost nothing.

Problems are the 96 verified problems of the shared training sample; the "model" answers
instantly with the demo answers (``examples/make_answers.py``: a verified proof, a
``sorry``, a changed statement, a missing think block, chosen by the request's seed), and
the verifier answers instantly (``sorry`` in the code: a sorry verdict with Lean's
warning, else valid). Measured in one run, on the same answers:

- ``reward alone``: ``Scorer.score_batch`` over every first-round answer;
- ``eval, 1 round``: ``run_evaluation`` into a fresh folder (prompts, seeds, scoring,
  correction turns, records appended and flushed);
- ``eval, 2 rounds``: the same with a correction round;
- ``resume, nothing left``: ``run_evaluation`` again on the finished folder;
- ``summary``: ``summarize`` over the 2-round records.

    python benchmarks/bench_eval.py [--n 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from _machine import machine
from kimina_prover_rl.data import Problem, PromptTemplate
from kimina_prover_rl.eval import (
    EvalConfig,
    Generation,
    GenerationRequest,
    Generator,
    SampleStore,
    SamplingConfig,
    eval_problems,
    run_evaluation,
    summarize,
)
from kimina_prover_rl.lean import LeanMessage, Verdict, VerdictStatus, Verifier, VerifyRequest
from kimina_prover_rl.reward import Sample, Scorer

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KIMINA_SHARED_DATA", ROOT.parent / "shared" / "data"))


class InstantVerifier(Verifier):
    """Valid, or a sorry verdict with Lean's warning: isolates the evaluation's own work."""

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        for i, request in enumerate(requests):
            if "sorry" in request.code:
                warning = LeanMessage("warning", "declaration uses 'sorry'", line=1, column=8)
                yield i, Verdict(VerdictStatus.SORRY, id=request.id, messages=(warning,))
            else:
                yield i, Verdict(VerdictStatus.VALID, id=request.id)


class InstantModel(Generator):
    """Answers with one of the problem's demo answers, picked by the request's seed."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    def describe(self) -> dict[str, str]:
        return {"generator": "instant"}

    async def generate(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        out = []
        for request in requests:
            options = self.answers[request.messages[1]["content"]]
            out.append(Generation(options[request.seed % len(options)], "stop"))
        return out


def load() -> tuple[list[Problem], dict[str, list[str]]]:
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
    by_problem: dict[str, tuple[str, list[str]]] = {}
    for line in made.stdout.splitlines():
        row = json.loads(line)
        name = row["id"].split(":", 1)[0]
        by_problem.setdefault(name, (row["formal_statement"], []))[1].append(row["response"])
    problems = [Problem(name, statement, "") for name, (statement, _) in by_problem.items()]
    return problems, {name: answers for name, (_, answers) in by_problem.items()}


async def main(n: int) -> None:
    problems, answers = load()
    evaluated, _ = eval_problems(problems, label="bench", template=PromptTemplate())
    prompts = {p.messages[1]["content"]: answers[p.id] for p in evaluated}
    model = InstantModel(prompts)
    total = len(evaluated) * n
    rows: list[tuple[str, int, float]] = []

    samples = [
        Sample(p.formal_statement, answers[p.id][i % len(answers[p.id])], id=f"{p.id}#{i}")
        for p in evaluated
        for i in range(n)
    ]
    start = time.perf_counter()
    await Scorer(InstantVerifier()).score_batch(samples)
    rows.append(("reward alone, score_batch", len(samples), time.perf_counter() - start))

    with tempfile.TemporaryDirectory() as tmp:
        for rounds in (1, 2):
            store = SampleStore(Path(tmp) / f"rounds{rounds}")
            config = EvalConfig(n=n, rounds=rounds)
            start = time.perf_counter()
            records = await run_evaluation(
                evaluated, model, Scorer(InstantVerifier()), store, config
            )
            rows.append((f"eval, {rounds} round(s)", len(records), time.perf_counter() - start))
        start = time.perf_counter()
        again = await run_evaluation(evaluated, model, Scorer(InstantVerifier()), store, config)
        rows.append(
            ("resume, nothing left (records read)", len(again), time.perf_counter() - start)
        )
        start = time.perf_counter()
        summary = summarize(evaluated, again, n=n, rounds=2, ks=[1, 8, n])
        rows.append(("summary (records summarised)", len(again), time.perf_counter() - start))
        size = store.samples_path.stat().st_size

    print(f"Machine: {machine()}")
    print(
        f"{len(evaluated)} problems x {n} samples = {total} first-round answers; "
        f"samples.jsonl after 2 rounds: {size / 1e6:.1f} MB; pass@1 after round 2: "
        f"{summary['rounds'][1]['pass_at_k']['1']:.3f}; model and Lean are instant stand-ins\n"
    )
    print("| set-up | items | items/s | µs/item |")
    print("|---|---:|---:|---:|")
    for name, count, seconds in rows:
        print(f"| {name} | {count} | {count / seconds:,.0f} | {seconds / count * 1e6:,.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.n))
