"""Statement keys: reformatting and binder renaming keep the key, changing the math does not."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.data import Problem, decontaminate, rename_binders, statement_key
from tests.data._statements import disguise, rename_tokens, signature_names

HEADER = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen Real Nat\n\n"

# ----------------------------------------------------------------------------------------
# A small generator of Lean statements whose binders we know, so renaming can be exact.

NAMES = ["a", "b", "c", "x", "y", "n", "m", "f", "s", "h₀", "h₁", "hx", "α"]
FRESH = ["p", "q", "r", "u", "v", "w", "z", "k'", "t₂", "β", "x_1", "yy", "N"]
TYPES = ["ℕ", "ℤ", "ℝ", "ℚ", "Finset ℕ", "ℕ → ℝ"]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    """A statement as parts: binder groups ``[(bracket, names, type)]`` and a conclusion."""
    count = draw(st.integers(1, 5))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=count, max_size=count, unique=True))
    groups: list[tuple[str, list[str], str]] = []
    i = 0
    while i < len(names):
        size = draw(st.integers(1, 3))
        groups.append(
            (draw(st.sampled_from("({")), names[i : i + size], draw(st.sampled_from(TYPES)))
        )
        i += size
    atoms = st.one_of(
        st.sampled_from(names),
        st.sampled_from([f"{v}.succ" for v in names]),
        st.sampled_from(["0", "1", "37", "Real.pi", "Nat.succ 3"]),
    )
    terms = st.lists(atoms, min_size=2, max_size=6)
    ops = st.sampled_from([" + ", " * ", " - ", " ^ ", " / "])

    def expression() -> str:
        parts = draw(terms)
        out = parts[0]
        for part in parts[1:]:
            out += draw(ops) + part
        return out

    inner = draw(st.booleans())
    conclusion = f"{expression()} = {expression()}"
    if inner:
        conclusion = f"∀ k : ℕ, k + {conclusion}"
    return {"groups": groups, "conclusion": conclusion}


def render(
    parts: dict[str, Any],
    *,
    name: str = "t",
    rename: dict[str, str] | None = None,
    loose: bool = False,
) -> str:
    """Lean text for ``parts``; ``loose`` adds comments, line breaks and spacing."""
    rename = rename or {}
    close = {"(": ")", "{": "}"}
    sep = "\n    " if loose else " "
    binders = sep.join(
        f"{b}{' '.join(rename.get(n, n) for n in names)} : {ty}{close[b]}"
        for b, names, ty in parts["groups"]
    )
    conclusion = rename_tokens(parts["conclusion"], rename)
    if loose:
        conclusion = conclusion.replace(" + ", "  +\n      ").replace(" = ", " = /- c -/ ")
        body = f"{binders} -- note\n  :\n  {conclusion}  := by\n  sorry"
        return f"{HEADER}/-- doc -/\ntheorem {name}{sep}{body}"
    return f"theorem {name} {binders} : {conclusion} := by"


@st.composite
def renamings(draw: st.DrawFn, parts: dict[str, Any]) -> dict[str, str]:
    names = [n for _, group, _ in parts["groups"] for n in group]
    fresh = draw(st.permutations(FRESH))
    return dict(zip(names, fresh, strict=False))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_renaming_binders_and_reformatting_keeps_the_key(data: st.DataObject) -> None:
    parts = data.draw(statements())
    rename = data.draw(renamings(parts))
    original = render(parts)
    disguised = render(parts, name="renamed_theorem", rename=rename, loose=True)
    assert statement_key(original) == statement_key(disguised)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_changing_a_binder_type_changes_the_key(data: st.DataObject) -> None:
    parts = data.draw(statements())
    index = data.draw(st.integers(0, len(parts["groups"]) - 1))
    bracket, names, ty = parts["groups"][index]
    other = data.draw(st.sampled_from([t for t in TYPES if t != ty]))
    changed = {**parts, "groups": [*parts["groups"]]}
    changed["groups"][index] = (bracket, names, other)
    rename = data.draw(renamings(parts))
    assert statement_key(render(parts)) != statement_key(render(changed, rename=rename))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_permuting_which_binder_is_used_changes_the_key(data: st.DataObject) -> None:
    parts = data.draw(statements())
    names = [n for _, group, _ in parts["groups"] for n in group]
    used = [
        n
        for n in names
        if re.search(rf"(?<![\w'.]){re.escape(n)}(?![\w'!?₀-₉])", parts["conclusion"])
    ]
    if len(set(used)) < 2:
        return
    a, b = used[0], next(n for n in used if n != used[0])
    swapped = {**parts, "conclusion": rename_tokens(parts["conclusion"], {a: b, b: a})}
    if swapped["conclusion"] == parts["conclusion"]:
        return
    # Same binders in the same places, the conclusion uses them differently: not α-equal
    # unless both binders have the same type and are interchangeable, which the key
    # (rightly) does not try to prove.
    assert statement_key(render(parts)) != statement_key(render(swapped))


# ----------------------------------------------------------------------------------------
# Hand-picked cases where renaming would be wrong.


def test_named_arguments_block_renaming() -> None:
    a = "theorem t (n : ℕ) : f (n := n) = 0 := by"
    b = "theorem t (m : ℕ) : f (n := m) = 0 := by"
    assert statement_key(a) != statement_key(b)


def test_a_use_before_the_binder_blocks_renaming() -> None:
    # ``b`` in ``h`` is not the binder ``b`` (it is bound later): an auto-bound implicit.
    a = "theorem t (a : ℕ) (h : a = b) (b : ℕ) : a = b := by"
    c = "theorem t (a : ℕ) (h : a = c) (c : ℕ) : a = c := by"
    assert statement_key(a) != statement_key(c)


def test_fields_and_namespaces_are_not_renamed() -> None:
    a = "theorem t (x : ℕ) (p : S) : p.x = x := by"
    b = "theorem t (y : ℕ) (p : S) : p.y = y := by"
    assert statement_key(a) != statement_key(b)
    c = "theorem t (x : ℕ) (p : S) : p.x = x.succ := by"
    d = "theorem t (y : ℕ) (p : S) : p.x = y.succ := by"
    assert statement_key(c) == statement_key(d)


def test_lambda_is_not_part_of_an_identifier() -> None:
    # Lean reads ``λx`` as ``λ x``; the inner binder shadows, so these differ.
    a = "theorem t (x : ℕ) : (λx => x) 1 = x := by"
    b = "theorem t (y : ℕ) : (λx => y) 1 = y := by"
    assert statement_key(a) != statement_key(b)


def test_numbers_glued_to_names_block_renaming() -> None:
    a = "theorem t (x : ℕ) : 2x = x := by"
    b = "theorem t (y : ℕ) : 2x = y := by"
    assert statement_key(a) != statement_key(b)


def test_postfix_notation_ends_a_name() -> None:
    a = "theorem t (s : Set ℕ) (A : Matrix (Fin 2) (Fin 2) ℝ) : sᶜ = s ∧ Aᵀ = A⁻¹ := by"
    b = "theorem t (u : Set ℕ) (M : Matrix (Fin 2) (Fin 2) ℝ) : uᶜ = u ∧ Mᵀ = M⁻¹ := by"
    assert statement_key(a) == statement_key(b)


def test_strings_are_not_renamed() -> None:
    a = 'theorem t (x : String) : x = "x" := by'
    b = 'theorem t (y : String) : y = "x" := by'
    c = 'theorem t (y : String) : y = "y" := by'
    assert statement_key(a) == statement_key(b)
    assert statement_key(a) != statement_key(c)


def test_rename_binders_leaves_text_without_binders_alone() -> None:
    assert rename_binders("theorem:1+1=2") == "theorem:1+1=2"
    assert rename_binders("def f:=1") == "def f:=1"
    assert rename_binders("theorem(x:ℕ:x=x") == "theorem(x:ℕ:x=x"


def test_lemma_and_theorem_with_different_names_match() -> None:
    a = "theorem foo (x : ℕ) : x + 0 = x := by sorry"
    b = "import Mathlib\n-- c\nlemma bar (z : ℕ) :\n    z + 0 = z :=\nby"
    assert statement_key(a) == statement_key(b)


# ----------------------------------------------------------------------------------------
# On the real MiniF2F statements.


def test_minif2f_keys_are_distinct_and_survive_renaming(minif2f: list[dict[str, Any]]) -> None:
    keys = [statement_key(r["formal_statement"]) for r in minif2f]
    assert len(set(keys)) == len(keys)
    renamed_any = 0
    for row, key in zip(minif2f, keys, strict=True):
        names = signature_names(row["theorem"])
        rename = {n: f"v{i}_renamed" for i, n in enumerate(names)}
        text = row["header"] + rename_tokens(row["theorem"], rename)
        assert statement_key(text) == key, row["name"]
        renamed_any += bool(names)
    assert renamed_any > 150


def test_decontaminate_lists_what_it_drops(minif2f: list[dict[str, Any]]) -> None:
    reference = [Problem(r["name"], r["formal_statement"], "") for r in minif2f[:5]]
    target = minif2f[2]
    disguised = disguise(target["name"], target["theorem"])
    train = [
        Problem("keep", "theorem k (x : ℕ) : x = x + 0 := by", ""),
        Problem("copy", disguised, ""),
        Problem("empty", "", ""),
    ]
    kept, dropped = decontaminate(train, reference)
    assert [p.id for p in kept] == ["keep", "empty"]
    assert [(c.train_id, c.reference_id) for c in dropped] == [("copy", target["name"])]


@pytest.mark.parametrize("rename", [False, True])
def test_train_sample_does_not_overlap_minif2f(
    rename: bool, minif2f: list[dict[str, Any]], train_sample: list[dict[str, Any]]
) -> None:
    val = {statement_key(r["formal_statement"], rename=rename) for r in minif2f}
    assert not any(statement_key(r["formal_statement"], rename=rename) in val for r in train_sample)


def test_a_comment_opener_formed_by_normalising_blocks_renaming() -> None:
    # Whitespace removal turns ``/ -y`` into ``/-y``; renaming must not skip what follows it.
    first = "theorem a (x y : ℤ) : x / -y = 0 := by sorry"
    swapped = "theorem a (y x : ℤ) : y / -y = 0 := by sorry"
    assert statement_key(first) != statement_key(swapped)
    assert statement_key(first) == statement_key("theorem b (x y : ℤ) :\n    x / - y = 0 := by")
