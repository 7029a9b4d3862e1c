"""Prompt templates and prompt-set preparation (hub ids or local files to verl parquet).

Constants live in their modules: ``prompts.DEFAULT_SYSTEM_PROMPT`` /
``DEFAULT_USER_TEMPLATE``, ``sources.LAYOUTS`` / ``HUB_LAYOUTS`` and
``prepare.TRAIN_FILE`` / ``VAL_FILE`` / ``MANIFEST_NAME``.
"""

from __future__ import annotations

from kimina_prover_rl.data.builtin import (
    BuiltinProblem,
    Malformation,
    builtin_problems,
    builtin_rows,
    flawed_answer,
    malformed_answer,
    reference_answer,
    wrong_answer,
)
from kimina_prover_rl.data.decontaminate import (
    Contamination,
    decontaminate,
    rename_binders,
    statement_key,
)
from kimina_prover_rl.data.prepare import (
    PrepareConfig,
    PrepareResult,
    prepare_prompt_set,
    prompt_rows,
)
from kimina_prover_rl.data.prompts import PromptTemplate, informal_text, statement_for_prompt
from kimina_prover_rl.data.records import (
    STDIN,
    is_stdin,
    parse_records,
    read_bytes,
    read_jsonl_lines,
    read_records,
)
from kimina_prover_rl.data.rows import (
    ROW_EXTRA_KEYS,
    ROW_KEYS,
    ChatMessage,
    PromptRow,
    RewardModel,
    RowExtraInfo,
    row_turn,
)
from kimina_prover_rl.data.sources import (
    ColumnMapping,
    Problem,
    PromptSource,
    load_prompt_source,
    parse_columns,
)

__all__ = [
    "ROW_EXTRA_KEYS",
    "ROW_KEYS",
    "STDIN",
    "BuiltinProblem",
    "ChatMessage",
    "ColumnMapping",
    "Contamination",
    "Malformation",
    "PrepareConfig",
    "PrepareResult",
    "Problem",
    "PromptRow",
    "PromptSource",
    "PromptTemplate",
    "RewardModel",
    "RowExtraInfo",
    "builtin_problems",
    "builtin_rows",
    "decontaminate",
    "flawed_answer",
    "informal_text",
    "is_stdin",
    "load_prompt_source",
    "malformed_answer",
    "parse_columns",
    "parse_records",
    "prepare_prompt_set",
    "prompt_rows",
    "read_bytes",
    "read_jsonl_lines",
    "read_records",
    "reference_answer",
    "rename_binders",
    "row_turn",
    "statement_for_prompt",
    "statement_key",
    "wrong_answer",
]
