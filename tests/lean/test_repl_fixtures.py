"""Real Lean's answers, recorded by the leanprover-community/repl tests, read by our code.

Every ``*.expected.out`` in ``fixtures/repl`` (Lean v4.33.0-rc2; see its README) is framed
with :class:`ResponseFramer`, typed with :func:`parse_response`, and judged by
:func:`judge`: so a change in how this project reads REPL output is checked against what
real Lean printed, not only against the stand-in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.lean import CommandResponse, ErrorResponse, LeanMessage, VerdictStatus
from kimina_prover_rl.lean.outcome import Judgement, has_error, judge, uses_sorry
from kimina_prover_rl.lean.protocol import ResponseFramer, parse_response

FIXTURES = Path(__file__).parent / "fixtures" / "repl"
RECORDED = sorted(FIXTURES.rglob("*.expected.out"))
_SORRY_WORDS = re.compile(r"declaration (?:`[^`]+` )?uses [`']sorry[`']")


def _answers(path: Path) -> list[dict[str, Any]]:
    return ResponseFramer().feed(path.read_bytes() + b"\n\n")


def _requests(path: Path) -> list[str]:
    """The raw request blocks of the ``.in`` beside ``path`` (some hold raw line breaks)."""
    text = path.with_name(path.name.replace(".expected.out", ".in")).read_text(encoding="utf-8")
    return [block for block in re.split(r"\n\s*\n", text) if block.strip()]


def _status(answer: Mapping[str, Any]) -> Judgement:
    return judge(answer, plan=None, check_messages=None, first_line=0, allow_native_decide=False)


def test_every_recorded_file_is_here_and_named_in_the_readme() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    assert len(RECORDED) == 71
    assert "8948401ab4924499421c94b7facdfca5ff27d81d" in readme
    for path in RECORDED:
        assert path.with_name(path.name.replace(".expected.out", ".in")).is_file()


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_each_recorded_answer_is_framed_typed_and_judged(path: Path) -> None:
    answers = _answers(path)
    assert len(answers) == len(_requests(path)), "one answer per request"
    for answer in answers:
        typed = parse_response(answer)
        if isinstance(typed, ErrorResponse):
            assert typed.message
            continue
        assert isinstance(typed, CommandResponse)
        raw = answer.get("messages", [])
        assert [m.to_repl() for m in typed.messages] == [
            {k: v for k, v in m.items() if k in ("severity", "data", "pos", "endPos")} for m in raw
        ]
        # tactic-mode answers put messages at line 0
        assert all(isinstance(m, LeanMessage) and m.line is not None for m in typed.messages)
        status = _status(answer).status
        errors = any(m["severity"] == "error" for m in raw)
        warned = any(_SORRY_WORDS.fullmatch(m["data"]) for m in raw)
        if errors:
            assert status is VerdictStatus.LEAN_ERROR
        elif answer.get("sorries") or warned:
            assert status is VerdictStatus.SORRY
        else:
            assert status is VerdictStatus.VALID


def _all_messages() -> list[dict[str, Any]]:
    return [m for path in RECORDED for a in _answers(path) for m in a.get("messages", [])]


def test_lean_433_words_the_sorry_warning_with_backquotes_and_we_read_it() -> None:
    warnings = [m for m in _all_messages() if "uses" in m["data"] and "sorry" in m["data"]]
    assert len(warnings) >= 40
    assert {m["data"] for m in warnings} == {"declaration uses `sorry`"}
    assert all(m["severity"] == "warning" for m in warnings)
    assert all(uses_sorry({"messages": [m]}) for m in warnings)


def test_a_sorry_in_a_command_that_also_fails_is_an_error_not_a_sorry() -> None:
    answers = _answers(FIXTURES / "no_goal_sorry.expected.out")
    assert has_error(answers[0])
    assert uses_sorry(answers[0]) is False
    assert _status(answers[0]).status is VerdictStatus.LEAN_ERROR


def test_the_statuses_of_a_few_recorded_commands() -> None:
    """Anchors: what Lean said about these commands, read by hand from the recordings."""
    expected = {
        "have_by_sorry": VerdictStatus.SORRY,
        "dup_sorries": VerdictStatus.SORRY,
        "invalid_tactic": VerdictStatus.SORRY,  # the command; the tactic after it fails
        "no_goal_sorry": VerdictStatus.LEAN_ERROR,
        "all_tactics": VerdictStatus.VALID,
        "dup_msg": VerdictStatus.LEAN_ERROR,
    }
    for name, status in expected.items():
        answers = _answers(FIXTURES / f"{name}.expected.out")
        statuses = [_status(a).status for a in answers if "env" in a]
        assert status in statuses, (name, statuses, json.dumps(answers)[:300])
