"""A small built-in problem set: easy Lean 4 statements with known proofs, written for this project.

It lets ``kimina-rl dry-run`` (and tests) run the whole training loop with no download.
Every proof is a standard Mathlib tactic call that closes its goal in Lean 4 with Mathlib
(``simp``, ``omega``, ``norm_num``, ``linarith``, ``positivity``, ``nlinarith``, term
proofs of propositional facts). :func:`builtin_rows` gives the rows ``kimina-rl prepare``
would write (verl's schema), :func:`reference_answer` a correct answer in the
reasoning-then-generation format, and :func:`flawed_answer` the same answer with a
``have … := by sorry`` gap, the commonest failure of a weak prover (Lean flags it as
``sorry``, so it feeds the error-correction loop). The closed arithmetic problems
("Compute 17 * 23") draft intermediate values in ``have`` steps, so an answer can also be
wrong in content: :func:`wrong_answer` drafts a false value, which Lean (and the stand-in,
which evaluates closed arithmetic) rejects at that step. :func:`malformed_answer` keeps the
proof but slips on the answer format (no think block, or a single draft), the other
commonest failure of a weak prover: it fails the format checks before Lean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kimina_prover_rl.data.prepare import prompt_rows
from kimina_prover_rl.data.prompts import PromptTemplate
from kimina_prover_rl.data.rows import PromptRow
from kimina_prover_rl.data.sources import Problem

__all__ = [
    "BUILTIN_HEADER",
    "BUILTIN_SOURCE",
    "BuiltinProblem",
    "Malformation",
    "builtin_problems",
    "builtin_rows",
    "flawed_answer",
    "malformed_answer",
    "reference_answer",
    "wrong_answer",
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
    _p(
        "kb_mul_17_23",
        "Compute 17 * 23.",
        ": (17 : ℕ) * 23 = 391",
        "have h₁ : (17 : ℕ) * 20 = 340 := by norm_num",
        "have h₂ : (17 : ℕ) * 3 = 51 := by norm_num",
        "norm_num",
    ),
    _p(
        "kb_add_38_47",
        "Compute 38 + 47.",
        ": (38 : ℕ) + 47 = 85",
        "have h₁ : (38 : ℕ) + 40 = 78 := by norm_num",
        "have h₂ : (78 : ℕ) + 7 = 85 := by norm_num",
        "norm_num",
    ),
    _p(
        "kb_sq_12",
        "Compute 12².",
        ": (12 : ℕ) ^ 2 = 144",
        "have h₁ : (12 : ℕ) * 12 = 144 := by norm_num",
        "norm_num",
    ),
    _p(
        "kb_int_sub",
        "Compute 15 - 42 in the integers.",
        ": (15 : ℤ) - 42 = -27",
        "have h₁ : (15 : ℤ) - 40 = -25 := by norm_num",
        "have h₂ : (-25 : ℤ) - 2 = -27 := by norm_num",
        "norm_num",
    ),
    _p(
        "kb_div_7",
        "Compute 100 / 7 in the naturals.",
        ": (100 : ℕ) / 7 = 14",
        "have h₁ : (7 : ℕ) * 14 = 98 := by norm_num",
        "have h₂ : (100 : ℕ) % 7 = 2 := by decide",
        "norm_num",
    ),
    _p(
        "kb_mul_25_16",
        "Compute 25 * 16.",
        ": (25 : ℕ) * 16 = 400",
        "have h₁ : (25 : ℕ) * 4 = 100 := by norm_num",
        "have h₂ : (100 : ℕ) * 4 = 400 := by norm_num",
        "norm_num",
    ),
    _p(
        "kb_pow_2_10",
        "Compute 2¹⁰.",
        ": (2 : ℕ) ^ 10 = 1024",
        "have h₁ : (2 : ℕ) ^ 5 = 32 := by norm_num",
        "have h₂ : (32 : ℕ) * 32 = 1024 := by norm_num",
        "norm_num",
    ),
    _p(
        "kb_sum_three",
        "Compute 123 + 456 + 789.",
        ": (123 : ℕ) + 456 + 789 = 1368",
        "have h₁ : (123 : ℕ) + 456 = 579 := by norm_num",
        "have h₂ : (579 : ℕ) + 789 = 1368 := by norm_num",
        "norm_num",
    ),
)

_VALIDATION = frozenset(
    {"kb_mul_one", "kb_le_succ", "kb_sub_self", "kb_add_38_47", "kb_mul_25_16", "kb_sum_three"}
)
_DRAFTED_VALUE = re.compile(r"^(have \S+ : .* = )(-?\d+)( := by .*)$")


Part = Literal["all", "train", "val"]
Malformation = Literal["no_think", "one_draft"]
"""How :func:`malformed_answer` breaks the format: ``no_think`` leaves out the think block
(``missing_think``), ``one_draft`` drafts the tactics once (``too_few_tactics_blocks``)."""


def builtin_problems(part: Part = "all") -> tuple[BuiltinProblem, ...]:
    """The built-in problems in a fixed order: all, or the training or held-out validation
    part (the dry run trains GRPO on ``train`` and measures best@k on ``val``)."""
    if part == "all":
        return _PROBLEMS
    held_out = part == "val"
    return tuple(p for p in _PROBLEMS if (p.name in _VALIDATION) == held_out)


def builtin_rows(
    template: PromptTemplate | None = None, *, split: str = "train", part: Part = "all"
) -> list[PromptRow]:
    """The built-in problems as prepared rows (the keys ``kimina-rl prepare`` writes)."""
    problems = [
        Problem(id=p.name, formal_statement=p.formal_statement, informal=p.informal)
        for p in builtin_problems(part)
    ]
    return prompt_rows(problems, split=split, label=BUILTIN_SOURCE, template=template)


def reference_answer(problem: BuiltinProblem) -> str:
    """A well-formed answer with the known proof: a think block with two tactics drafts,
    then one lean4 block."""
    return _answer(problem, problem.tactics)


def flawed_answer(problem: BuiltinProblem) -> str:
    """A well-formed answer whose proof leaves a ``have … := by sorry`` gap."""
    return _answer(problem, ("have h_gap : True := by sorry", *problem.tactics))


def wrong_answer(problem: BuiltinProblem) -> str | None:
    """A well-formed answer that is wrong in content: its first drafted value (``have h :
    … = N := by …``) is off by ten, so Lean rejects that step; None for a problem whose
    proof drafts no value."""
    tactics = list(problem.tactics)
    for i, line in enumerate(tactics):
        if match := _DRAFTED_VALUE.match(line):
            tactics[i] = f"{match[1]}{int(match[2]) + 10}{match[3]}"
            return _answer(problem, tuple(tactics))
    return None


def malformed_answer(problem: BuiltinProblem, malformation: Malformation) -> str:
    """The known proof in an answer that breaks one format rule (see :data:`Malformation`):
    the format checks reject it before Lean sees the proof."""
    final = _final_block(problem, problem.tactics)
    if malformation == "no_think":
        return final
    draft = "\n".join(problem.tactics)
    return f"<think>\n```tactics\n{draft}\n```\n</think>\n{final}"


def _answer(problem: BuiltinProblem, tactics: tuple[str, ...]) -> str:
    draft = "\n".join(tactics)
    return (
        f"<think>\n```tactics\n{draft}\n```\n```tactics\n{draft}\n```\n</think>\n"
        f"{_final_block(problem, tactics)}"
    )


def _final_block(problem: BuiltinProblem, tactics: tuple[str, ...]) -> str:
    body = "\n".join(f"  {line}" for line in tactics)
    return f"```lean4\n{problem.theorem}\n{body}\n```"
