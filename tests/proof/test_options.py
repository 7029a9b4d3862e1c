"""options: the set_option allow-list, whatever the spelling of the option name."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.proof.integrity import scan_code
from kimina_prover_rl.proof.lean_code import mask_code
from kimina_prover_rl.proof.options import option_uses

_REFUSED = [
    "debug.skipKernelTC",
    "debug.byAsSorry",
    "warn.sorry",
    "pp.all",
    "pp.deepTerms",
    "trace.Meta.synthInstance",
    "autoImplicit",
    "internal.cmdlineSnapshots",
    "Elab.async",
    "backward.synthInstance.canonInstances",
]
_ALLOWED = [
    "maxHeartbeats",
    "maxRecDepth",
    "maxSynthPendingDepth",
    "synthInstance.maxHeartbeats",
    "synthInstance.maxSize",
    "linter.unusedVariables",
    "tactic.hygienic",
]


@st.composite
def _spelling(draw: st.DrawFn, option: str) -> str:
    """``set_option`` and ``option`` as Lean reads it: any component may be «quoted»,
    any gap before the name (none at all when the name opens with a guillemet)."""
    parts = [f"«{c}»" if draw(st.booleans()) else c for c in option.split(".")]
    gaps = [" ", "  ", "\n  ", " /- note -/ ", "\t"]
    gap = draw(st.sampled_from(["", *gaps] if parts[0].startswith("«") else gaps))
    value = draw(st.sampled_from([" true", " false", " 0", " 400000"]))
    tail = draw(st.sampled_from(["", " in\ntheorem t : True := trivial"]))
    return f"set_option{gap}{'.'.join(parts)}{value}{tail}"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_REFUSED).flatmap(lambda o: st.tuples(st.just(o), _spelling(o))))
def test_refused_options_are_found_whatever_the_spelling(case: tuple[str, str]) -> None:
    option, code = case
    uses = list(option_uses(mask_code(code, keep_names=True)))
    assert [use.name for use in uses] == [option]
    assert option in uses[0].reason
    assert "allowed:" in uses[0].reason
    scan = scan_code(code, len(code))
    assert scan.forbidden is not None
    assert option in scan.forbidden.describe()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_ALLOWED).flatmap(_spelling))
def test_allowed_options_pass_whatever_the_spelling(code: str) -> None:
    assert list(option_uses(mask_code(code, keep_names=True))) == []


@pytest.mark.parametrize(
    "code",
    [
        "set_option«debug».skipKernelTC true",
        "set_option debug.«skipKernelTC» true in",
        "set_option «warn».sorry false",
        "example : 0 = 1 := by\n  set_option debug.skipKernelTC true in decide",
        "theorem t : True := set_option pp.all true in trivial",
    ],
)
def test_the_issue_spellings_are_refused(code: str) -> None:
    assert list(option_uses(mask_code(code, keep_names=True)))


def test_options_in_comments_and_strings_do_not_count() -> None:
    code = '-- set_option debug.skipKernelTC true\ndef s := "set_option warn.sorry false"'
    assert list(option_uses(mask_code(code, keep_names=True))) == []


def test_a_set_option_without_a_name_is_refused() -> None:
    uses = list(option_uses(mask_code("set_option 3 in", keep_names=True)))
    assert uses
    assert "option name" in uses[0].reason
