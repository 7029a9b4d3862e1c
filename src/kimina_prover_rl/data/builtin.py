"""A small built-in problem set: easy Lean 4 statements with known proofs, written for this project.

It lets ``kimina-rl dry-run`` (and tests) run the whole training loop with no download.
Every proof is a standard Mathlib tactic call that closes its goal in Lean 4 with Mathlib
(``simp``, ``omega``, ``norm_num``, ``linarith``, ``positivity``, ``nlinarith``, term
proofs of propositional facts). :func:`builtin_rows` gives the rows ``kimina-rl prepare``
would write (verl's schema), :func:`reference_answer` a correct answer in the
reasoning-then-generation format, and :func:`flawed_answer` the same answer with a
``have … := by sorry`` gap, the commonest failure of a weak prover (Lean flags it as
``sorry``, so it feeds the error-correction loop).
"""

from __future__ import annotations

from dataclasses import dataclass

from kimina_prover_rl.data.prepare import prompt_rows
from kimina_prover_rl.data.prompts import PromptTemplate
from kimina_prover_rl.data.rows import PromptRow
from kimina_prover_rl.data.sources import Problem

__all__ = [
    "BUILTIN_HEADER",
    "BUILTIN_SOURCE",
    "BuiltinProblem",
    "builtin_problems",
    "builtin_rows",
    "flawed_answer",
    "reference_answer",
]

BUILTIN_HEADER = "import Mathlib\n\n"
"""The header of every built-in statement."""

BUILTIN_SOURCE = "kimina-builtin"
"""The ``data_source`` of built-in rows."""


@dataclass(frozen=True, slots=True)
class BuiltinProblem:
    """One problem: its name, informal text, the theorem (``… := by``) and its tactic lines."""

    name: str
    informal: str
    theorem: str
    tactics: tuple[str, ...]

    @property
    def formal_statement(self) -> str:
        """The statement as a prepared row holds it: header, theorem, ending in ``:= by``."""
        return BUILTIN_HEADER + self.theorem

    @property
    def proof(self) -> str:
        """The complete Lean code of the known proof."""
        body = "\n".join(f"  {line}" for line in self.tactics)
        return f"{self.formal_statement}\n{body}"


def _p(name: str, informal: str, signature: str, *tactics: str) -> BuiltinProblem:
    return BuiltinProblem(name, informal, f"theorem {name} {signature} := by", tactics)


_PROBLEMS = (
    _p("kb_add_zero", "Show that n + 0 = n.", "(n : ℕ) : n + 0 = n", "simp"),
    _p("kb_zero_add", "Show that 0 + n = n.", "(n : ℕ) : 0 + n = n", "simp"),
    _p("kb_mul_one", "Show that n * 1 = n.", "(n : ℕ) : n * 1 = n", "simp"),
    _p("kb_two_add_two", "Compute 2 + 2.", ": (2 : ℕ) + 2 = 4", "norm_num"),
    _p("kb_six_mul_seven", "Compute 6 * 7.", ": (6 : ℕ) * 7 = 42", "norm_num"),
    _p("kb_le_succ", "Show that n ≤ n + 1.", "(n : ℕ) : n ≤ n + 1", "omega"),
    _p("kb_add_comm", "Show that a + b = b + a.", "(a b : ℕ) : a + b = b + a", "omega"),
    _p("kb_double_even", "Show that 2n is even.", "(n : ℕ) : (2 * n) % 2 = 0", "omega"),
    _p(
        "kb_lt_trans",
        "If a < b and b < c then a < c.",
        "(a b c : ℕ) (h₀ : a < b) (h₁ : b < c) : a < c",
        "omega",
    ),
    _p(
        "kb_linear_eq",
        "Solve 2x + 3 = 7 for x.",
        "(x : ℝ) (h₀ : 2 * x + 3 = 7) : x = 2",
        "linarith",
    ),
    _p(
        "kb_linear_sum",
        "If x + y = 10 and x - y = 2 then x = 6.",
        "(x y : ℝ) (h₀ : x + y = 10) (h₁ : x - y = 2) : x = 6",
        "linarith",
    ),
    _p("kb_sq_nonneg", "Show that x² ≥ 0.", "(x : ℝ) : 0 ≤ x ^ 2", "positivity"),
    _p("kb_abs_nonneg", "Show that |x| ≥ 0.", "(x : ℝ) : 0 ≤ |x|", "positivity"),
    _p(
        "kb_two_mul_le",
        "Show that 2ab ≤ a² + b².",
        "(a b : ℝ) : 2 * a * b ≤ a ^ 2 + b ^ 2",
        "nlinarith [sq_nonneg (a - b)]",
    ),
    _p(
        "kb_and_swap",
        "From p ∧ q conclude q ∧ p.",
        "(p q : Prop) (h : p ∧ q) : q ∧ p",
        "exact ⟨h.2, h.1⟩",
    ),
    _p(
        "kb_or_swap",
        "From p ∨ q conclude q ∨ p.",
        "(p q : Prop) (h : p ∨ q) : q ∨ p",
        "rcases h with hp | hq",
        "· exact Or.inr hp",
        "· exact Or.inl hq",
    ),
    _p(
        "kb_imp_trans",
        "If p implies q and q implies r, then p implies r.",
        "(p q r : Prop) (hpq : p → q) (hqr : q → r) : p → r",
        "intro hp",
        "exact hqr (hpq hp)",
    ),
    _p(
        "kb_sub_self",
        "Show that x - x = 0.",
        "(x : ℤ) : x - x = 0",
        "simp",
    ),
    _p(
        "kb_square_eq",
        "If x = 3 then x² = 9.",
        "(x : ℝ) (h₀ : x = 3) : x ^ 2 = 9",
        "subst h₀",
        "norm_num",
    ),
    _p(
        "kb_max_le",
        "If a ≤ c and b ≤ c then max a b ≤ c.",
        "(a b c : ℕ) (h₀ : a ≤ c) (h₁ : b ≤ c) : max a b ≤ c",
        "omega",
    ),
    _p(
        "kb_succ_pos",
        "Show that n + 1 > 0.",
        "(n : ℕ) : 0 < n + 1",
        "omega",
    ),
    _p(
        "kb_mul_comm",
        "Show that a * b = b * a.",
        "(a b : ℕ) : a * b = b * a",
        "ring",
    ),
    _p(
        "kb_sum_sq",
        "Expand (a + b)².",
        "(a b : ℝ) : (a + b) ^ 2 = a ^ 2 + 2 * a * b + b ^ 2",
        "ring",
    ),
    _p(
        "kb_exists_gt",
        "Show that some natural number exceeds n.",
        "(n : ℕ) : ∃ m, n < m",
        "exact ⟨n + 1, by omega⟩",
    ),
)


def builtin_problems() -> tuple[BuiltinProblem, ...]:
    """Every built-in problem, in a fixed order."""
    return _PROBLEMS


def builtin_rows(
    template: PromptTemplate | None = None, *, split: str = "train"
) -> list[PromptRow]:
    """The built-in problems as prepared rows (the keys ``kimina-rl prepare`` writes)."""
    problems = [
        Problem(id=p.name, formal_statement=p.formal_statement, informal=p.informal)
        for p in _PROBLEMS
    ]
    return prompt_rows(problems, split=split, label=BUILTIN_SOURCE, template=template)


def reference_answer(problem: BuiltinProblem) -> str:
    """A well-formed answer with the known proof: a think block with two tactics drafts,
    then one lean4 block."""
    return _answer(problem, problem.tactics)


def flawed_answer(problem: BuiltinProblem) -> str:
    """A well-formed answer whose proof leaves a ``have … := by sorry`` gap."""
    return _answer(problem, ("have h_gap : True := by sorry", *problem.tactics))


def _answer(problem: BuiltinProblem, tactics: tuple[str, ...]) -> str:
    draft = "\n".join(tactics)
    body = "\n".join(f"  {line}" for line in tactics)
    return (
        f"<think>\n```tactics\n{draft}\n```\n```tactics\n{draft}\n```\n</think>\n"
        f"```lean4\n{problem.theorem}\n{body}\n```"
    )
