"""The reward record and correction rows shared by the verl and TRL adapters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.data import (
    ROW_EXTRA_KEYS,
    ROW_KEYS,
    PrepareConfig,
    prepare_prompt_set,
)
from kimina_prover_rl.data.prepare import TRAIN_FILE
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean import LeanMessage, Verdict, VerdictStatus
from kimina_prover_rl.proof import FormatError
from kimina_prover_rl.reward import (
    NOT_VERIFIED,
    RECORD_KEYS,
    CorrectionPrompt,
    ScoredSample,
    SkipReason,
    correction_from_record,
    correction_row,
    reward_record,
    scored_from_record,
    step_metrics,
)

STATEMENT = "theorem t (x : ℕ) : x + 0 = x := by"
PROMPT = [
    {"role": "system", "content": "You are an expert in Lean 4."},
    {"role": "user", "content": f"Prove:\n```lean4\n{STATEMENT}\n```"},
]
ANSWER = f"<think>\nsimp\n</think>\n```lean4\n{STATEMENT}\n  rfl\n```"


def _scored(
    status: VerdictStatus | None, *, format_error: FormatError | None = None
) -> ScoredSample:
    verdict = None if status is None else Verdict(status, messages=(LeanMessage("error", "no"),))
    valid = status is VerdictStatus.VALID
    return ScoredSample(
        id="t",
        score=1.0 if valid and format_error is None else 0.0,
        acc=1.0 if valid else 0.0,
        format_error=format_error,
        detail="",
        status=status,
        infra_failure=status is not None and status.is_infrastructure,
        proof=None if format_error is FormatError.NO_LEAN4_BLOCK else f"{STATEMENT}\n  rfl",
        feedback=None if valid or status is None else "Lean reported 1 error: no",
        verdict=verdict,
    )


def _row(turn: int = 1) -> dict[str, Any]:
    return {
        "data_source": "numina",
        "prompt": PROMPT,
        "ability": "theorem_proving",
        "reward_model": {"style": "rule", "ground_truth": STATEMENT},
        "extra_info": {
            "index": 3,
            "split": "train",
            "problem_id": "p3",
            "formal_statement": STATEMENT,
            "informal_problem": "x plus zero",
            "messages": PROMPT,
            "turn": turn,
        },
    }


statuses = st.sampled_from([None, *VerdictStatus])
format_errors = st.sampled_from([None, FormatError.NO_LEAN4_BLOCK, FormatError.MISSING_THINK])


@given(statuses, format_errors, st.integers(min_value=1, max_value=5))
def test_every_record_has_the_same_keys_and_plain_types(
    status: VerdictStatus | None, format_error: FormatError | None, turn: int
) -> None:
    record = reward_record(_scored(status, format_error=format_error), turn=turn)
    assert tuple(record) == RECORD_KEYS
    for key in ("score", "acc", "infra_failure", "turn"):
        assert type(record[key]) is float
    for key in ("format_error", "status", "proof", "feedback"):
        assert type(record[key]) is str
    json.dumps(record)


@given(statuses, format_errors, st.integers(min_value=1, max_value=5))
def test_a_record_reads_back_as_the_scored_sample(
    status: VerdictStatus | None, format_error: FormatError | None, turn: int
) -> None:
    scored = _scored(status, format_error=format_error)
    back = scored_from_record(reward_record(scored, turn=turn), id="t")
    for name in ("score", "acc", "format_error", "status", "infra_failure", "proof", "feedback"):
        assert getattr(back, name) == getattr(scored, name)


def test_metrics_from_records_match_metrics_from_results() -> None:
    results = [_scored(VerdictStatus.VALID), _scored(VerdictStatus.CRASH), _scored(None)]
    records = [reward_record(s, turn=t) for s, t in zip(results, (1, 2, 1), strict=True)]
    back = [scored_from_record(r) for r in records]
    turns = [int(r["turn"]) for r in records]
    assert step_metrics(back, turns=turns) == step_metrics(results, turns=[1, 2, 1])
    assert records[2]["status"] == NOT_VERIFIED


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        ({"score": 1.0}, "lacks acc"),
        ({**dict.fromkeys(RECORD_KEYS, ""), "status": "great"}, "'great' is not one of"),
    ],
)
def test_foreign_records_are_refused_with_the_reason(record: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        scored_from_record(record)


def test_bad_turn_is_refused() -> None:
    with pytest.raises(InputError, match="integer >= 1"):
        reward_record(_scored(VerdictStatus.VALID), turn=0)


def test_a_failed_answer_becomes_a_row_like_a_prepared_one() -> None:
    record = reward_record(_scored(VerdictStatus.LEAN_ERROR), turn=1)
    prompt = correction_from_record(_row(), ANSWER, record)
    assert isinstance(prompt, CorrectionPrompt)
    row = correction_row(prompt)
    assert tuple(row) == ROW_KEYS
    assert tuple(row["extra_info"]) == ROW_EXTRA_KEYS
    assert row["data_source"] == "numina"
    assert row["reward_model"] == {"style": "rule", "ground_truth": STATEMENT}
    assert row["extra_info"]["turn"] == 2
    assert row["extra_info"]["index"] == 3
    assert row["extra_info"]["problem_id"] == "p3"
    assert row["prompt"][:2] == PROMPT
    assert row["prompt"][2] == {"role": "assistant", "content": ANSWER}
    assert "Lean reported 1 error: no" in row["prompt"][3]["content"]
    assert row["extra_info"]["messages"] == row["prompt"]


@pytest.mark.parametrize(
    ("status", "turn", "reason"),
    [
        (VerdictStatus.VALID, 1, SkipReason.VALID),
        (VerdictStatus.OVERLOADED, 1, SkipReason.INFRASTRUCTURE),
        (VerdictStatus.LEAN_ERROR, 2, SkipReason.TURN_LIMIT),
        (None, 1, SkipReason.NO_FEEDBACK),
    ],
)
def test_records_that_cannot_be_corrected_say_why(
    status: VerdictStatus | None, turn: int, reason: SkipReason
) -> None:
    record = reward_record(_scored(status), turn=turn)
    assert correction_from_record(_row(turn), ANSWER, record) is reason


def test_a_row_without_a_statement_is_refused() -> None:
    record = reward_record(_scored(VerdictStatus.LEAN_ERROR))
    with pytest.raises(InputError, match="no formal_statement"):
        correction_from_record({"extra_info": {}}, ANSWER, record)


def test_correction_rows_collate_with_prepared_parquet_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    source = tmp_path / "train.jsonl"
    source.write_text(
        json.dumps({"name": "p3", "formal_statement": STATEMENT, "informal_prefix": "x"}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "set"
    prepare_prompt_set(
        PrepareConfig(train=str(source), val=str(source), out=out, decontaminate=False)
    )
    table = pq.read_table(out / TRAIN_FILE)
    prepared = table.to_pylist()[0]
    record = reward_record(_scored(VerdictStatus.SORRY))
    prompt = correction_from_record(prepared, ANSWER, record)
    assert isinstance(prompt, CorrectionPrompt)
    mixed = pa.Table.from_pylist([prepared, correction_row(prompt)], schema=table.schema)
    assert mixed.num_rows == 2
    assert mixed.to_pylist()[1]["extra_info"]["turn"] == 2
