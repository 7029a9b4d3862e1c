"""Prompt rows read once: the statement, id, conversation and turn an adapter needs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.data import (
    ROW_EXTRA_KEYS,
    ROW_KEYS,
    builtin_rows,
    row_turn,
)
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.reward import (
    Sample,
)


def test_a_prepared_row_reads_as_the_sample_it_asks_for() -> None:
    row = builtin_rows()[0]
    assert tuple(row) == ROW_KEYS
    assert tuple(row["extra_info"]) == ROW_EXTRA_KEYS
    sample = Sample.from_row(row, "answer")
    assert sample.formal_statement == row["extra_info"]["formal_statement"]
    assert sample.response == "answer"
    assert sample.id == row["extra_info"]["problem_id"]
    assert list(sample.messages) == row["prompt"]
    assert row_turn(row) == 1


def test_the_ground_truth_stands_in_for_a_missing_statement() -> None:
    row = {"reward_model": {"ground_truth": "theorem t : True := by"}, "extra_info": {}}
    sample = Sample.from_row(row, "x")
    assert sample.formal_statement == "theorem t : True := by"
    assert sample.id is None
    assert row_turn(row) == 1


@pytest.mark.parametrize(
    "row",
    [{}, {"extra_info": {"formal_statement": "  "}}, {"extra_info": "theorem t : True"}],
)
def test_a_row_without_a_statement_names_the_fix(row: dict[str, Any]) -> None:
    with pytest.raises(InputError, match=r"no formal_statement.*kimina-rl prepare"):
        Sample.from_row(row, "x")


@given(st.integers(min_value=1, max_value=1000))
def test_a_turn_is_read_as_the_integer_it_is(turn: int) -> None:
    assert row_turn({"extra_info": {"turn": turn}}) == turn
    assert row_turn({"extra_info": {"turn": float(turn)}}) == turn


@pytest.mark.parametrize("turn", [0, -1, True, 1.5, "2", [2]])
def test_a_turn_that_is_not_a_positive_integer_is_refused(turn: Any) -> None:
    with pytest.raises(InputError, match="integer >= 1"):
        row_turn({"extra_info": {"turn": turn}})
