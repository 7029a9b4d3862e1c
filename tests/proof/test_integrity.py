"""Statement integrity and forbidden constructs, on real statements."""

from __future__ import annotations

from typing import Any

import pytest

from kimina_prover_rl.proof import FormatConfig, FormatError, check_answer, parse_lean_code
from kimina_prover_rl.proof.integrity import is_empty_proof, scan_code, statement_difference
from tests.proof._answers import make_answer, row_named, theorem_text

PROOF = ["norm_num [Nat.gcd_rec]", "omega"]


@pytest.fixture
def row(minif2f: list[dict[str, Any]]) -> dict[str, Any]:
    return row_named(minif2f, "imo_1959_p1")


def _check(row: dict[str, Any], response: str, **config: Any) -> Any:
    return check_answer(row["formal_statement"], response, FormatConfig(**config))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("(n : ℕ)", "(n : ℤ)"),
        ("(h₀ : 0 < n)", "(h₀ : 0 ≤ n)"),
        ("(h₀ : 0 < n) ", ""),
        ("= 1", "= 1 ∨ True"),
    ],
)
def test_changed_binders_or_type_are_rejected(row: dict[str, Any], old: str, new: str) -> None:
    theorem = theorem_text(row).replace(old, new)
    check = _check(row, make_answer(row, PROOF, theorem=theorem))
    assert check.format_error is FormatError.STATEMENT_MODIFIED
    assert check.proof is None
    assert check.answer_code is not None


def test_renamed_theorem_is_missing(row: dict[str, Any]) -> None:
    theorem = theorem_text(row).replace("imo_1959_p1", "imo_1959_p1'")
    check = _check(row, make_answer(row, PROOF, theorem=theorem))
    assert check.format_error is FormatError.STATEMENT_MISSING


def test_layout_comments_and_lemma_keyword_do_not_matter(row: dict[str, Any]) -> None:
    theorem = (
        "lemma imo_1959_p1 -- the classic one\n  (n : ℕ)\n  (h₀ : 0 < n) :"
        "\n  Nat.gcd (21*n + 4) (14*n+3) = 1 := by"
    )
    check = _check(row, make_answer(row, PROOF, theorem=theorem))
    assert check.ok, check.detail
    assert check.proof is not None
    assert "theorem imo_1959_p1 (n : ℕ)" in check.proof


def test_statement_difference_shows_both_sides() -> None:
    given = parse_lean_code("theorem t (x : ℕ) : x + 0 = x := by sorry")
    answer = parse_lean_code("theorem t (x : ℤ) : x + 0 = x := by simp")
    detail = statement_difference(given, answer)
    assert detail is not None
    assert "ℕ" in detail
    assert "ℤ" in detail


@pytest.mark.parametrize(
    ("line", "construct"),
    [
        ("#eval 1 + 1", "#eval"),
        ("run_tac pure ()", "run_tac"),
        ("run_cmd pure ()", "run_cmd"),
        ("#exit", "#exit"),
        ("set_option debug.skipKernelTC true in", "set_option debug.skipKernelTC"),
        ("set_option warn.sorry false in", "set_option warn.sorry"),
        ("attribute [local instance] Classical.propDecidable", "local instance"),
    ],
)
def test_forbidden_in_the_proof_is_named_with_its_line(
    row: dict[str, Any], line: str, construct: str
) -> None:
    response = make_answer(row, [PROOF[0], line, PROOF[1]])
    check = _check(row, response)
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT, line
    assert check.proof is None
    assert check.answer_code is not None
    block_line = check.answer_code.split("\n").index("  " + line) + 1
    assert f"line {block_line}" in check.detail
    assert f"`{construct}`" in check.detail
    answer_line = response.split("\n").index("  " + line) + 1
    assert f"answer line {answer_line})" in check.detail


@pytest.mark.parametrize(
    "lemma",
    [
        "axiom cheat : ∀ n : ℕ, Nat.gcd (21 * n + 4) (14 * n + 3) = 1\n\n",
        "@[implemented_by id] def f (n : ℕ) : ℕ := n\n\n",
        '@[extern "c_gcd"] opaque g : ℕ → ℕ\n\n',
        "unsafe def h : ℕ := 0\n\n",
        'macro "cheat" : tactic => `(tactic| sorry)\n\n',
        'syntax "cheat" : tactic\n\n',
        'elab "cheat" : tactic => pure ()\n\n',
        "initialize counter : IO.Ref ℕ ← IO.mkRef 0\n\n",
        "variable [Fact False]\n\n",
        "instance : LT ℕ := ⟨fun _ _ => True⟩\n\n",
        'local notation "ℕ" => ℤ\n\n',
        "namespace Real\n\n",
    ],
)
def test_forbidden_auxiliary_commands(row: dict[str, Any], lemma: str) -> None:
    check = _check(row, make_answer(row, PROOF, lemmas=lemma))
    assert check.format_error is FormatError.FORBIDDEN_CONSTRUCT, lemma
    assert check.proof is None


def test_allowed_auxiliary_lemma_and_words_inside_identifiers_or_comments(
    row: dict[str, Any],
) -> None:
    lemma = (
        "/-- a helper; note that `axiom` and #eval in comments do not count -/\n"
        "lemma my_axiom_free_syntax_lemma (n : ℕ) : n + 0 = n := by simp\n\n"
    )
    check = _check(row, make_answer(row, PROOF, lemmas=lemma), check_tactics_coverage=False)
    assert check.ok, check.detail
    assert check.proof is not None
    assert "my_axiom_free_syntax_lemma" in check.proof


def test_native_decide_variants() -> None:
    for code in ("by native_decide", "by decide +native", "Lean.ofReduceBool x"):
        assert scan_code(code, 0).native_decide is not None, code
    assert scan_code("by decide -- native_decide", 0).native_decide is None
    assert scan_code("my_native_decide_lemma", 0).native_decide is None


def test_native_decide_in_auxiliary_lemma_counts(row: dict[str, Any]) -> None:
    lemma = "lemma small : Nat.gcd 25 17 = 1 := by native_decide\n\n"
    check = _check(row, make_answer(row, PROOF, lemmas=lemma))
    assert check.format_error is FormatError.NATIVE_DECIDE
    allowed = _check(
        row,
        make_answer(row, PROOF, lemmas=lemma),
        allow_native_decide=True,
        check_tactics_coverage=False,
    )
    assert allowed.ok
    assert allowed.uses_native_decide


@pytest.mark.parametrize(
    ("body", "empty"),
    [
        (" by sorry", True),
        (" by\n  -- todo\n  sorry", True),
        ("", True),
        (" by\n  admit", True),
        (" by\n  simp\n  sorry", False),
        (" by omega", False),
    ],
)
def test_empty_proofs(body: str, empty: bool) -> None:
    assert is_empty_proof(body) is empty


def test_no_proof_is_reported(row: dict[str, Any]) -> None:
    check = _check(row, make_answer(row, ["sorry"]))
    assert check.format_error is FormatError.NO_PROOF
    assert check.proof is None
