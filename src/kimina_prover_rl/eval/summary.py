"""From sample records to the numbers a paper reports: pass@k per round, with breakdowns.

A sample is *solved by round r* when one of its answers in rounds ``1..r`` scored 1. Its
state is *unknown* when a backend failed before that was decided (a generation error, an
infrastructure verdict, or a round not run yet). A problem with an unknown sample is
*incomplete*: pass@k is averaged over complete problems only, and incomplete problems
are listed; ``pass_at_k_lower`` counts them as unsolved over all problems instead, a
lower bound. Nothing a backend broke is ever silently counted as the model's failure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kimina_prover_rl.eval.passk import mean_pass_at_k
from kimina_prover_rl.eval.run import EvalProblem
from kimina_prover_rl.eval.store import SampleKey, SampleRecord

__all__ = ["category_of", "render_markdown", "summarize"]

_CATEGORY = re.compile(
    r"(mathd_[a-z]+|amc\d*|aime|imosl|imo|induction|algebra|numbertheory)[ab]?(?=_|$)"
)


def category_of(problem_id: str) -> str:
    """The MiniF2F category a problem's name carries (``amc12a_2008_p8`` -> ``amc12``).

    ``mathd_algebra``, ``mathd_numbertheory``, ``amc12``, ``aime``, ``imo``, ``imosl``,
    ``induction``, ``algebra``, ``numbertheory``; any other name is ``other``.
    """
    m = _CATEGORY.match(problem_id)
    return m.group(1) if m is not None else "other"


class _State(Enum):
    SOLVED = "solved"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One problem after round ``r``: samples solved and samples still unknown."""

    solved: int
    unknown: int


def _sample_state(
    records: Mapping[SampleKey, SampleRecord], problem_id: str, sample: int, rounds: int
) -> _State:
    for r in range(1, rounds + 1):
        record = records.get((problem_id, sample, r))
        if record is None:
            previous = records.get((problem_id, sample, r - 1))
            # After round 1 a missing turn is fine when the chain ended on purpose.
            if previous is not None and previous.correction is None:
                return _State.FAILED
            return _State.UNKNOWN
        if record.unknown:
            return _State.UNKNOWN
        if record.solved:
            return _State.SOLVED
    return _State.FAILED


def summarize(
    problems: Sequence[EvalProblem],
    records: Mapping[SampleKey, SampleRecord],
    *,
    n: int,
    rounds: int,
    ks: Sequence[int],
) -> dict[str, Any]:
    """The summary as JSON-ready data (see the module docstring for the definitions)."""
    per_round = []
    for r in range(1, rounds + 1):
        outcomes = {
            p.id: _outcome([_sample_state(records, p.id, i, r) for i in range(n)]) for p in problems
        }
        per_round.append(_round_summary(problems, records, outcomes, n=n, round_=r, ks=ks))
    return {"problems": len(problems), "n": n, "ks": list(ks), "rounds": per_round}


def _outcome(states: Sequence[_State]) -> _Outcome:
    return _Outcome(
        solved=sum(s is _State.SOLVED for s in states),
        unknown=sum(s is _State.UNKNOWN for s in states),
    )


def _round_summary(
    problems: Sequence[EvalProblem],
    records: Mapping[SampleKey, SampleRecord],
    outcomes: Mapping[str, _Outcome],
    *,
    n: int,
    round_: int,
    ks: Sequence[int],
) -> dict[str, Any]:
    complete = [o for o in outcomes.values() if o.unknown == 0]
    solved = [p for p in problems if outcomes[p.id].solved > 0]
    answers = [rec for rec in records.values() if rec.round == round_]
    judged = [rec for rec in answers if rec.generation_error is None]
    return {
        "round": round_,
        "pass_at_k": {str(k): mean_pass_at_k(((n, o.solved) for o in complete), k) for k in ks},
        "pass_at_k_curve": [
            mean_pass_at_k(((n, o.solved) for o in complete), k) for k in range(1, n + 1)
        ],
        "pass_at_k_lower": {
            str(k): mean_pass_at_k(((n, o.solved) for o in outcomes.values()), k) for k in ks
        },
        "complete_problems": len(complete),
        "incomplete_problems": sorted(pid for pid, o in outcomes.items() if o.unknown),
        "solved_problems": len(solved),
        "by_category": _breakdown(problems, outcomes, lambda p: category_of(p.id)),
        "by_source": _breakdown(problems, outcomes, lambda p: p.source),
        "answers": len(answers),
        "first_backend_failure": next((r.detail for r in answers if r.unknown), None),
        "generation_errors": len(answers) - len(judged),
        "infra_failures": sum(rec.infra_failure for rec in judged),
        "truncated": sum(rec.finish_reason == "length" for rec in judged),
        "format_errors": dict(
            Counter(r.format_error for r in judged if r.format_error).most_common()
        ),
        "statuses": dict(Counter(r.status or "not_verified" for r in judged).most_common()),
        "mean_answer_chars": sum(len(r.response) for r in judged) / len(judged) if judged else None,
    }


def _breakdown(
    problems: Sequence[EvalProblem], outcomes: Mapping[str, _Outcome], key: Any
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[EvalProblem]] = {}
    for p in problems:
        groups.setdefault(key(p), []).append(p)
    return {
        name: {
            "problems": len(members),
            "solved": sum(outcomes[p.id].solved > 0 for p in members),
            "incomplete": sum(outcomes[p.id].unknown > 0 for p in members),
        }
        for name, members in sorted(groups.items())
    }


def render_markdown(summary: Mapping[str, Any]) -> str:
    """``summary.md``: what was run, pass@k per round, breakdowns and failure counts."""
    meta = summary.get("metadata", {})
    rounds = summary["rounds"]
    ks = summary["ks"]
    lines = ["# Evaluation", ""]
    for label, value in (
        ("model", meta.get("generator", {}).get("model")),
        ("dataset", meta.get("dataset", {}).get("spec")),
        ("verifier", meta.get("lean_version")),
        ("samples per problem", summary["n"]),
    ):
        if value is not None:
            lines.append(f"- {label}: `{value}`")
    if meta.get("simulated_lean"):
        lines.append(
            "- **Lean was SIMULATED (stand-in REPL): no verdict here was checked by Lean**"
        )
    contamination = summary.get("contamination")
    if contamination is not None:
        lines.append(
            f"- contamination: {contamination['contaminated']} of {summary['problems']} problems "
            f"are in the training set `{contamination['train_set']}`"
        )
    lines += ["", "## pass@k", ""]
    lines.append("| round | " + " | ".join(f"pass@{k}" for k in ks) + " | solved | incomplete |")
    lines.append("|---" * (len(ks) + 3) + "|")
    for r in rounds:
        cells = [_percent(r["pass_at_k"][str(k)]) for k in ks]
        lines.append(
            f"| {r['round']} | " + " | ".join(cells) + f" | {r['solved_problems']}/"
            f"{summary['problems']} | {len(r['incomplete_problems'])} |"
        )
    last = rounds[-1]
    if last["incomplete_problems"]:
        lines += [
            "",
            f"{len(last['incomplete_problems'])} problems are incomplete (a backend failed; "
            "rerun the same command to retry them), so pass@k above is over "
            f"{last['complete_problems']} problems; counted as unsolved: "
            + ", ".join(f"pass@{k} {_percent(last['pass_at_k_lower'][str(k)])}" for k in ks)
            + ".",
        ]
    for title, field in (("category", "by_category"), ("source", "by_source")):
        lines += ["", f"## Solved problems by {title} (last round)", ""]
        lines += [f"| {title} | solved | problems | incomplete |", "|---|---|---|---|"]
        for name, row in last[field].items():
            lines.append(f"| {name} | {row['solved']} | {row['problems']} | {row['incomplete']} |")
    lines += ["", "## Answers per round", ""]
    lines.append(
        "| round | answers | mean chars | truncated | generation errors | infra failures |"
        " format errors | verdicts |"
    )
    lines.append("|---" * 8 + "|")
    for r in rounds:
        mean = "-" if r["mean_answer_chars"] is None else f"{r['mean_answer_chars']:.0f}"
        lines.append(
            f"| {r['round']} | {r['answers']} | {mean} | {r['truncated']} | "
            f"{r['generation_errors']} | {r['infra_failures']} | {_counts(r['format_errors'])} | "
            f"{_counts(r['statuses'])} |"
        )
    return "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in counts.items()) or "-"
