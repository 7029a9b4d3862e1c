"""lexer: what Lean reads as code, checked against a reference model of Lean's tokenizer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.proof.integrity import scan_code
from kimina_prover_rl.proof.lexer import COMMENT, lex
from tests.proof._lean_tokenizer import reference_noncode

# Token soup: every piece is a spot where a tokenizer can go wrong.
_SOUP = [
    "h!'", "x?'", "'\"'", "'a'", "'\\''", "'\\\"'", "s!\"{", "m!\"", "}", "{", "\"", "'", "''",
    "x₁'", "a₂", "ᵢ", "«a»", "«", "»", "--", "/-", "-/", "/--", "r#\"", "\"#", "r\"", "\\",
    "\\\"", "∑'", "Σ'", "→o", "→", "2", "e5", ".", "1.", "//", "<-", "ℝ≥0", "é", "λ", "Π",
    "axiom", "f", " ", "\n", "(", ")", ":", "=", "!", "?", "#eval", "'\\x41'",
    "/-/", "/--/", "/-!", "/-!/", "-/-", "/-/-", "-//-", "/---/",
]  # fmt: skip
_PIECES = st.lists(st.sampled_from(_SOUP), max_size=14).map("".join)


def _scanner_noncode(code: str) -> set[int]:
    masked: set[int] = set()
    for start, end, kind in lex(code).spans:
        masked.update(range(start, end) if kind == COMMENT else range(start + 1, end - 1))
    return masked


@settings(max_examples=1500, deadline=None)
@given(_PIECES)
def test_nothing_the_scanner_masks_is_code_to_lean(code: str) -> None:
    reference = reference_noncode(code)
    if reference is None or lex(code).hazards:
        return  # Lean reports an error, or the integrity check refuses the code
    assert _scanner_noncode(code) <= reference, code


@settings(max_examples=1500, deadline=None)
@given(_PIECES)
def test_the_scanner_masks_all_that_lean_does_not_read(code: str) -> None:
    reference = reference_noncode(code)
    if reference is None or lex(code).hazards:
        return
    assert reference <= _scanner_noncode(code), code


_CONSTRUCTS = [
    "axiom ax : False",
    "set_option«debug».skipKernelTC true",
    'local notation "π" => 3',
    "variable (h : False)",
    "theorem u : 0 = 1 := by native_decide",
    "#eval 1",
]


@settings(max_examples=1500, deadline=None)
@given(_PIECES, st.sampled_from(_CONSTRUCTS), _PIECES)
def test_a_construct_lean_reads_is_found_after_any_prefix(
    prefix: str, construct: str, suffix: str
) -> None:
    code = f"{prefix}\n{construct}\n{suffix}"
    reference = reference_noncode(code)
    if reference is None or len(prefix) + 1 in reference:
        return  # Lean fails, or Lean too reads the construct as a comment or literal
    scan = scan_code(code, len(code))
    assert scan.forbidden is not None or scan.native_decide is not None, code


# Comment soup: every way ``whitespace`` and ``finishCommentBlock`` can branch.
_COMMENT_SOUP = st.lists(
    st.sampled_from(["/-", "-/", "/", "-", "!", "/--", "/-!", "--", " ", "x", "\n", "\t", "axiom"]),
    max_size=16,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(_COMMENT_SOUP)
def test_comments_end_where_lean_ends_them(code: str) -> None:
    reference = reference_noncode(code)
    if reference is None or lex(code).hazards:
        return
    assert _scanner_noncode(code) == reference, code


@settings(max_examples=2000, deadline=None)
@given(_COMMENT_SOUP, st.sampled_from("/-! x\n\t"), _COMMENT_SOUP, _COMMENT_SOUP)
def test_a_construct_after_any_comment_opener_is_found(
    prefix: str, third: str, inside: str, suffix: str
) -> None:
    # ``/-`` then any third character: Lean starts the comment's body after that character.
    code = f"{prefix}\n/-{third}{inside}-/\naxiom ax : False\n{suffix}"
    reference = reference_noncode(code)
    if reference is None or code.rindex("axiom ax") in reference:
        return  # Lean fails, or Lean too reads the axiom as a comment
    assert scan_code(code, len(code)).forbidden is not None, code


def _reference_mask(code: str) -> str | None:
    noncode = reference_noncode(code)
    if noncode is None:
        return None
    return "".join(" " if i in noncode and c != "\n" else c for i, c in enumerate(code))


@pytest.mark.parametrize(
    ("comment", "code_after"),
    [
        # `whitespace` reads `/-`, then one more character before the body starts.
        ("/-/- a -/", " axiom"),  # the second opener is never seen
        ("/--/ a -/", " b"),  # a doc comment: its opener's `-/` does not close it
        ("/-!/ a -/", " b"),
        ("/---/", " b"),  # `/--` then a body that closes at once
        ("/-- a /- b -/ c -/", " d"),  # nesting inside a doc comment
        ("/- a - b / c -/", " d"),  # a lone `-` or `/` is read afresh
        ("/- a --/", " b"),
        ("/- /-/ -/ -/", " x"),  # `/-` opens, `/ ` does not, then two closers
        ("/-\n-/", " x"),
        ("-- a -/", "\nb"),
        ("--/- y", "\n-/ x"),
    ],
)
def test_comment_paths_end_where_lean_ends_them(comment: str, code_after: str) -> None:
    from kimina_prover_rl.proof.lean_code import mask_code

    code = comment + code_after
    masked = "".join("\n" if c == "\n" else " " for c in comment) + code_after
    assert mask_code(code) == masked
    assert _reference_mask(code) == masked


@pytest.mark.parametrize(
    "code", ["/-", "/-x", "/- -", "/- /", "/- /- -/", "/--", "/-!/", "a\tb", "a\rb"]
)
def test_unterminated_comments_and_tabs_are_lean_errors(code: str) -> None:
    # Lean reports an error: nothing in such code is accepted, whatever the scanner masks.
    assert reference_noncode(code) is None


@pytest.mark.parametrize(
    ("code", "masked"),
    [
        ('h!\'"x" axiom', 'h!\'" " axiom'),  # `h!'` is a name; the string opens at `"`
        ("x?' = y", "x?' = y"),
        ("x₁' + 'a'", "x₁' + ' '"),
        ('s!"a{"}"}b" c', 's!" {" "} " c'),  # code inside `{…}` of an interpolated string
        ('«a "b» c', "«____» c"),
        ("f '' s -- c", "f '' s     "),
        ("2'\"' axiom", "2' ' axiom"),  # a number never holds a quote
        ("x /- a /- b -/ c -/ y", "x " + " " * 17 + " y"),
    ],
)
def test_lean_reads_these_as_written(code: str, masked: str) -> None:
    from kimina_prover_rl.proof.lean_code import mask_code

    assert mask_code(code) == masked
    assert reference_noncode(code) is not None


@pytest.mark.parametrize(
    "code",
    [
        "!'\"' axiom",  # `!` may begin a longer token (Mathlib's `∑'` ends in a quote)
        "∑'\"' axiom",
        "→o'\"' \" axiom",  # a token `→o` would leave `'"'` a char literal
        'throwError "{x}"',  # interpolated by a macro: the braces hold code
        "x.1e5'\"'",  # a field index then a name, or a number then a char literal
        'ℝ≥0e5r"\\"',  # a token `ℝ≥0` then the name `e5r`, or `0e5` then a raw string
        "a<--b",
        'x+r"\\"',
    ],
)
def test_token_table_dependent_spots_are_hazards(code: str) -> None:
    assert lex(code).hazards


def test_lexing_is_linear_in_work_done() -> None:
    # One regular-expression match per token: a long run of one piece lexes in one pass.
    for piece in ("a'", "/-", "«", "'\"'", 's!"{', "(", "x.1"):
        code = piece * 20_000
        assert lex(code).spans is not None
