"""The axiom check names the main declaration exactly, whatever scopes the proof leaves open."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.lean._axiom_check import AXIOM_CHECK_NAME, plan_axiom_check, scope_namespace
from kimina_prover_rl.proof import parse_lean_code


def _plan(code: str) -> tuple[str, str, int] | None:
    check = plan_axiom_check(parse_lean_code(code))
    return None if check is None else (check.command, check.constant, check.line)


def test_a_top_level_theorem_is_printed_from_the_root() -> None:
    assert _plan("import Mathlib\n\ntheorem foo : True := trivial") == (
        "#print axioms _root_.foo",
        "foo",
        1,
    )


def test_an_example_is_redeclared_at_the_root_and_printed_on_the_last_line() -> None:
    command, constant, line = _plan("example : True := by\n  trivial") or ("", "", 0)
    assert command == (
        f"theorem _root_.{AXIOM_CHECK_NAME} : True := by\n  trivial\n\n"
        f"#print axioms _root_.{AXIOM_CHECK_NAME}"
    )
    assert (constant, line) == (AXIOM_CHECK_NAME, 4)


def test_no_declaration_no_check() -> None:
    assert _plan("#eval 1 + 1") is None


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
    plan = _plan(code)
    assert plan is not None
    assert plan[1] == constant
    assert plan[0] == f"#print axioms _root_.{constant}"


def test_a_namespace_after_the_main_theorem_does_not_change_its_name() -> None:
    code = "theorem t : True := by\n  trivial\nnamespace Foo\ntheorem helper : True := trivial"
    # the last theorem is the main one: here `helper`, inside Foo
    assert _plan(code) == ("#print axioms _root_.Foo.helper", "Foo.helper", 1)


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
