"""Each format rule on realistic answers, its switch, and FormatConfig validation."""

from __future__ import annotations

from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.proof import FormatConfig, FormatError, check_answer
from tests.proof._answers import make_answer, row_named

PROOF = [
    "have h₄ : v = 1 / 3 * (30 * (13 / 2)) := by rw [h₁, h₂, h₃]",
    "rw [h₄]",
    "norm_num",
]
SIGNIFICANT = (
    "Substituting the base area and the height into the cone volume formula should give "
    "exactly sixty five cubic units."
)


@pytest.fixture
def row(minif2f: list[dict[str, Any]]) -> dict[str, Any]:
    return row_named(minif2f, "mathd_algebra_478")


def _error(row: dict[str, Any], response: str, **config: Any) -> FormatError | None:
    return check_answer(row["formal_statement"], response, FormatConfig(**config)).format_error


def test_well_formed_answer_passes_every_rule(row: dict[str, Any]) -> None:
    assert _error(row, make_answer(row, PROOF)) is None


@pytest.mark.parametrize(
    ("mutate", "expected", "switch"),
    [
        (lambda a: a.replace("<think>", "", 1), FormatError.MISSING_THINK, "check_think"),
        (
            lambda a: "</think>\n" + a.replace("</think>", "", 1),
            FormatError.THINK_CLOSED_BEFORE_OPEN,
            "check_think",
        ),
        (lambda a: a.replace("</think>", "", 1), FormatError.UNCLOSED_THINK, "check_think"),
        (
            lambda a: a.replace("Here is", "<think>again</think>\nHere is"),
            FormatError.MULTIPLE_THINK,
            "check_think",
        ),
        (
            lambda a: a.replace("```\n</think>", "</think>"),
            FormatError.NESTED_FENCE,
            "check_fences",
        ),
        (lambda a: a + "```tactics\nsimp\n", FormatError.UNCLOSED_FENCE, "check_fences"),
        (lambda a: a + "Done, QED.\n", FormatError.TEXT_AFTER_LEAN4_BLOCK, "check_lean4_block"),
        (
            lambda a: a + "```lean4\n#check 1\n```\n",
            FormatError.MULTIPLE_LEAN4_BLOCKS,
            "check_lean4_block",
        ),
        (
            lambda a: a.replace("</think>", "```lean4\nexample : True := trivial\n```\n</think>"),
            FormatError.LEAN4_BLOCK_IN_THINK,
            "check_lean4_block",
        ),
        (
            lambda a: a.replace("</think>", (SIGNIFICANT + "\n") * 6 + "</think>"),
            FormatError.REPEATED_LINES,
            "check_repeated_lines",
        ),
    ],
)
def test_each_rule_fails_alone_and_its_switch_turns_it_off(
    row: dict[str, Any], mutate: Any, expected: FormatError, switch: str
) -> None:
    response = mutate(make_answer(row, PROOF))
    assert _error(row, response) is expected
    assert _error(row, response, **{switch: False}) is not expected


def test_repeats_need_six_significant_lines(row: dict[str, Any]) -> None:
    five = make_answer(row, PROOF, think_extra=(SIGNIFICANT + "\n") * 5)
    assert _error(row, five) is None
    indented = make_answer(row, PROOF, think_extra=("   " + SIGNIFICANT + "  \n") * 6)
    assert _error(row, indented) is FormatError.REPEATED_LINES
    short = make_answer(row, PROOF, think_extra="Let me check this again.\n" * 50)
    assert _error(row, short) is None
    assert _error(row, indented, repeated_line_threshold=7) is None


def test_tactics_count(row: dict[str, Any]) -> None:
    one = make_answer(row, PROOF, drafts=[PROOF])
    assert _error(row, one) is FormatError.TOO_FEW_TACTICS_BLOCKS
    assert _error(row, one, min_tactics_blocks=1) is None
    assert _error(row, one, check_tactics_count=False) is None


def test_tactics_block_length_is_bounded_by_final_code(row: dict[str, Any]) -> None:
    long_draft = [*PROOF, *(f"-- idea {i}" for i in range(40))]
    response = make_answer(row, PROOF, drafts=[long_draft, PROOF])
    assert _error(row, response) is FormatError.TACTICS_BLOCK_TOO_LONG
    assert _error(row, response, check_tactics_length=False) is None
    assert _error(row, response, tactics_block_max_lines_floor=50) is None


def test_coverage_of_final_proof_by_drafts(row: dict[str, Any]) -> None:
    undrafted = make_answer(row, PROOF, drafts=[["simp"], ["linarith"]])
    assert _error(row, undrafted) is FormatError.TACTICS_MISMATCH
    assert _error(row, undrafted, min_tactics_coverage=0.0) is None
    two_of_three = make_answer(row, PROOF, drafts=[PROOF[:1], PROOF[1:2]])
    assert _error(row, two_of_three) is FormatError.TACTICS_MISMATCH
    assert _error(row, two_of_three, min_tactics_coverage=0.6) is None


def test_header_and_statement_lines_need_no_draft(row: dict[str, Any]) -> None:
    assert _error(row, make_answer(row, PROOF, repeat_header=True)) is None


def test_details_name_lines(row: dict[str, Any]) -> None:
    response = make_answer(row, PROOF) + "```tactics\nsimp\n"
    check = check_answer(row["formal_statement"], response)
    line = response.count("\n", 0, response.rindex("```tactics")) + 1
    assert f"line {line}" in check.detail


def test_lean_fence_accepted_only_when_configured(row: dict[str, Any]) -> None:
    response = make_answer(row, PROOF).replace("```lean4", "```lean")
    assert _error(row, response) is FormatError.NO_LEAN4_BLOCK
    assert _error(row, response, lean_languages=("lean4", "lean")) is None


def test_think_in_prompt(row: dict[str, Any]) -> None:
    response = make_answer(row, PROOF).replace("<think>\n", "", 1)
    assert _error(row, response) is FormatError.MISSING_THINK
    assert _error(row, response, think_in_prompt=True) is None
    assert _error(row, make_answer(row, PROOF), think_in_prompt=True) is FormatError.MULTIPLE_THINK


def test_error_values_are_distinct_strings() -> None:
    values = [e.value for e in FormatError]
    assert len(values) == len(set(values))
    assert FormatError("tactics_mismatch") is FormatError.TACTICS_MISMATCH


def test_defaults_match_reference_pipeline() -> None:
    config = FormatConfig()
    assert config.repeated_line_threshold == 6
    assert config.repeated_line_min_words == 10
    assert config.min_tactics_blocks == 2
    assert config.tactics_block_max_lines_ratio == 0.95
    assert config.tactics_block_max_lines_floor == 5
    assert config.min_tactics_coverage == 0.7
    assert not config.allow_native_decide


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_tactics_blocks", 0),
        ("min_tactics_coverage", 1.5),
        ("max_response_chars", -1),
        ("lean_languages", ()),
    ],
)
def test_invalid_config_names_the_field(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=field):
        FormatConfig(**{field: value})


def test_config_validation_follows_the_declared_type_and_says_how_to_fix() -> None:
    assert FormatConfig(min_tactics_coverage=0).min_tactics_coverage == 0
    with pytest.raises(ConfigError, match=r"tactics_block_max_lines_ratio=2 .*between 0 and 1"):
        FormatConfig(tactics_block_max_lines_ratio=2)
    with pytest.raises(ConfigError, match=r"max_fences=True"):
        FormatConfig(max_fences=True)
    with pytest.raises(ConfigError, match=r"check_think='no' must be True or False"):
        FormatConfig(check_think="no")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"check_tactics_count=False"):
        FormatConfig(min_tactics_blocks=0)
    with pytest.raises(ConfigError, match=r"default 1000"):
        FormatConfig(max_fences=0)
