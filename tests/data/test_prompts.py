"""Prompt templates: the reference text by default, validated custom templates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.data import PromptTemplate, informal_text, statement_for_prompt
from kimina_prover_rl.data.prompts import DEFAULT_SYSTEM_PROMPT
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.proof import normalize_whitespace, parse_lean_code

STATEMENT = "import Mathlib\n\ntheorem t (x : ℕ) : x + 0 = x := by"


def test_default_template_is_the_reference_pipeline_text() -> None:
    messages = PromptTemplate().render(statement=STATEMENT, informal="Show x + 0 = x.")
    assert messages == [
        {
            "role": "system",
            "content": "You are an expert in mathematics and proving theorems in Lean 4.",
        },
        {
            "role": "user",
            "content": "Think about and solve the following problems step by step in Lean 4.\n\n"
            "# Problem:\nShow x + 0 = x.\n\n"
            f"# Formal Statement:\n```lean4\n{STATEMENT}\n```\n",
        },
    ]


def test_braces_in_statements_are_kept_verbatim() -> None:
    statement = "theorem t : ({1, 2} : Finset ℕ).card = 2 := by"
    user = PromptTemplate().render(statement=statement, informal="{x | x > 0}")[1]["content"]
    assert statement in user
    assert "{x | x > 0}" in user


def test_custom_template_without_system_message() -> None:
    template = PromptTemplate(system=None, user="Prove:\n{statement}\n{{literal}}")
    assert template.render(statement="S", informal="I") == [
        {"role": "user", "content": "Prove:\nS\n{literal}"}
    ]
    assert template.to_dict() == {"system": None, "user": "Prove:\n{statement}\n{{literal}}"}
    assert PromptTemplate().to_dict()["system"] == DEFAULT_SYSTEM_PROMPT


@pytest.mark.parametrize(
    ("user", "fragment"),
    [
        ("Solve {informal}", "no '{statement}'"),
        ("{statement} {problem}", "unknown field(s) ['problem']"),
        ("{statement} {", "not a valid format string"),
    ],
)
def test_invalid_templates_name_the_problem(user: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=r"PromptTemplate\.user") as info:
        PromptTemplate(user=user)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("theorem t : p := by sorry", "theorem t : p := by"),
        ("theorem t : p := by\n  sorry\n", "theorem t : p := by"),
        ("theorem t : p := sorry", "theorem t : p :="),
        ("theorem t : p := by\n", "theorem t : p := by"),
        ("theorem t : p := by -- sorry", "theorem t : p := by -- sorry"),
        ("theorem t : p := by exact foo_sorry", "theorem t : p := by exact foo_sorry"),
    ],
)
def test_statement_for_prompt_strips_only_a_final_sorry(given_text: str, expected: str) -> None:
    assert statement_for_prompt(given_text) == expected


def test_shared_statements_keep_their_declaration(
    train_sample: list[dict[str, str]], minif2f: list[dict[str, str]]
) -> None:
    for row in [*train_sample, *minif2f]:
        statement = statement_for_prompt(row["formal_statement"])
        assert not statement.endswith("sorry"), row["name"]
        assert normalize_whitespace(statement).endswith((":= by", ":=")), row["name"]
        assert parse_lean_code(statement).has_declaration, row["name"]


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_statement_for_prompt_is_idempotent_prefix(text: str) -> None:
    once = statement_for_prompt(text)
    assert text.startswith(once)
    assert statement_for_prompt(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/-- Show that 2 + 2 = 4.-/\n", "Show that 2 + 2 = 4."),
        ("/- prove $a \\geq b$ -/\n", "prove $a \\geq b$"),
        ("-- line one\n-- line two\n", "line one\nline two"),
        ("  Plain words.  ", "Plain words."),
        ("/-- a -/ /-- b -/", "/-- a -/ /-- b -/"),
    ],
)
def test_informal_text_removes_lean_comment_delimiters(raw: str, expected: str) -> None:
    assert informal_text(raw) == expected
