"""A step's end, shared by both trainers: corrections into the cache, and the metrics."""

from __future__ import annotations

import pytest

from kimina_prover_rl.data import builtin_problems, builtin_rows, flawed_answer, reference_answer
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean import LeanMessage, Verdict, VerdictStatus
from kimina_prover_rl.proof import FormatError
from kimina_prover_rl.reward import (
    CorrectionCache,
    CorrectionPrompt,
    CorrectionSettings,
    FinishedAnswer,
    Sample,
    ScoredSample,
    SkipReason,
    finish_step,
    next_turn,
    reward_record,
)


def _scored(
    sample: Sample, status: VerdictStatus | None, error: FormatError | None = None
) -> ScoredSample:
    verdict = None if status is None else Verdict(status, messages=(LeanMessage("error", "no"),))
    valid = status is VerdictStatus.VALID
    return ScoredSample(
        id=sample.id,
        score=float(valid),
        acc=float(valid),
        format_error=error,
        detail="",
        status=status,
        infra_failure=status is not None and status.is_infrastructure,
        proof=None if error is FormatError.NO_LEAN4_BLOCK else sample.formal_statement,
        feedback=None if valid or status is None else "Lean reported 1 error: no",
        verdict=verdict,
    )


def _answers() -> list[FinishedAnswer]:
    rows, problems = builtin_rows()[:4], builtin_problems()[:4]
    outcomes = [
        (reference_answer(problems[0]), VerdictStatus.VALID, None),
        (flawed_answer(problems[1]), VerdictStatus.SORRY, None),
        ("no idea", None, FormatError.NO_LEAN4_BLOCK),
        (flawed_answer(problems[3]), VerdictStatus.CRASH, None),
    ]
    answers = []
    for i, (row, (text, status, error)) in enumerate(zip(rows, outcomes, strict=True)):
        sample = Sample.from_row(row, text)
        scored = _scored(sample, status, error)
        answers.append(FinishedAnswer(row, sample, scored, turn=1 + i // 2, length=len(text)))
    return answers


def test_failed_answers_become_corrections_and_the_step_is_measured() -> None:
    cache = CorrectionCache(CorrectionSettings(rate=1.0))
    metrics = finish_step(cache, _answers())
    (correction,) = cache.draw(4)
    assert correction.turn == 2
    assert correction.extra_info["data_source"] == builtin_rows()[1]["data_source"]
    assert metrics["correction/added"] == 1.0
    assert metrics["correction/skipped/valid"] == 1.0
    assert metrics["correction/skipped/infrastructure"] == 1.0
    assert metrics["correction/skipped/turn_limit"] == 1.0
    assert metrics["reward/acc/turn1"] == 0.5
    assert metrics["reward/samples/turn2"] == 2.0
    assert metrics["verdict/infra_failure"] == 1.0
    assert metrics["format/no_lean4_block"] == 0.25


def test_an_answer_read_back_from_its_record_ends_the_step_the_same_way() -> None:
    direct = _answers()
    back = [
        FinishedAnswer.from_record(
            a.row, a.sample.response, reward_record(a.scored, turn=a.turn), length=a.length
        )
        for a in direct
    ]
    first, second = (
        CorrectionCache(CorrectionSettings(rate=1.0)),
        CorrectionCache(CorrectionSettings(rate=1.0)),
    )
    assert finish_step(first, direct) == finish_step(second, back)
    assert first.draw(4) == second.draw(4)


def test_next_turn_says_why_an_answer_is_not_corrected() -> None:
    answers = _answers()
    assert next_turn(answers[0]) is SkipReason.VALID
    assert isinstance(next_turn(answers[1]), CorrectionPrompt)
    assert next_turn(answers[3]) is SkipReason.INFRASTRUCTURE


def test_a_turn_below_one_is_refused() -> None:
    answer = _answers()[0]
    with pytest.raises(InputError, match="integer >= 1"):
        FinishedAnswer(answer.row, answer.sample, answer.scored, turn=0)
