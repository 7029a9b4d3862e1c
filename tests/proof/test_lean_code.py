"""lean_code: comments, strings, header / prelude / statement / body, normalisation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.proof import (
    declarations,
    lexing_hazards,
    mask_code,
    normalize_statement,
    normalize_whitespace,
    parse_lean_code,
    strip_comments,
)
from kimina_prover_rl.proof.lean_code import name_components

_KEYWORDS = {"by", "in", "at", "fun", "have", "show", "from", "do", "if", "then", "else", "let"}
_KEYWORDS |= {"match", "with", "where", "theorem", "lemma", "def", "example", "_", "λ", "open"}


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
    # Lean starts a comment's body after the third character: `/-/` then `-/` closes.
    assert strip_comments("a /-/-/- x -/-/-/-/ b") == "a - x --/ b"


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


def test_guillemet_names_raw_strings_and_char_literals_are_read_as_lean_reads_them() -> None:
    code = 'def «x -- y» := r"\\" ++ r#"a"b"# ++ "c" -- gone\nrun_cmd'
    masked = mask_code(code)
    assert masked.startswith("def «______» := r")
    assert "a" not in masked.split(":=", 1)[1].split("run_cmd")[0]
    assert masked.endswith("run_cmd")
    assert "gone" not in masked
    assert mask_code(code, keep_names=True).startswith("def «x -- y» :=")
    assert mask_code("h₂' = '\"' ∧ x\"") == "h₂' = ' ' ∧ x\""


def test_keyword_inside_a_guillemet_name_is_not_a_declaration() -> None:
    code = "def «a\ntheorem t : True := trivial» := 1\ntheorem u : True := trivial"
    assert parse_lean_code(code, name="t").keyword is None
    assert parse_lean_code(code).name == "u"


@pytest.mark.parametrize(
    ("code", "hazard"),
    [
        ('def s := throwError "{x}"', '"{'),
        ("def q := [!'\"']", "'\"'"),
        ('def r := x+r"x"', 'r"'),
        ("def S := {x : ℤ //-x = 1}", "//-"),
        ("rw [<--h]", "<--"),
    ],
)
def test_lexing_hazards_are_reported(code: str, hazard: str) -> None:
    found = lexing_hazards(code)
    assert found, code
    offset, text = found[0]
    assert code[offset:].startswith(text)
    assert hazard in text


@pytest.mark.parametrize(
    "code",
    [
        "theorem t (h₂' : x = 2) (h2' : y = 3) : x + y = 5 := by omega -- done",
        "lemma c : 'a' ≠ 'b' := by decide\n/- block -/ example : \"ab\".length = 2 := rfl",
        "f' x = y -- it's fine\n  nlinarith [sq_nonneg (a - b), h.1]",
        "exact ⟨h.1.ne', h.2.le, x ≥0.5⟩",
    ],
)
def test_honest_code_has_no_lexing_hazard(code: str) -> None:
    assert lexing_hazards(code) == []


def test_header_never_ends_inside_a_comment() -> None:
    code = "import Mathlib\nopen Real /-\nrun_cmd pure () -- -/\ntheorem t : True := trivial"
    parsed = parse_lean_code(code)
    assert "run_cmd" in parsed.header
    assert parsed.prelude == ""
    assert parsed.name == "t"


_LEAN_CHARS = list("/-\"'()[]:= \nab{}⟨⟩theorm«»r#2\\")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_LEAN_CHARS), max_size=200))
def test_parse_never_raises_and_round_trips(code: str) -> None:
    parsed = parse_lean_code(code)
    assert parsed.text == code
    masked = mask_code(code)
    assert len(masked) == len(code)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [
        i for i, c in enumerate(code) if c == "\n"
    ]
    assert len(mask_code(code, keep_names=True)) == len(code)
    assert strip_comments(code).count("\n") == code.count("\n")
    for offset, text in lexing_hazards(code):
        assert code[offset:].startswith(text)


@pytest.mark.parametrize(
    "code",
    ["/-" * 200_000, "theorem t " + "(" * 400_000 + " := by", "()" * 200_000, "a'" * 200_000],
)
def test_hostile_nesting_parses(code: str) -> None:
    # Time is measured in benchmarks/bench_format.py; here only the result.
    parsed = parse_lean_code(code)
    assert parsed.text == code
    assert not parsed.has_declaration


def test_declarations_lists_every_one_with_its_name_as_written() -> None:
    code = (
        "import Mathlib\n@[simp] lemma Foo.bar (x : ℕ) : x = x := rfl\n"
        "instance : Inhabited ℕ := ⟨0⟩\ninstance (priority := low) mine : Inhabited ℕ := ⟨0⟩\n"
        "deriving instance Repr for Foo\nexample : 1 = 1 := rfl\n"
        "theorem «my thm» : True := trivial -- theorem hidden\n"
        'private def f := "theorem x"\naxiom a : False\n'
    )
    assert [(d.keyword, d.name, d.line) for d in declarations(code)] == [
        ("lemma", "Foo.bar", 2),
        ("instance", None, 3),
        ("instance", "mine", 4),
        ("example", None, 6),
        ("theorem", "«my thm»", 7),
        ("def", "f", 8),
        ("axiom", "a", 9),
    ]
    assert all(code.startswith(d.keyword, d.offset) for d in declarations(code))


_NOISE = [
    "-- theorem fake : False := sorry",
    "/- lemma hidden : False := sorry\n def x := 1 -/",
    '#check "theorem in a string"',
    "#check («theorem» : ℕ → ℕ)",
    "/-- a doc comment naming def y -/",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.sampled_from(["theorem", "lemma", "def", "abbrev", "axiom", "instance"]),
                st.sampled_from(["n{}", "Foo.n{}", "«n m{}»", "n'{}", "n₁{}", "Foo.«a b{}»"]),
            ),
            st.tuples(st.just("example"), st.just("")),
            st.tuples(st.just(""), st.sampled_from(_NOISE)),
        ),
        max_size=8,
    )
)
def test_declarations_finds_every_declaration_wherever_it_is_placed(
    chunks: list[tuple[str, str]],
) -> None:
    lines: list[str] = []
    expected: list[tuple[str, str | None, int]] = []
    for i, (keyword, text) in enumerate(chunks):
        if not keyword:
            lines.append(text)
            continue
        name = text.format(i) if keyword != "example" else None
        head = f"@[simp] {keyword}" if keyword == "lemma" else keyword
        expected.append((keyword, name, sum(chunk.count("\n") + 1 for chunk in lines) + 1))
        lines.append(f"{head} {name or ''} : True := trivial")
    code = "\n".join(lines)
    assert [(d.keyword, d.name, d.line) for d in declarations(code)] == expected


@given(
    st.lists(
        st.from_regex(r"[a-z_][a-z0-9_']{0,6}", fullmatch=True).filter(
            lambda part: part not in _KEYWORDS
        ),
        min_size=1,
        max_size=3,
    ),
    st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_a_name_is_found_however_its_components_are_quoted(
    parts: list[str], quotes: list[bool]
) -> None:
    plain = ".".join(parts)
    written = ".".join(f"«{p}»" if q else p for p, q in zip(parts, quotes, strict=False))
    assert name_components(written) == name_components(plain) == tuple(parts)
    code = f"lemma other : True := trivial\n\ntheorem {written} : True := by\n  trivial"
    parsed = parse_lean_code(code, name=plain)
    assert parsed.name == written
    assert parsed.statement.startswith(f"theorem {written}")


def test_a_quoted_dot_is_one_component() -> None:
    assert name_components("«a.b»") == ("a.b",)
    assert name_components("a.b") == ("a", "b")
