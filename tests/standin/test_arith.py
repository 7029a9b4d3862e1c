"""The stand-in's closed arithmetic: Lean's ℕ/ℤ semantics, and no opinion outside them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.standin._arith import MAX_EXPONENT, closing_failure, evaluate
from kimina_prover_rl.standin._lean import elaborate

# Each of these is what Lean 4 core decides (`decide` closes the true ones): truncated
# ℕ subtraction, floor ℕ division, Euclidean ℤ division (`Int.ediv`/`Int.emod`), and
# division by zero giving 0 with the dividend as remainder.
LEAN_TRUE = [
    "2 + 2 = 4",
    "(6 : ℕ) * 7 = 42",
    "(2 : ℕ) - 5 = 0",
    "(2 : ℤ) - 5 = -3",
    "(7 : ℕ) / 2 = 3",
    "(-7 : ℤ) / 2 = -4",
    "(-7 : ℤ) % 2 = 1",
    "(7 : ℤ) / -2 = -3",
    "(-7 : ℤ) % -2 = 1",
    "(5 : ℕ) / 0 = 0",
    "(5 : ℕ) % 0 = 5",
    "(-5 : ℤ) % 0 = -5",
    "2 ^ 10 = 1024",
    "(-2 : ℤ) ^ 3 = -8",
    "2 ^ 3 ^ 2 = 512",
    "10 - 3 - 2 = 5",
    "3 < 5 ∧ ¬ (5 ≤ 3)",
    "1 = 2 ∨ 2 ≠ 3",
    "(2 + 3 = 5)",
]


@pytest.mark.parametrize("claim", LEAN_TRUE)
def test_lean_semantics_true(claim: str) -> None:
    assert evaluate(claim) is True
    assert evaluate(f"¬ ({claim})") is False


@pytest.mark.parametrize(
    "claim",
    [
        "x + 1 = 2",  # a variable
        "Nat.succ 1 = 2 ∨ True",  # a function
        "-1 = 0",  # ℕ has no negation: Lean fails to elaborate
        "(2 : ℤ) = (2 : ℕ)",  # a coercion between types
        "(2 : ℝ) + 2 = 4",  # reals
        f"2 ^ {MAX_EXPONENT + 1} = 0",  # too big to evaluate fast
        "2 + = 4",
        "2 + 2",
        "",
    ],
)
def test_no_opinion_outside_closed_arithmetic(claim: str) -> None:
    assert evaluate(claim) is None


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_sums_and_products(a: int, b: int) -> None:
    assert evaluate(f"{a} + {b} = {a + b}") is True
    assert evaluate(f"{a} * {b} = {a * b + 1}") is False
    assert evaluate(f"{a} - {b} = {max(a - b, 0)}") is True


@given(st.integers(-(10**4), 10**4), st.integers(-(10**4), 10**4))
def test_integer_division_is_euclidean(a: int, b: int) -> None:
    q = evaluate(f"({a} : ℤ) / {b} * {b} + ({a} : ℤ) % {b} = {a}")
    assert q is True
    if b:
        assert evaluate(f"0 ≤ ({a} : ℤ) % {b} ∧ ({a} : ℤ) % {b} < {abs(b)}") is True


@given(st.text(max_size=60))
def test_never_raises_on_any_text(text: str) -> None:
    assert evaluate(text) in (True, False, None)


def test_closing_tactics_fail_only_on_false_claims() -> None:
    assert closing_failure("norm_num", "2 + 3 = 5") is None
    assert closing_failure("norm_num", "2 + 3 = 6") == "unsolved goals\n⊢ False"
    decide = closing_failure("decide", "2 + 3 = 6")
    assert decide is not None
    assert "2 + 3 = 6" in decide
    assert "is false" in decide
    assert closing_failure("omega", "2 + 3 = 6") is not None
    assert closing_failure("norm_num [Nat.add_comm]", "2 + 3 = 6") is not None
    # Not a closer, or not closed arithmetic: no opinion, the stand-in accepts as before.
    assert closing_failure("exact h", "2 + 3 = 6") is None
    assert closing_failure("norm_num", "x + 3 = 6") is None


def _messages(code: str) -> list[dict[str, object]]:
    result = elaborate(
        code,
        in_env=True,
        known={},
        next_proof_state=0,
        sorry_quote="'",
        all_tactics=False,
        infotree=False,
    )
    messages: list[dict[str, object]] = result.response.get("messages", [])
    return messages


def test_a_false_have_is_an_error_at_its_tactic() -> None:
    code = "theorem t : (2 : ℕ) + 3 = 5 := by\n  have h : 2 + 3 = 6 := by norm_num\n  omega"
    [error] = _messages(code)
    assert error["severity"] == "error"
    assert error["pos"] == {"line": 2, "column": code.split("\n")[1].index("norm_num")}
    assert error["data"] == "unsolved goals\n⊢ False"
    assert _messages(code.replace("= 6", "= 5")) == []


def test_a_false_closed_goal_fails_its_closing_tactic() -> None:
    [error] = _messages("theorem t : (7 : ℕ) * 8 = 54 := by\n  decide")
    assert error["pos"] == {"line": 2, "column": 2}
    assert "is false" in str(error["data"])
    assert _messages("theorem t : (7 : ℕ) * 8 = 56 := by\n  decide") == []
    # A goal with variables is beyond the simulation: accepted as before.
    assert _messages("theorem t (n : ℕ) : n + 0 = n := by\n  simp") == []
