"""lean_code: comments, strings, header / prelude / statement / body, normalisation."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.proof import (
    mask_code,
    normalize_statement,
    normalize_whitespace,
    parse_lean_code,
    strip_comments,
)


def test_mask_keeps_offsets_and_blanks_comments_and_strings() -> None:
    code = 'theorem t : "a -- b" = "a -- b" := by -- done\n  /- x /- y -/ z -/ rfl'
    masked = mask_code(code)
    assert len(masked) == len(code)
    assert "done" not in masked
    assert "x" not in masked
    assert "z" not in masked
    assert masked.count('"') == 4
    assert masked.endswith("rfl")


def test_nested_block_comments_close_at_matching_depth() -> None:
    assert strip_comments("a /- /- /- x -/ -/ -/ b") == "a  b"
    assert strip_comments("a /-/-/- x -/-/-/-/ b") == "a -/ b"


def test_strip_comments_keeps_line_numbers() -> None:
    code = "a\n/- one\ntwo -/\nb -- c\nd"
    stripped = strip_comments(code)
    assert stripped.count("\n") == code.count("\n")
    assert stripped.split("\n")[-1] == "d"


def test_char_literals_and_primes_are_not_strings() -> None:
    code = "theorem t (f' : ℕ → ℕ) : f' 0 = f' 0 := by\n  -- it's fine\n  rfl"
    assert "it's" not in mask_code(code)
    assert "f' 0" in mask_code(code)


def test_parse_minif2f_statement(minif2f: list[dict[str, Any]]) -> None:
    for row in minif2f:
        code = parse_lean_code(row["formal_statement"])
        assert code.header == row["header"]
        assert code.text == row["formal_statement"]
        assert code.name == row["name"]
        assert code.statement.startswith("theorem ")
        assert code.statement.endswith(":=")


def test_named_declaration_is_chosen_over_later_ones() -> None:
    code = "lemma aux : True := trivial\ntheorem main : True := aux\nlemma after : True := trivial"
    assert parse_lean_code(code, name="main").statement == "theorem main : True :="
    assert parse_lean_code(code).name == "after"
    assert not parse_lean_code(code, name="missing").has_declaration


def test_declaration_keyword_in_comment_or_string_is_ignored() -> None:
    code = (
        '-- theorem fake : False := sorry\ndef s := "theorem x : y :="\ntheorem t : True := trivial'
    )
    assert parse_lean_code(code).name == "t"


def test_brackets_hide_inner_assignments() -> None:
    code = "theorem t (h : f (a := 1) = 2) [inst : C (x := y)] : P := by simp"
    assert parse_lean_code(code).statement.endswith(": P :=")


def test_local_definitions_in_the_type_own_their_assignment() -> None:
    code = "theorem t : let x := 5\n  have h : x = x := rfl\n  x = 5 := by\n  rfl"
    parsed = parse_lean_code(code)
    assert parsed.statement.endswith("x = 5 :=")
    assert parsed.body == " by\n  rfl"


def test_every_shared_statement_ends_at_its_proof(
    minif2f: list[dict[str, Any]], train_sample: list[dict[str, Any]]
) -> None:
    for row in minif2f + train_sample:
        body = parse_lean_code(row["formal_statement"]).body.strip()
        assert body in {"by", "by sorry", "sorry"}, (row["name"], body[:80])


def test_normalize_statement_ignores_layout_comments_and_proof_stub() -> None:
    a = "theorem t (x:ℕ) (h : x = 1) :\n    x + 0 = 1 := by sorry"
    b = "theorem t (x : ℕ) -- note\n (h : x = 1) : x + 0 = 1 :="
    assert normalize_statement(a) == normalize_statement(b)
    assert normalize_statement("theorem t : f x = 1 :=") != normalize_statement(
        "theorem t : fx = 1 :="
    )
    assert normalize_statement("lemma u : P :=", ignore_name=True) == normalize_statement(
        "theorem t : P :=", ignore_name=True
    )


def test_normalize_whitespace() -> None:
    assert normalize_whitespace("  a \n\t b  ") == "a b"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/-\"'()[]:= \nab{}⟨⟩theorm")), max_size=200))
def test_parse_never_raises_and_round_trips(code: str) -> None:
    parsed = parse_lean_code(code)
    assert parsed.text == code
    assert len(mask_code(code)) == len(code)
    assert strip_comments(code).count("\n") == code.count("\n")


def test_hostile_nesting_is_fast() -> None:
    for code in ("/-" * 200_000, "theorem t " + "(" * 400_000 + " := by", "()" * 200_000):
        start = time.perf_counter()
        parse_lean_code(code)
        assert time.perf_counter() - start < 1.0
