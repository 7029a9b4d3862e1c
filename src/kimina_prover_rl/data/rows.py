"""The rows this layer writes, typed once: prompt rows in verl's RL schema.

They stay plain dicts (parquet, verl's collation and TRL's datasets need dicts); these
``TypedDict`` s say which keys they hold, so readers are checked by mypy and the key lists
(:data:`ROW_KEYS`, :data:`ROW_EXTRA_KEYS`) follow from one place. A **prompt row**
(:class:`PromptRow`) is what ``kimina-rl prepare`` writes, what :func:`.builtin_rows`
returns and what a correction becomes; its ``extra_info`` (:class:`RowExtraInfo`) carries
the statement, the conversation and the answer's ``turn`` (1 = first attempt).

Rows read from files or frameworks are untyped at run time: read them with
``reward.Sample.from_row`` and :func:`row_turn`, which check what they take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from kimina_prover_rl.errors import InputError

__all__ = [
    "ROW_EXTRA_KEYS",
    "ROW_KEYS",
    "ChatMessage",
    "PromptRow",
    "RewardModel",
    "RowExtraInfo",
    "row_turn",
]


class ChatMessage(TypedDict):
    """One turn of a conversation."""

    role: str
    content: str


class RewardModel(TypedDict):
    """verl's ``reward_model`` field: rule-based, the statement as ground truth."""

    style: str
    ground_truth: str


class RowExtraInfo(TypedDict):
    """A prompt row's ``extra_info``."""

    index: int
    split: str
    problem_id: str
    formal_statement: str
    informal_problem: str
    messages: list[ChatMessage]
    turn: int


class PromptRow(TypedDict):
    """A row of a prepared prompt set or a correction (verl's RL schema)."""

    data_source: str
    prompt: list[ChatMessage]
    ability: str
    reward_model: RewardModel
    extra_info: RowExtraInfo


ROW_KEYS = tuple(PromptRow.__annotations__)
"""The top-level keys of a prepared dataset row, in order."""

ROW_EXTRA_KEYS = tuple(RowExtraInfo.__annotations__)
"""The keys of a prepared row's ``extra_info``, in order."""


def row_turn(row: Mapping[str, Any]) -> int:
    """The turn of the answer to ``row`` (``extra_info.turn``; 1 when the row has none)."""
    extra = row.get("extra_info")
    turn = extra.get("turn") if isinstance(extra, Mapping) else None
    if turn is None:
        return 1
    try:
        number = int(turn)
    except (TypeError, ValueError):
        number = 0
    if isinstance(turn, bool) or number != turn or number < 1:
        raise InputError(
            f"row extra_info.turn={turn!r}: a turn is an integer >= 1 (1 for a first "
            "attempt); build the rows with `kimina-rl prepare`"
        )
    return number
