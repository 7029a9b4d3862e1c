"""Statement keys: reformatting and binder renaming keep the key, changing the math does not."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.data import Problem, decontaminate, rename_binders, statement_key
from kimina_prover_rl.data.decontaminate import canonical_spelling, merge_binder_groups
from tests.data._statements import (
    ascii_spelling,
    disguise,
    rename_tokens,
    signature_names,
    split_binder_groups,
)

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


# ----------------------------------------------------------------------------------------
# Spellings and binder grouping: statements as tokens, each with its interchangeable forms.

SPELLINGS = {
    "→": ["→", "->"],
    "≤": ["≤", "<="],
    "≥": ["≥", ">="],
    "≠": ["≠", "!="],
    "∧": ["∧", "/\\"],
    "∨": ["∨", "\\/"],
    "↔": ["↔", "<->"],
    "¬": ["¬", "~"],
    "∀": ["∀", "forall"],
    "∃": ["∃", "exists"],
    "fun": ["fun", "λ"],
    "=>": ["=>", "↦"],
    "ℕ": ["ℕ", "Nat"],
    "ℤ": ["ℤ", "Int"],
    "ℚ": ["ℚ", "Rat"],
    "ℝ": ["ℝ", "Real"],
    "ℂ": ["ℂ", "Complex"],
    "∈∑": ["∈", "in"],  # membership in a big operator's binder, where ``in`` is allowed
    "⟪pq⟫": ["( p q : ℤ )", "( p : ℤ ) ( q : ℤ )", "( p : Int ) ( q : ℤ )", "( p q : Int )"],
    # Bare typed binders and nested binders: one binder list, written every way.
    "⟪∀pq⟫": [
        "∀ ( p q : ℤ ) ,",
        "∀ p q : ℤ ,",
        "∀ ( p : ℤ ) ( q : ℤ ) ,",
        "∀ p : ℤ , ∀ q : ℤ ,",
        "∀ ( p : Int ) , ∀ q : ℤ ,",
        "forall p : ℤ , ∀ ( q : Int ) ,",
        "∀ ( p : ( ℤ ) ) , ∀ q : ℤ ,",
    ],
    "⟪∃pq⟫": [
        "∃ ( p q : ℤ ) ,",
        "∃ p q : ℤ ,",
        "∃ p : ℤ , ∃ q : ℤ ,",
        "exists ( p : ℤ ) , ∃ q : Int ,",
    ],
    "⟪funpq⟫": [
        "fun ( p q : ℤ ) =>",
        "fun p q : ℤ =>",
        "fun p : ℤ => fun q : ℤ =>",
        "λ ( p : ℤ ) ↦ fun q : Int =>",
        "fun ( p : ℤ ) ( q : ℤ ) =>",
    ],
    "⟪∀ab⟫": ["∀ a b ,", "∀ a , ∀ b ,", "∀ ( a ) b ,", "∀ a , ∀ ( ( b ) ) ,"],
    # A negation glued to the operator before it.
    "≤-": ["≤ -", "<=-", "<= -", "≤-"],
    "≥-": ["≥ -", ">=-"],
    "≠-": ["≠ -", "!=-"],
}
KINDS = {"(": ")", "{": "}", "⦃": "⦄"}
SPELLED_TYPES = ["ℕ", "ℤ", "ℝ", "ℚ", "ℂ", "ℕ → ℝ", "Finset ℕ"]
BINDER_NAMES = ["a", "b", "c", "x", "y", "n", "m", "k₁"]
# Conclusion atoms over a variable ``v`` and a constant ``c``, tokens separated by spaces.
ATOMS = [
    "v ≤ {c}",
    "{c} ≥ v",
    "¬ ( v = {c} )",
    "( v ≠ {c} )",
    "∀ t : ℕ , t + {c} ≥ t",
    "∀ ⟪pq⟫ , p * q ≠ {c}",
    "∃ ⟪pq⟫ , p + q = {c}",
    "( fun ⟪pq⟫ => p - q ) 1 2 = {c}",
    "∃ t : ℤ , t ≠ {c}",
    "( fun t : ℝ => t + {c} ) 2 = 3",
    "∑ j ∈∑ Finset.range {c} , j = 10",
    "∏ j ∈∑ Finset.range 4 , ( j + {c} ) = 3",
    "⟪∀pq⟫ p * q ≠ {c}",
    "⟪∃pq⟫ p + q = {c}",
    "( ⟪funpq⟫ p - q ) 1 2 = {c}",
    "⟪∀ab⟫ a + b ≥- {c}",
    "v ≤- {c}",
    "{c} ≠- v",
]
CONNECTIVES = ["∧", "∨", "→", "↔"]


@st.composite
def spelled_statements(draw: st.DrawFn) -> dict[str, Any]:
    """Binders ``[(kind, name, type)]`` and conclusion atoms ``[(template, constant)]``."""
    names = draw(st.lists(st.sampled_from(BINDER_NAMES), min_size=1, max_size=6, unique=True))
    kind = st.sampled_from(list(KINDS))
    ty = st.sampled_from(SPELLED_TYPES)
    binders = [(draw(kind), name, draw(ty)) for name in names]
    atoms = draw(
        st.lists(st.tuples(st.sampled_from(ATOMS), st.integers(0, 9)), min_size=1, max_size=3)
    )
    joins = [draw(st.sampled_from(CONNECTIVES)) for _ in atoms[1:]]
    return {"binders": binders, "atoms": atoms, "joins": joins}


def parenthesised(draw: st.DrawFn, text: str, *, levels: int = 2) -> str:
    """``text`` in zero or more redundant pairs of parentheses."""
    for _ in range(draw(st.integers(0, levels))):
        text = f"( {text} )"
    return text


def spell(draw: st.DrawFn, parts: dict[str, Any]) -> str:
    """Lean text for ``parts`` with randomly chosen spellings, binder groups and redundant
    parentheses (around atoms, whole atoms, binder types and the whole conclusion)."""
    groups: list[tuple[str, list[str], str]] = []
    for kind, name, ty in parts["binders"]:
        if groups and groups[-1][0] == kind and groups[-1][2] == ty and draw(st.booleans()):
            groups[-1][1].append(name)
        else:
            groups.append((kind, [name], ty))
    binders = " ".join(
        f"{k} {' '.join(ns)} : {parenthesised(draw, ty, levels=1)} {KINDS[k]}"
        for k, ns, ty in groups
    )
    first = parts["binders"][0][1]
    pieces: list[str] = []
    for i, (template, constant) in enumerate(parts["atoms"]):
        if i:
            pieces.append(parts["joins"][i - 1])
        atom = " ".join(
            parenthesised(draw, t) if t == first or t.isdecimal() else t
            for t in template.format(v=first, c=constant).split(" ")
        )
        pieces.append(parenthesised(draw, f"( {atom} )", levels=1))
    conclusion = parenthesised(draw, " ".join(pieces), levels=1)
    tokens = f"theorem t {binders} : {conclusion} := by".split(" ")
    return " ".join(draw(st.sampled_from(SPELLINGS[t])) if t in SPELLINGS else t for t in tokens)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_respelling_and_regrouping_binders_keep_the_key(data: st.DataObject) -> None:
    parts = data.draw(spelled_statements())
    one, other = spell(data.draw, parts), spell(data.draw, parts)
    assert statement_key(one) == statement_key(other), (one, other)
    assert statement_key(one, rename=False) == statement_key(other, rename=False)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_changing_a_type_a_constant_or_a_binder_kind_changes_the_key(
    data: st.DataObject,
) -> None:
    parts = data.draw(spelled_statements())
    changed = {**parts, "binders": [*parts["binders"]], "atoms": [*parts["atoms"]]}
    what = data.draw(st.sampled_from(["type", "constant", "kind"]))
    if what == "constant":
        i = data.draw(st.integers(0, len(parts["atoms"]) - 1))
        template, constant = parts["atoms"][i]
        changed["atoms"][i] = (template, (constant + data.draw(st.integers(1, 9))) % 10)
    else:
        i = data.draw(st.integers(0, len(parts["binders"]) - 1))
        kind, name, ty = parts["binders"][i]
        if what == "type":
            ty = data.draw(st.sampled_from([t for t in SPELLED_TYPES if t != ty]))
        else:
            kind = data.draw(st.sampled_from([k for k in KINDS if k != kind]))
        changed["binders"][i] = (kind, name, ty)
    one, other = spell(data.draw, parts), spell(data.draw, changed)
    assert statement_key(one) != statement_key(other), (one, other)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        (
            "theorem t (x y : Nat) : x <= y -> y >= x := by",
            "theorem t (x : ℕ) (y : ℕ) : x ≤ y → y ≥ x",
        ),
        (
            "theorem t {a b : ℝ} (h : a ≠ b) : True",
            "theorem t {a : Real} {b : Real} (h : a != b) : True",
        ),
        (
            "theorem t : forall n : Nat, exists m : Int, m = n",
            "theorem t : ∀ n : ℕ, ∃ m : ℤ, m = n",
        ),
        (
            "theorem t (p q : Prop) : p /\\ q \\/ ~p <-> q",
            "theorem t (p q : Prop) : p ∧ q ∨ ¬p ↔ q",
        ),
        ("theorem t (f : Rat → Complex) : f = λ x ↦ 0", "theorem t (f : ℚ → ℂ) : f = fun x => 0"),
        (
            "theorem t (n : ℕ) : ∑ k in Finset.range n, k = 0",
            "theorem t (n : ℕ) : ∑ k ∈ Finset.range n, k = 0",
        ),
        (
            "theorem t (s : Finset ℕ) : ∏ i in s, ∑ j in s, i * j = 1",
            "theorem t (s : Finset ℕ) : ∏ i ∈ s, ∑ j ∈ s, i * j = 1",
        ),
        ("theorem t : ∀ (x y : ℕ), x = y", "theorem t : ∀ (x : ℕ) (y : ℕ), x = y"),
        ("theorem t : ∃ (x y : ℕ), x = y", "theorem t : exists (x : Nat) (y : ℕ), x = y"),
        ("theorem t : (fun (x y : ℕ) => x) = f", "theorem t : (λ (x : ℕ) (y : ℕ) ↦ x) = f"),
        (
            # Merging inside the types makes the outer groups mergeable.
            "theorem t (f g : ∀ (a : ℕ) (b : ℕ), a = b) : True",
            "theorem t (f : ∀ (a b : ℕ), a = b) (g : ∀ (a : Nat) (b : ℕ), a = b) : True",
        ),
    ],
)
def test_known_respellings_match(written: str, canonical: str) -> None:
    assert statement_key(written) == statement_key(canonical)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("theorem t : ∀ x y : ℕ, x = y := by", "theorem t : ∀ (x y : ℕ), x = y := by"),
        ("theorem t : ∀ a, ∀ b, a = b := by", "theorem t : ∀ a b, a = b := by"),
        ("theorem t : ∃ a : ℕ, ∃ b : ℕ, a = b := by", "theorem t : ∃ a b : ℕ, a = b := by"),
        (
            "theorem t : (fun x : ℕ => fun y : ℕ => x) = f := by",
            "theorem t : (λ (x y : ℕ) ↦ x) = f",
        ),
        (
            "theorem t (x y : ℤ) : x<=-y ∧ y>=-x := by",
            "theorem t (x y : ℤ) : x ≤ -y ∧ y ≥ -x := by",
        ),
        ("theorem t (x : ℤ) : (x) + (2) = ((x)) := by", "theorem t (x : ℤ) : x + 2 = x := by"),
        ("theorem t (h : (1 = 2)) : (3 ≤ 4) := by", "theorem t (h : 1 = 2) : 3 ≤ 4 := by"),
        ("theorem t (f : (ℕ → ℕ)) : f (0) = 0 := by", "theorem t (f : ℕ → ℕ) : f 0 = 0 := by"),
        ("theorem t (n : ℕ) : (n)! = 1 := by", "theorem t (n : ℕ) : n ! = 1 := by"),
        ("theorem t : ∀ x : (ℕ), (x) = x := by", "theorem t : ∀ (x : ℕ), x = x := by"),
    ],
)
def test_binder_forms_glued_minus_and_parentheses_match(written: str, canonical: str) -> None:
    assert statement_key(written) == statement_key(canonical)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # ``∀ x y > 0`` bounds both: not the nested form bounding only ``y``.
        ("theorem t : ∀ x, ∀ y > 0, x = y := by", "theorem t : ∀ x y > 0, x = y := by"),
        ("theorem t : ∃ x, ∃! y, x = y := by", "theorem t : ∃ x y, x = y := by"),
        ("theorem t : ∀ x, ∃ y, x = y := by", "theorem t : ∀ x y, x = y := by"),
        # Field access on a parenthesised name is not the namespaced constant.
        ("theorem t : (Nat).succ 1 = 2 := by", "theorem t : Nat.succ 1 = 2 := by"),
        # ``n!`` is one identifier; ``n !`` is the factorial.
        ("theorem t (n : ℕ) : n! = 1 := by", "theorem t (n : ℕ) : n ! = 1 := by"),
        # A tuple, a pattern and grouping parentheses carry meaning.
        (
            "theorem t (p : ℕ × ℕ) (h : p = (1, 2)) : True",
            "theorem t (p : ℕ × ℕ) (h : p = 1, 2) : True",
        ),
        ("theorem t : {(x) | p x} = s := by", "theorem t : {x | p x} = s := by"),
        ("theorem t : (a + b) * c = d := by", "theorem t : a + b * c = d := by"),
        ("theorem t (x : (a : ℕ)) : True := by", "theorem t (x : a : ℕ) : True := by"),
        # A binder type holding binder notation is left bracketed as written.
        ("theorem t : ∀ h : ∑ i ∈ s, i = 0, p := by", "theorem t : ∀ (h : ∑ i ∈ s, i) = 0, p"),
    ],
)
def test_spellings_that_mean_something_else_keep_their_keys_apart(one: str, other: str) -> None:
    assert statement_key(one) != statement_key(other)


@pytest.mark.parametrize(
    "text",
    [
        "theorem t (n : ℕ) : Nat.succ n = n.succ ∧ Real.sqrt 4 = 2 := by",
        "theorem t (x : S) : x.Nat = x.Real := by",
        "theorem t (Natural Nat' Real₁ : ℕ) : Natural = Nat' := by",
        'theorem t : "Nat -> Int <= λ" = s := by',
        "theorem t : True := by -- Nat -> Int /\\ forall\n  /- λ ↦ ~p -/ trivial",
        "theorem t («Nat» : ℕ) : «Nat» = 0 := by",
        "theorem t (l m : List ℕ) (h : l ~ m) : ~~~x = y := by",
        "theorem t : (x >>= f) = (f <=< g) x ∧ (a <- b) ∧ x<-y := by",
        "theorem t : ∃! x : ℕ, x = 0 := by",
    ],
)
def test_canonical_spelling_leaves_other_tokens_alone(text: str) -> None:
    assert canonical_spelling(text) == text


@pytest.mark.parametrize(
    "key",
    [
        "theorem(a:ℝ){b:ℝ}:a=b",  # different kinds
        "theorem(a:ℕ)(b:ℤ):a=b",  # different types
        "theorem[a:C][b:C]:a=b",  # instance binders hold one name
        "theorem(x:ℕ)(h:x=0)(y:ℕ):x=y",  # not adjacent
        "theorem(x)(y):x=y",  # no type written
        "theorem(f:ℕ→ℕ)(x:ℕ):(f:ℤ)(x:ℤ)=0",  # ascriptions in the conclusion
        "theorem:∃!(x:ℕ)(y:ℕ),x=y",  # ``∃!`` is left alone
        "theorem(x:ℕ)(«y z»:ℕ):x=0",  # quoted names are not plain names
    ],
)
def test_binder_groups_that_must_not_merge(key: str) -> None:
    assert merge_binder_groups(key) == key


def test_binder_groups_merge_into_one() -> None:
    assert (
        merge_binder_groups("theorem(x:ℕ)(y:ℕ)(z:ℕ){a:ℝ}{b:ℝ}:x=y") == "theorem(x y z:ℕ){a b:ℝ}:x=y"
    )
    assert (
        merge_binder_groups("theorem:∀(x:ℕ)(y:ℕ),fun(a:ℤ)(b:ℤ)=>x")
        == "theorem:∀(x y:ℕ),fun(a b:ℤ)=>x"
    )


def test_binder_kind_and_type_still_distinguish_statements() -> None:
    merged = statement_key("theorem t (a b : ℝ) : a = b := by")
    assert statement_key("theorem t (a : ℝ) {b : ℝ} : a = b := by") != merged
    assert statement_key("theorem t {a b : ℝ} : a = b := by") != merged
    assert statement_key("theorem t (a : ℝ) (b : ℚ) : a = b := by") != merged
    assert statement_key("theorem t (a : Real) (b : Real) : a = b := by") == merged


def test_minif2f_keys_survive_ascii_spelling_and_split_binders(
    minif2f: list[dict[str, Any]],
) -> None:
    changed = 0
    for row in minif2f:
        respelled = split_binder_groups(ascii_spelling(row["theorem"]))
        changed += respelled != row["theorem"]
        key = statement_key(row["formal_statement"])
        assert statement_key(row["header"] + respelled) == key, (row["name"], respelled)
    assert changed > 200


def test_planted_benchmark_statements_are_found_among_training_rows(
    minif2f: list[dict[str, Any]], train_sample: list[dict[str, Any]]
) -> None:
    reference = [Problem(r["name"], r["formal_statement"], "") for r in minif2f]
    planted = minif2f[::30]
    train = [Problem(r["name"], r["formal_statement"], "") for r in train_sample]
    for i, row in enumerate(planted):
        respelled = split_binder_groups(ascii_spelling(row["theorem"]))
        train.insert(i * 50, Problem(f"planted-{i}", disguise(row["name"], respelled), ""))
    kept, dropped = decontaminate(train, reference)
    assert [(c.train_id, c.reference_id) for c in dropped] == [
        (f"planted-{i}", row["name"]) for i, row in enumerate(planted)
    ]
    assert [p.id for p in kept] == [r["name"] for r in train_sample]


def _python_lines(text: str) -> int:
    """How many lines of Python computing the key of ``text`` runs (deterministic)."""
    lines = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal lines
        lines += event == "line"
        return tracer

    sys.settrace(tracer)
    try:
        statement_key(text)
    finally:
        sys.settrace(None)
    return lines


def _long_statement(n: int) -> str:
    binders = " ".join(f"(x{i} : Nat)" for i in range(n))
    nested = "".join(f"∀ y{i} : ℕ, " for i in range(n))
    total = " + ".join(f"(x{i})" for i in range(n))
    return f"theorem t {binders} : {nested}{total} = ∑ k in Finset.range 3, k<=-(k) := by"


def test_key_work_is_linear_in_statement_length() -> None:
    key = statement_key(_long_statement(1000))
    assert key.startswith("theorem(")
    assert key.count(":ℕ)") == 2
    small, large = _python_lines(_long_statement(500)), _python_lines(_long_statement(2000))
    # Four times the text: linear work grows about 4x, quadratic work 16x.
    assert large < 6 * small
