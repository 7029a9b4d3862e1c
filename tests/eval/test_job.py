"""EvalJob -> EvalSummary from Python: the whole evaluation without the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kimina_prover_rl.data import PromptTemplate, load_prompt_source
from kimina_prover_rl.eval import (
    SUMMARY_JSON,
    EvalConfig,
    EvalJob,
    GeneratorOptions,
    eval_problems,
    run_job,
)
from kimina_prover_rl.lean import VerifierSettings
from kimina_prover_rl.reward import RewardConfig
from tests.eval._scripted import NAMES, sorry_answer, valid_answer


async def test_a_job_runs_resumes_and_summarises(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    rows = [r for r in minif2f if r["name"] in NAMES]
    dataset = tmp_path / "problems.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    answers = tmp_path / "answers.jsonl"
    answers.write_text(
        "".join(
            json.dumps(
                {
                    "formal_statement": r["formal_statement"],
                    "response": valid_answer(r) if i == 0 else sorry_answer(r),
                }
            )
            + "\n"
            for i, r in enumerate(rows)
        ),
        encoding="utf-8",
    )
    source = load_prompt_source(str(dataset))
    template = PromptTemplate()
    problems, skipped = eval_problems(list(source.problems), label="t", template=template)
    job = EvalJob(
        problems=problems,
        source=source,
        template=template,
        model=GeneratorOptions(kind="replay", model=str(answers)),
        reward=RewardConfig(),
        verifier=VerifierSettings(backend="standin", cache_path=None),
        config=EvalConfig(n=1, rounds=1),
        ks=(1,),
        out=tmp_path / "run",
        skipped=skipped,
    )
    first = await run_job(job)
    again = await run_job(job)
    assert (first.resumed, again.resumed) == (False, True)
    assert first.failure is None
    assert first.incomplete == []
    assert first.figures["rounds"][0]["solved_problems"] == 1
    assert first.metadata.simulated_lean is True
    assert first.metadata.generator["backend"] == "replay"
    written = json.loads((tmp_path / "run" / SUMMARY_JSON).read_text(encoding="utf-8"))
    assert written["metadata"]["lean_version"] == again.metadata.lean_version
    assert written["rounds"] == again.figures["rounds"]
