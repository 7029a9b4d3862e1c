"""pass@k: the unbiased estimator equals brute-force enumeration of every k-subset."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.eval import mean_pass_at_k, parse_ks, pass_at_k


def _enumerated(n: int, c: int, k: int) -> Fraction:
    """The share of k-subsets of n samples (the first c correct) holding a correct one."""
    subsets = list(itertools.combinations(range(n), k))
    return Fraction(sum(any(i < c for i in s) for s in subsets), len(subsets))


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, int, int]:
    n = draw(st.integers(1, 10))
    return n, draw(st.integers(0, n)), draw(st.integers(1, n))


@given(cases())
def test_estimator_equals_enumeration(case: tuple[int, int, int]) -> None:
    n, c, k = case
    assert pass_at_k(n, c, k) == pytest.approx(float(_enumerated(n, c, k)), abs=1e-12)


@given(st.lists(cases(), min_size=1, max_size=6))
def test_mean_is_the_average_over_problems(problems: list[tuple[int, int, int]]) -> None:
    k = min(n for n, _, _ in problems)
    expected = sum(_enumerated(n, c, k) for n, c, _ in problems) / len(problems)
    got = mean_pass_at_k(((n, c) for n, c, _ in problems), k)
    assert got == pytest.approx(float(expected), abs=1e-12)


def test_large_n_stays_exact_where_float_binomials_overflow() -> None:
    assert pass_at_k(2048, 1, 1024) == pytest.approx(0.5)
    assert pass_at_k(2048, 0, 1024) == 0.0
    assert pass_at_k(2048, 1025, 1024) == 1.0


def test_no_problems_has_no_mean() -> None:
    assert mean_pass_at_k([], 1) is None


@pytest.mark.parametrize(("n", "c", "k"), [(4, 5, 1), (4, -1, 1), (4, 2, 5), (4, 2, 0)])
def test_impossible_counts_are_refused(n: int, c: int, k: int) -> None:
    with pytest.raises(ConfigError):
        pass_at_k(n, c, k)


def test_parse_ks_sorts_and_checks_against_n() -> None:
    assert parse_ks("32, 1,8,8", 32) == (1, 8, 32)
    with pytest.raises(ConfigError, match="raise --n"):
        parse_ks("1,64", 32)
    with pytest.raises(ConfigError, match="not an integer"):
        parse_ks("1,x", 32)
    with pytest.raises(ConfigError, match="names no k"):
        parse_ks(" , ", 32)
