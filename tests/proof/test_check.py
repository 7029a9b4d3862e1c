"""check_answer: the composed checks, the proof sent to Lean, and hostile input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.proof import (
    AnswerCheck,
    FormatConfig,
    FormatError,
    check_answer,
    normalize_statement,
    parse_lean_code,
)
from tests.proof._answers import make_answer, row_named, theorem_text

PROOF = ["rw [h₁, h₂, h₃]", "norm_num"]


@pytest.fixture
def row(minif2f: list[dict[str, Any]]) -> dict[str, Any]:
    return row_named(minif2f, "mathd_algebra_478")


def _answer_line(check: AnswerCheck, proof_line: int) -> str:
    assert check.answer_code is not None
    assert check.proof is not None
    return check.answer_code.split("\n")[proof_line - 1 - check.proof_line_offset]


def test_well_formed_answer_is_ok_and_proof_is_given_statement_plus_body(
    row: dict[str, Any],
) -> None:
    check = check_answer(row["formal_statement"], make_answer(row, PROOF))
    assert check.ok, check.detail
    assert check.detail == ""
    assert check.proof is not None
    assert check.proof.startswith(row["header"] + row["theorem"].rstrip())
    assert check.proof.endswith("  rw [h₁, h₂, h₃]\n  norm_num")
    assert check.proof_line_offset == 0
    assert not check.uses_native_decide


@pytest.mark.parametrize("repeat_header", [True, False])
def test_proof_lines_map_to_answer_lines(row: dict[str, Any], repeat_header: bool) -> None:
    lemma = "lemma helper (x : ℝ) : x + 0 = x := by\n  simp\n\n"
    check = check_answer(
        row["formal_statement"], make_answer(row, PROOF, repeat_header=repeat_header, lemmas=lemma)
    )
    assert check.proof is not None
    lines = check.proof.split("\n")
    for number, text in enumerate(lines, start=1):
        if text.strip() in {"simp", "norm_num", "rw [h₁, h₂, h₃]"} or text.startswith("lemma"):
            assert _answer_line(check, number) == text


def test_statement_on_fewer_lines_in_answer_still_maps(row: dict[str, Any]) -> None:
    one_line = " ".join(theorem_text(row).split())
    check = check_answer(row["formal_statement"], make_answer(row, PROOF, theorem=one_line))
    assert check.ok, check.detail
    assert check.proof is not None
    last = len(check.proof.split("\n"))
    assert _answer_line(check, last) == "  norm_num"
    assert normalize_statement(parse_lean_code(check.proof).statement) == normalize_statement(
        row["theorem"]
    )


def test_header_of_answer_is_replaced_by_given_header(row: dict[str, Any]) -> None:
    answer = make_answer(row, PROOF).replace("open BigOperators", "open Classical BigOperators")
    check = check_answer(row["formal_statement"], answer)
    assert check.ok, check.detail
    assert check.proof is not None
    assert check.proof.startswith(row["header"])
    # The answer's own `open` reaches the proof only, never the statement.
    assert "\nopen Classical" not in check.proof
    assert ":= open Classical in by\n" in check.proof
    assert _answer_line(check, len(check.proof.split("\n"))) == "  norm_num"


def _with_own_header(row: dict[str, Any], code_before: str) -> AnswerCheck:
    """Check an answer whose lean4 block starts with ``code_before`` (its own header)."""
    answer = make_answer(row, PROOF, lemmas=code_before, repeat_header=False)
    return check_answer(row["formal_statement"], answer, FormatConfig(check_tactics_coverage=False))


def test_answer_header_opens_scope_over_lemmas_and_proof_but_not_the_statement(
    row: dict[str, Any],
) -> None:
    lemmas = (
        "open Finset\n\nlemma card_aux : (range 3).card = 3 := by simp\n\n"
        "set_option maxRecDepth 9000 in\n"
    )
    check = _with_own_header(row, row["header"] + lemmas)
    assert check.ok, check.detail
    assert check.proof is not None
    assert "\nopen Finset in lemma card_aux" in check.proof
    # Never before a `… in` modifier, which would carry it over to the given theorem.
    assert "open Finset in set_option" not in check.proof
    assert "\nset_option maxRecDepth 9000 in\n" in check.proof
    assert ":= open Finset in by\n" in check.proof
    assert _answer_line(check, len(check.proof.split("\n"))) == "  norm_num"


def test_answer_header_opens_skip_lines_that_continue_a_declaration(
    row: dict[str, Any],
) -> None:
    lemmas = "open Finset\n\ndef g : ℕ → ℕ\n| 0 => 1\n| n + 1 => g n\n\n"
    check = _with_own_header(row, row["header"] + lemmas)
    assert check.ok, check.detail
    assert check.proof is not None
    assert "\nopen Finset in def g : ℕ → ℕ\n| 0 => 1\n| n + 1 => g n\n" in check.proof


@pytest.mark.parametrize("line", ["open Nat in theorem x : True := trivial", "open (Nat) := 1"])
def test_answer_header_open_lines_that_are_not_plain_names_are_refused(
    row: dict[str, Any], line: str
) -> None:
    header = row["header"].replace("open BigOperators", f"{line}\nopen BigOperators")
    check = _with_own_header(row, header)
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT
    assert check.proof is None


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        # A comment on the line must not travel: `open Finset -- c in lemma …` would be a
        # bare `open` before the statement; `/-` would comment the statement out.
        ("open Finset -- note", ":= open Finset in by"),
        ("open Finset /- note\n-/", ":= open Finset in by"),
        ("set_option maxRecDepth 9000 /- note\n-/", "\nset_option maxRecDepth 9000\n"),
        ("set_option maxRecDepth 9000 -- note", "\nset_option maxRecDepth 9000\n"),
    ],
)
def test_comments_on_kept_header_lines_stay_behind(
    row: dict[str, Any], line: str, kept: str
) -> None:
    header = row["header"].replace("open BigOperators", f"{line}\nopen BigOperators")
    check = _with_own_header(row, header)
    assert check.ok, check.detail
    assert check.proof is not None
    assert kept in check.proof
    assert "note" not in check.proof


def test_a_header_option_with_a_strange_value_is_refused(row: dict[str, Any]) -> None:
    header = row["header"].replace(
        "open BigOperators", 'set_option maxRecDepth "9000"\nopen BigOperators'
    )
    check = _with_own_header(row, header)
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT
    assert check.proof is None


def test_answer_header_options_are_kept_and_lines_still_map(row: dict[str, Any]) -> None:
    answer = make_answer(row, PROOF).replace(
        "set_option maxHeartbeats 0", "set_option maxHeartbeats 400000\nset_option maxRecDepth 9000"
    )
    check = check_answer(row["formal_statement"], answer)
    assert check.ok, check.detail
    assert check.proof is not None
    given_options = check.proof.index("set_option maxHeartbeats 0")
    assert given_options < check.proof.index("set_option maxHeartbeats 400000")
    assert "set_option maxRecDepth 9000\n" in check.proof
    assert _answer_line(check, len(check.proof.split("\n"))) == "  norm_num"


def test_trailing_sorry_of_given_statement_is_dropped(train_sample: list[dict[str, Any]]) -> None:
    combi = next(r for r in train_sample if r["formal_statement"].rstrip().endswith("sorry"))
    answer = make_answer(combi, ["simp", "omega"], theorem=theorem_text(combi))
    check = check_answer(combi["formal_statement"], answer)
    assert check.proof is not None
    assert "sorry" not in check.proof
    assert check.proof.rstrip().endswith("  simp\n  omega")


def test_auxiliary_lemmas_are_kept_before_the_theorem(row: dict[str, Any]) -> None:
    lemma = "lemma cone_volume (b h : ℝ) : 1 / 3 * (b * h) = b * h / 3 := by\n  ring\n\n"
    check = check_answer(
        row["formal_statement"],
        make_answer(row, PROOF, lemmas=lemma, drafts=[["ring"], PROOF]),
    )
    assert check.ok, check.detail
    assert check.proof is not None
    assert check.proof.index("lemma cone_volume") < check.proof.index("theorem mathd_algebra_478")


def test_auxiliary_lemmas_dropped_when_switched_off(row: dict[str, Any]) -> None:
    lemma = "lemma cone_volume (b h : ℝ) : 1 / 3 * (b * h) = b * h / 3 := by\n  ring\n\n"
    config = FormatConfig(allow_auxiliary_lemmas=False)
    check = check_answer(row["formal_statement"], make_answer(row, PROOF, lemmas=lemma), config)
    assert check.proof is not None
    assert "cone_volume" not in check.proof
    assert _answer_line(check, len(check.proof.split("\n"))) == "  norm_num"


_GIVEN_WITH_DEFINITION = (
    "import Mathlib\n\ndef f (x : ℕ) : ℕ := x + 1\n\ntheorem f_pos (x : ℕ) : 0 < f x := by sorry\n"
)


def _answer_with_code(code: str) -> str:
    drafts = "```tactics\nunfold f\n```\n```tactics\nomega\n```\n"
    return f"<think>\n{drafts}</think>\n```lean4\n{code}\n```"


def test_given_definitions_are_kept_and_answer_copies_dropped() -> None:
    code = (
        "import Mathlib\n\ndef f (x : ℕ) : ℕ :=\n  x + 1 -- copied\n\n"
        "lemma helper (x : ℕ) : 0 < f x := by\n  unfold f\n  omega\n\n"
        "theorem f_pos (x : ℕ) : 0 < f x := by\n  exact helper x"
    )
    config = FormatConfig(check_tactics_coverage=False)
    check = check_answer(_GIVEN_WITH_DEFINITION, _answer_with_code(code), config)
    assert check.ok, check.detail
    assert check.proof is not None
    assert check.proof.count("def f") == 1
    assert "x + 1" in check.proof
    # The helper is kept after the given definition (it used to be dropped silently).
    assert check.proof.index("def f") < check.proof.index("lemma helper")
    assert _answer_line(check, len(check.proof.split("\n"))) == "  exact helper x"


def test_a_changed_given_definition_is_refused_with_what_to_do() -> None:
    code = (
        "import Mathlib\n\ndef f (x : ℕ) : ℕ := 0\n\n"
        "theorem f_pos (x : ℕ) : 0 < f x := by\n  unfold f\n  omega"
    )
    config = FormatConfig(check_tactics_coverage=False)
    check = check_answer(_GIVEN_WITH_DEFINITION, _answer_with_code(code), config)
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT
    assert "`f`" in check.detail
    assert "copy them unchanged" in check.detail


def test_last_lean4_block_with_the_statement_is_final(row: dict[str, Any]) -> None:
    answer = make_answer(row, PROOF) + "```lean4\n-- nothing here\n#check 1\n```\n"
    check = check_answer(row["formal_statement"], answer)
    assert check.format_error is FormatError.MULTIPLE_LEAN4_BLOCKS
    assert check.proof is not None
    assert check.proof.endswith("norm_num")


def test_statement_inside_a_comment_does_not_count(row: dict[str, Any]) -> None:
    answer = make_answer(row, PROOF).replace(
        "theorem mathd_algebra_478", "-- theorem mathd_algebra_478\ntheorem other"
    )
    check = check_answer(row["formal_statement"], answer)
    assert check.format_error is FormatError.STATEMENT_MISSING
    assert check.proof is None
    assert "mathd_algebra_478" in check.detail


def test_modified_statement_is_rejected_with_where(row: dict[str, Any]) -> None:
    answer = make_answer(row, PROOF).replace("v = 65", "v = 66")
    check = check_answer(row["formal_statement"], answer)
    assert check.format_error is FormatError.STATEMENT_MODIFIED
    assert check.proof is None
    assert "65" in check.detail
    assert "66" in check.detail


def test_format_failure_keeps_proof_but_integrity_failure_does_not(row: dict[str, Any]) -> None:
    style = check_answer(row["formal_statement"], make_answer(row, PROOF, drafts=[PROOF]))
    assert style.format_error is FormatError.TOO_FEW_TACTICS_BLOCKS
    assert style.format_error.keeps_proof
    assert style.proof is not None
    bad = check_answer(row["formal_statement"], make_answer(row, [*PROOF, "#eval 1"]))
    assert bad.format_error is FormatError.FORBIDDEN_CONSTRUCT
    assert not bad.format_error.keeps_proof
    assert bad.proof is None


def test_every_error_value_keeps_proof_consistently(row: dict[str, Any]) -> None:
    cases = [
        "",
        make_answer(row, PROOF).replace("<think>", ""),
        make_answer(row, ["sorry"]),
        make_answer(row, PROOF, after="Done!"),
        make_answer(row, [*PROOF, "native_decide"]),
    ]
    for response in cases:
        check = check_answer(row["formal_statement"], response)
        assert check.format_error is not None
        assert (check.proof is not None) == check.format_error.keeps_proof, check.format_error


def test_native_decide_is_reported_and_allowed_only_when_configured(row: dict[str, Any]) -> None:
    answer = make_answer(row, ["norm_num [h₁, h₂, h₃]", "native_decide"])
    refused = check_answer(row["formal_statement"], answer)
    assert refused.format_error is FormatError.NATIVE_DECIDE
    assert "native_decide" in refused.detail
    assert "line" in refused.detail
    allowed = check_answer(row["formal_statement"], answer, FormatConfig(allow_native_decide=True))
    assert allowed.ok, allowed.detail
    assert allowed.uses_native_decide


def test_invalid_given_statement_is_not_blamed_on_the_model() -> None:
    check = check_answer("import Mathlib\n-- no theorem here\n", "<think>x</think>")
    assert check.format_error is FormatError.INVALID_STATEMENT
    assert not check.format_error.blames_model


def test_train_sample_verified_proofs_wrapped_in_answers_are_ok(
    train_sample: list[dict[str, Any]],
) -> None:
    verified = [r for r in train_sample if r.get("proof_verified_in_fixture")]
    assert len(verified) == 96
    for r in verified:
        code = parse_lean_code(r["formal_proof"])
        tactic_lines = [x.strip() for x in code.body.split("\n")[1:] if x.strip()]
        half = max(1, len(tactic_lines) // 2)
        answer = (
            "<think>\nWe plan the proof in two drafts.\n```tactics\n"
            + "\n".join(tactic_lines[:half])
            + "\n```\nThen the rest.\n```tactics\n"
            + "\n".join(tactic_lines[half:] or tactic_lines[:1])
            + "\n```\n</think>\n```lean4\n"
            + r["formal_proof"].rstrip("\n")
            + "\n```\n"
        )
        check = check_answer(r["formal_statement"], answer)
        assert check.ok, (r["name"], check.format_error, check.detail)
        assert check.proof is not None
        sent = parse_lean_code(check.proof)
        given_code = parse_lean_code(r["formal_statement"])
        assert sent.header == given_code.header
        assert sent.statement == given_code.statement


HOSTILE = [
    "",
    "\x00",
    "\ud800",
    "</think><think>",
    "```lean4\n```lean4\n```tactics\n",
    "<think>\n```lean4\ntheorem x : True := by trivial\n```\n</think>\n",
    "<think>\r\n```tactics\r\nsimp\r\n```\r\n</think>\r\n```lean4\r\ntheorem t : True := by\r\n",
    "`" * 5000,
    "<think>" * 1000,
    "/-" * 5000 + "```lean4\n",
]


@pytest.mark.parametrize("response", HOSTILE)
def test_hostile_responses_give_a_format_error(response: str, row: dict[str, Any]) -> None:
    check = check_answer(row["formal_statement"], response)
    assert check.format_error is not None
    assert check.detail


def test_ten_megabytes_are_rejected_before_any_parsing(
    row: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def parse_answer(*args: object, **kwargs: object) -> None:
        raise AssertionError("an over-long response must be refused before it is parsed")

    monkeypatch.setattr("kimina_prover_rl.proof.check.parse_answer", parse_answer)
    check = check_answer(row["formal_statement"], "<think>" + "a" * 10_000_000)
    assert check.format_error is FormatError.RESPONSE_TOO_LONG
    assert "10000007" in check.detail


_PIECES = st.sampled_from(
    [
        "<think>", "</think>", "```", "```lean4", "```tactics", "\n", "\r\n", " ", "-- ", "/-",
        "-/", '"', "theorem mathd_algebra_478", " := by", "sorry", "axiom", "norm_num", "\x00",
        "(b h v : ℝ)", ":", "\ud800",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=40))
def test_no_input_raises(minif2f: list[dict[str, Any]], pieces: list[str]) -> None:
    row = row_named(minif2f, "mathd_algebra_478")
    check = check_answer(row["formal_statement"], "".join(pieces))
    assert isinstance(check, AnswerCheck)
    assert (check.format_error is None) == (check.detail == "")
    if check.proof is not None:
        assert check.proof.startswith(row["header"])


def test_every_format_error_is_reachable_and_keeps_proof_as_documented(
    row: dict[str, Any],
) -> None:
    good = make_answer(row, PROOF)
    statement = row["formal_statement"]
    significant = "Substituting the base area and the height gives sixty five cubic units exactly."
    cases: dict[FormatError, tuple[str, str, dict[str, Any]]] = {
        FormatError.INVALID_STATEMENT: ("import Mathlib\n", good, {}),
        FormatError.EMPTY_RESPONSE: (statement, " \n", {}),
        FormatError.RESPONSE_TOO_LONG: (statement, good, {"max_response_chars": 100}),
        FormatError.INVALID_CHARACTERS: (statement, good + "\x00", {}),
        FormatError.TOO_MANY_FENCES: (statement, good, {"max_fences": 3}),
        FormatError.NO_LEAN4_BLOCK: (statement, good.replace("```lean4", "```python"), {}),
        FormatError.CODE_TOO_LONG: (statement, good, {"max_code_chars": 50}),
        FormatError.STATEMENT_MISSING: (statement, good.replace("478", "479"), {}),
        FormatError.STATEMENT_MODIFIED: (statement, good.replace("v = 65", "v = 66"), {}),
        FormatError.NO_PROOF: (statement, make_answer(row, ["sorry"]), {}),
        FormatError.FORBIDDEN_CONSTRUCT: (statement, make_answer(row, [*PROOF, "#eval 1"]), {}),
        FormatError.NATIVE_DECIDE: (statement, make_answer(row, ["native_decide"]), {}),
        FormatError.MISSING_THINK: (statement, good.replace("<think>", ""), {}),
        FormatError.THINK_CLOSED_BEFORE_OPEN: (
            statement,
            "</think>" + good.replace("</think>", ""),
            {},
        ),
        FormatError.UNCLOSED_THINK: (statement, good.replace("</think>", ""), {}),
        FormatError.MULTIPLE_THINK: (statement, good.replace("Here", "<think>x</think>Here"), {}),
        FormatError.UNCLOSED_FENCE: (statement, good + "```tactics\nsimp\n", {}),
        FormatError.NESTED_FENCE: (statement, good.replace("```\n</think>", "</think>"), {}),
        FormatError.LEAN4_BLOCK_IN_THINK: (
            statement,
            good.replace("</think>", "```lean4\n#check 1\n```\n</think>"),
            {},
        ),
        FormatError.MULTIPLE_LEAN4_BLOCKS: (statement, good + "```lean4\n#check 1\n```\n", {}),
        FormatError.TEXT_AFTER_LEAN4_BLOCK: (statement, good + "QED", {}),
        FormatError.REPEATED_LINES: (
            statement,
            make_answer(row, PROOF, think_extra=(significant + "\n") * 6),
            {},
        ),
        FormatError.TOO_FEW_TACTICS_BLOCKS: (
            statement,
            make_answer(row, PROOF, drafts=[PROOF]),
            {},
        ),
        FormatError.TACTICS_BLOCK_TOO_LONG: (
            statement,
            make_answer(row, PROOF, drafts=[PROOF, ["simp"] * 30]),
            {},
        ),
        FormatError.TACTICS_MISMATCH: (
            statement,
            make_answer(row, PROOF, drafts=[["simp"], ["ring"]]),
            {},
        ),
    }
    assert set(cases) == set(FormatError)
    for expected, (given_statement, response, config) in cases.items():
        check = check_answer(given_statement, response, FormatConfig(**config))
        assert check.format_error is expected, (expected, check.format_error, check.detail)
        assert check.detail
        assert (check.proof is not None) == expected.keeps_proof, expected
