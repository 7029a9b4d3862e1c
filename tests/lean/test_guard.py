"""The verifier refuses forbidden constructs by itself, whoever calls it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.errors import InputError
from kimina_prover_rl.lean import VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.guard import ConstructGuard, refused_construct
from tests.lean._fake_verifier import fake_verifier

HEADER = "import Mathlib\n\n"
KERNEL_OFF = (
    f"{HEADER}set_option debug.skipKernelTC true\n\ntheorem t : (2 : Nat) + 2 = 5 := by\n  decide"
)
HONEST = f"{HEADER}theorem t (a b : ℕ) : a + b = b + a := by\n  omega"

FORBIDDEN = [
    ("set_option debug.skipKernelTC true", "set_option debug.skipKernelTC"),
    ("set_option«debug».skipKernelTC true", "set_option debug.skipKernelTC"),
    ("set_option debug.byAsSorry true", "set_option debug.byAsSorry"),
    ("#eval IO.println 1", "#eval"),
    ("axiom cheat : False", "axiom"),
    ('run_cmd Lean.logInfo "x"', "run_cmd"),
    ("#exit", "#exit"),
]


@pytest.mark.parametrize(("line", "construct"), FORBIDDEN)
async def test_each_forbidden_construct_is_rejected_by_name(line: str, construct: str) -> None:
    fake = fake_verifier()
    code = f"{HEADER}{line}\n\ntheorem t : True := trivial"
    (verdict,) = await ConstructGuard(fake).verify([VerifyRequest(code, id="x")])
    assert verdict.status is VerdictStatus.REJECTED
    assert verdict.id == "x"
    assert verdict.extra["refused_construct"] == construct
    assert verdict.extra["refused_line"] == 3
    assert f"`{construct}` at line 3" in verdict.detail
    assert "--trusted-code" in verdict.detail
    assert fake.requests == []


async def test_clean_proofs_pass_through_in_order_beside_refused_ones() -> None:
    fake = fake_verifier()
    requests = [
        VerifyRequest(HONEST, id="a"),
        VerifyRequest(KERNEL_OFF, id="b"),
        VerifyRequest(HONEST + " -- sorry", id="c"),
    ]
    verdicts = await ConstructGuard(fake).verify(requests)
    assert [(v.id, v.status) for v in verdicts] == [
        ("a", VerdictStatus.VALID),
        ("b", VerdictStatus.REJECTED),
        ("c", VerdictStatus.SORRY),
    ]
    assert [r.id for r in fake.requests] == ["a", "c"]


def test_comments_and_strings_never_count() -> None:
    code = f'{HEADER}-- set_option debug.skipKernelTC true\ntheorem t : "axiom" = "axiom" := rfl'
    assert refused_construct(VerifyRequest(code)) is None


def test_a_trailing_in_that_would_wrap_the_appended_check_is_refused() -> None:
    use = refused_construct(VerifyRequest(HONEST + "\nopen Nat in"))
    assert use is not None
    assert use.construct == "in"


def test_the_given_statement_is_exempt_from_lexing_hazards_only() -> None:
    statement = f'{HEADER}theorem t : "a{{b".length = 3 := by\n  sorry'
    code = f'{HEADER}theorem t : "a{{b".length = 3 := by\n  rfl\n'
    assert refused_construct(VerifyRequest(code + 'example : "a{b" = "a{b" := rfl')) is not None
    assert refused_construct(VerifyRequest(code, formal_statement=statement)) is None
    assert refused_construct(VerifyRequest(code)) is not None


_HONEST_LINES = st.sampled_from(
    [
        "theorem h1 (n : ℕ) : n + 0 = n := rfl",
        "lemma h2 : True := trivial",
        "-- a comment about axioms and #eval",
        '/-- doc: set_option debug.skipKernelTC true -/\ntheorem h3 : "x" = "x" := rfl',
        "set_option maxHeartbeats 400000 in\ntheorem h4 : 1 = 1 := rfl",
        "",
    ]
)


@given(
    before=st.lists(_HONEST_LINES, max_size=4),
    after=st.lists(_HONEST_LINES, max_size=4),
    bad=st.sampled_from(FORBIDDEN),
)
def test_a_forbidden_line_anywhere_among_honest_code_is_refused(
    before: list[str], after: list[str], bad: tuple[str, str]
) -> None:
    line, construct = bad
    parts = [*before, line, *after, "theorem t : True := trivial"]
    code = HEADER + "\n".join(parts)
    use = refused_construct(VerifyRequest(code))
    assert use is not None
    assert use.construct == construct
    assert refused_construct(VerifyRequest(HEADER + "\n".join([*before, *after]))) is None


def test_a_theorem_name_the_statement_does_not_declare_is_bad_input() -> None:
    statement = f"{HEADER}theorem t : True := by\n  sorry"
    with pytest.raises(
        InputError, match="theorem_name 'u' is not declared by the formal_statement"
    ):
        VerifyRequest(HONEST, theorem_name="u", formal_statement=statement)
    with pytest.raises(InputError, match="it declares t"):
        VerifyRequest(HONEST, theorem_name="example", formal_statement=statement)
    assert VerifyRequest(HONEST, theorem_name="t", formal_statement=statement).theorem_name == "t"
    assert VerifyRequest(HONEST, formal_statement=statement).theorem_name == "t"
    assert VerifyRequest(HONEST, theorem_name="u").theorem_name == "u"  # no statement to check
