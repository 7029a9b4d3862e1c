"""The check after a proof covers every declaration, each named exactly, on its own line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.lean._axiom_check import (
    AXIOM_CHECK_NAME,
    STATEMENT_OPTIONS,
    AxiomReport,
    CheckPlan,
    plan_checks,
    scope_namespace,
)


def _constants(code: str, **options: object) -> list[str]:
    plan = plan_checks(code, **options)  # type: ignore[arg-type]
    return [] if plan is None else [r.constant for r in plan.reports]


def _line(plan: CheckPlan, line: int) -> str:
    return plan.text.split("\n")[line - 1]


def test_a_top_level_theorem_is_printed_from_the_root() -> None:
    plan = plan_checks("import Mathlib\n\ntheorem foo : True := trivial")
    assert plan is not None
    assert plan.text == "#print axioms _root_.foo"
    assert plan.reports == (AxiomReport(1, "foo", "foo"),)


def test_every_declaration_before_and_after_the_graded_theorem_is_printed() -> None:
    code = (
        "import Mathlib\n\n@[simp] lemma helper (n : ℕ) : n + 0 = n := by simp\n"
        "def f (n : ℕ) : ℕ := n\nnoncomputable abbrev g : ℕ := 0\n"
        "theorem main : True := trivial\n\ntheorem decoy : True := trivial\n"
        "instance instFoo : Inhabited ℕ := ⟨0⟩\n"
    )
    plan = plan_checks(code, theorem_name="main")
    assert plan is not None
    assert [r.constant for r in plan.reports] == ["helper", "f", "g", "main", "decoy", "instFoo"]
    assert [r.graded for r in plan.reports] == [False, False, False, True, False, False]
    for report in plan.reports:
        assert _line(plan, report.line) == f"#print axioms _root_.{report.constant}"


def test_without_a_name_the_same_declarations_are_checked() -> None:
    code = "theorem a : True := trivial\ntheorem b : True := trivial"
    assert _constants(code) == ["a", "b"]
    assert _constants(code, theorem_name="a") == ["a", "b"]


def test_a_graded_theorem_the_code_does_not_declare_is_still_checked() -> None:
    plan = plan_checks("theorem other : True := trivial", theorem_name="main")
    assert plan is not None
    assert [(r.constant, r.graded) for r in plan.reports] == [("other", False), ("main", True)]


def test_each_example_is_redeclared_at_the_root_and_printed_after_it() -> None:
    code = (
        "example : True := by\n  trivial -- done\n\n"
        "theorem t : True := trivial\nexample : 1 = 1 := rfl"
    )
    plan = plan_checks(code)
    assert plan is not None
    assert plan.redeclares
    first, second = f"{AXIOM_CHECK_NAME}_1", f"{AXIOM_CHECK_NAME}_2"
    assert plan.text == (
        f"theorem _root_.{first} : True := by\n  trivial\n#print axioms _root_.{first}\n"
        f"#print axioms _root_.t\n"
        f"theorem _root_.{second} : 1 = 1 := rfl\n#print axioms _root_.{second}"
    )
    assert [(r.line, r.constant) for r in plan.reports] == [(3, first), (4, "t"), (6, second)]


def test_an_example_ends_where_the_next_command_starts() -> None:
    code = "example : True := trivial\n\n/-- doc -/\n@[simp]\nlemma h : True := trivial"
    plan = plan_checks(code)
    assert plan is not None
    assert plan.text.startswith(f"theorem _root_.{AXIOM_CHECK_NAME}_1 : True := trivial\n#print")


@pytest.mark.parametrize(
    "code",
    [
        "#eval 1 + 1",
        "instance : Inhabited ℕ := ⟨0⟩",
        "attribute [local instance] foo",
        "deriving instance Repr for Foo",
        "-- theorem t : True := trivial",
        'def_s := "theorem t"',
    ],
)
def test_nothing_to_name_nothing_to_check(code: str) -> None:
    assert plan_checks(code) is None


def test_the_statement_probe_sets_every_option_on_its_own_line() -> None:
    plan = plan_checks("theorem t : True := trivial", theorem_name="t", check_statement=True)
    assert plan is not None
    assert plan.statement is not None
    line = _line(plan, plan.statement.line)
    assert line == plan.statement.command
    assert line.endswith("#check @_root_.t")
    assert all(f"set_option {option} in " in line for option in STATEMENT_OPTIONS)


def test_the_check_starts_on_a_fresh_line_after_the_code() -> None:
    plan = plan_checks("theorem t : True := trivial")
    assert plan is not None
    for code in ("theorem t : True := trivial", "theorem t : True := trivial -- x\n"):
        text, first = plan.appended_to(code, blank_lines=2)
        lines = text.split("\n")
        assert lines[first - 1] == "#print axioms _root_.t"
        assert lines[first - 3 : first - 1] == ["", ""]
        assert first > code.count("\n") + 1


@pytest.mark.parametrize(
    ("code", "constant"),
    [
        ("namespace Foo\ntheorem t : True := trivial", "Foo.t"),
        ("namespace Foo.Bar\ntheorem t : True := trivial", "Foo.Bar.t"),
        ("namespace Foo\nend Foo\ntheorem t : True := trivial", "t"),
        ("namespace A.B\nend A.B\nnamespace C\ntheorem t : True := trivial", "C.t"),
        ("namespace A\nsection\nend\ntheorem t : True := trivial", "A.t"),
        ("namespace A\nnoncomputable section\ntheorem t : True := trivial", "A.t"),
        ("namespace A\ntheorem _root_.t : True := trivial", "t"),
        ("namespace A\ntheorem B.t : True := trivial", "A.B.t"),
        ("-- namespace A\n/- namespace B -/\ntheorem t : True := trivial", "t"),
        ('def s := "namespace A"\ntheorem t : True := trivial', "t"),
        ("namespace «a b».C\ntheorem t : True := trivial", "«a b».C.t"),
        (
            "namespace A\nmutual\ntheorem x : True := trivial\nend\ntheorem t : True := trivial",
            "A.t",
        ),
    ],
)
def test_the_constant_is_fully_qualified_by_the_open_namespaces(code: str, constant: str) -> None:
    assert _constants(code)[-1] == constant


def test_a_namespace_after_a_theorem_does_not_change_its_name() -> None:
    code = "theorem t : True := by\n  trivial\nnamespace Foo\ntheorem helper : True := trivial"
    assert _constants(code) == ["t", "Foo.helper"]


_PART = st.from_regex(r"[A-Z][a-z]{0,3}", fullmatch=True)


@given(st.lists(st.lists(_PART, min_size=1, max_size=3), max_size=4), st.integers(0, 4))
def test_ends_close_what_namespaces_opened(opened: list[list[str]], closed: int) -> None:
    code = "".join(f"namespace {'.'.join(parts)}\n" for parts in opened)
    closed = min(closed, len(opened))
    code += "".join(
        f"end {'.'.join(parts)}\n" for parts in reversed(opened[len(opened) - closed :])
    )
    expected = ".".join(p for parts in opened[: len(opened) - closed] for p in parts)
    assert scope_namespace(code) == expected


_KINDS = st.sampled_from(
    ["theorem", "lemma", "@[simp] lemma", "private theorem", "def", "noncomputable def", "abbrev"]
)
_SEPARATORS = st.sampled_from(
    ["\n", "\n\n", "\n-- theorem fake : True := trivial\n", "\n/- def x -/\n"]
)
_NAMES = st.from_regex(r"h[a-z0-9_']{0,6}", fullmatch=True)


@given(
    st.lists(st.tuples(_KINDS, _NAMES, _SEPARATORS), max_size=4, unique_by=lambda t: t[1]),
    st.integers(0, 4),
    st.booleans(),
)
def test_every_declaration_is_reported_wherever_it_is_placed(
    helpers: list[tuple[str, str, str]], graded_at: int, named: bool
) -> None:
    parts = [f"{kind} {name} : True := trivial{sep}" for kind, name, sep in helpers]
    parts.insert(min(graded_at, len(parts)), "theorem main (x : ℕ) : x = x := rfl\n")
    plan = plan_checks(
        "import Mathlib\n\n" + "".join(parts), theorem_name="main" if named else None
    )
    assert plan is not None
    assert sorted(r.constant for r in plan.reports) == sorted(
        [name for _, name, _ in helpers] + ["main"]
    )
    assert [r.constant for r in plan.reports if r.graded] == (["main"] if named else [])
    lines = plan.text.split("\n")
    assert all(lines[r.line - 1] == f"#print axioms _root_.{r.constant}" for r in plan.reports)


@given(
    st.lists(st.sampled_from(["Aux", "Aux.Inner", "«My Aux»"]), min_size=1, max_size=3),
    st.booleans(),
)
def test_namespaced_helpers_and_a_quoted_graded_theorem_print_their_root_names(
    namespaces: list[str], quoted: bool
) -> None:
    # Helpers in namespaces closed before the theorem; the theorem, maybe as `«t»`, at the root.
    blocks = [
        f"namespace {ns}\n\nlemma helper{i} : True := trivial\n\nend {ns}"
        for i, ns in enumerate(namespaces)
    ]
    name = "«t»" if quoted else "t"
    code = "\n\n".join([*blocks, f"theorem {name} : True := trivial"])
    plan = plan_checks(code, theorem_name="t")
    assert plan is not None
    lines = plan.text.split("\n")
    for i, ns in enumerate(namespaces):
        assert f"#print axioms _root_.{ns}.helper{i}" in lines
    graded = [r for r in plan.reports if r.graded]
    assert len(graded) == 1
    assert lines[graded[0].line - 1] == f"#print axioms _root_.{name}"
    assert len(plan.reports) == len(namespaces) + 1
