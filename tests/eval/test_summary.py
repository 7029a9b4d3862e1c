"""Summaries: categories from MiniF2F names, incomplete problems kept apart, the tables."""

from __future__ import annotations

import pytest

from kimina_prover_rl.eval import EvalProblem, category_of, render_markdown, summarize
from kimina_prover_rl.eval.passk import pass_at_k
from tests.eval._records import record


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("mathd_algebra_478", "mathd_algebra"),
        ("mathd_numbertheory_5", "mathd_numbertheory"),
        ("amc12a_2008_p25", "amc12"),
        ("amc12b_2002_p2", "amc12"),
        ("amc12_2000_p5", "amc12"),
        ("aime_1984_p1", "aime"),
        ("imo_1959_p1", "imo"),
        ("imosl_2007_algebra_p6", "imosl"),
        ("induction_12dvd4expnp1p20", "induction"),
        ("algebra_2rootsintpoly_am10tap11eqasqpa10", "algebra"),
        ("numbertheory_4x3m7y3neq2003", "numbertheory"),
        ("lean_workbook_10009", "other"),
        ("imomath", "other"),
    ],
)
def test_category_of(name: str, category: str) -> None:
    assert category_of(name) == category


def test_round_counts_and_incomplete_problems() -> None:
    problems = [EvalProblem(p, "", (), "minif2f") for p in ("aime_1", "imo_1", "imo_2")]
    solved = {"score": 1.0, "acc": 1.0, "status": "valid", "correction": None, "skip": "valid"}
    rows = [
        record("aime_1", 0, 1, **solved),
        record("aime_1", 1, 1),
        record("aime_1", 1, 2, **solved),
        record("aime_1", 2, 1, correction=None, skip="no_feedback", format_error="no_think"),
        record("imo_1", 0, 1),
        record("imo_1", 0, 2, correction=None, skip="turn_limit"),
        record("imo_1", 1, 1, generation_error="HTTP 500", status=None, response=""),
        record("imo_1", 2, 1),
        record("imo_2", 0, 1, finish_reason="length"),
        record("imo_2", 0, 2, correction=None),
        record("imo_2", 1, 1),
        record("imo_2", 1, 2, correction=None),
        record("imo_2", 2, 1),
    ]
    records = {r.key: r for r in rows}
    summary = summarize(problems, records, n=3, rounds=2, ks=[1, 3])
    one, two = summary["rounds"]
    assert one["pass_at_k"]["1"] == pytest.approx((pass_at_k(3, 1, 1) + 0) / 2)
    assert two["pass_at_k"]["1"] == pytest.approx(pass_at_k(3, 2, 1))
    assert two["pass_at_k_lower"]["3"] == pytest.approx(1 / 3)
    assert one["incomplete_problems"] == ["imo_1"]
    assert two["incomplete_problems"] == ["imo_1", "imo_2"]
    assert one["generation_errors"] == 1
    assert one["truncated"] == 1
    assert one["format_errors"] == {"no_think": 1}
    assert two["by_category"]["aime"] == {"problems": 1, "solved": 1, "incomplete": 0}
    text = render_markdown(summary)
    assert "| 2 | 66.67% | 100.00% | 1/3 | 2 |" in text
    assert "2 problems are incomplete" in text
