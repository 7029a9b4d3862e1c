"""Feedback rendering on recorded Lean responses and on hostile input."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.proof import FeedbackConfig, FeedbackKind, render_feedback

_MARKED = re.compile(r"^> +(\d+) \| (.*)$", re.MULTILINE)


def _kind(row: dict[str, Any]) -> FeedbackKind:
    if "timeout" in row["error_kinds"]:
        return FeedbackKind.TIMEOUT
    if "success" in row["error_kinds"]:
        return FeedbackKind.VALID
    return FeedbackKind.LEAN_ERROR


def _offset(row: dict[str, Any]) -> int:
    """kimina-lean-server v1 reported lines relative to the body after the imports."""
    if not row["api"].startswith("kimina-lean-server v1"):
        return 0
    lines = row["code"].split("\n")
    return next(i for i, line in enumerate(lines) if not line.startswith("import "))


def _repl(row: dict[str, Any]) -> dict[str, Any]:
    """The bare REPL response of a row (unwrapping kimina-lean-server's envelope)."""
    response = row["response"]
    return response["response"] if "custom_id" in response else response


def _row(samples: list[dict[str, Any]], row_id: str) -> dict[str, Any]:
    return next(r for r in samples if r["id"] == row_id)


def test_every_recorded_error_is_shown_at_the_line_lean_meant(
    feedback_samples: list[dict[str, Any]],
) -> None:
    assert len(feedback_samples) == 22
    checked = 0
    for row in feedback_samples:
        if _kind(row) is not FeedbackKind.LEAN_ERROR:
            continue
        text = render_feedback(row["code"], row["response"], line_offset=_offset(row))
        errors = [m for m in _repl(row)["messages"] if m["severity"] == "error"]
        first = min(errors, key=lambda m: (m["pos"]["line"], m["pos"]["column"]))
        line = first["pos"]["line"] + _offset(row)
        marked = _MARKED.findall(text)
        assert marked, (row["id"], text)
        assert marked[0] == (str(line), row["code"].split("\n")[line - 1]), row["id"]
        assert f"at line {line}, column {first['pos']['column'] + 1}:" in text, row["id"]
        for message in errors[:3]:
            assert message["data"].strip() in text, (row["id"], message["data"])
        checked += 1
    assert checked == 18


def test_goal_shown_is_the_one_lean_printed(feedback_samples: list[dict[str, Any]]) -> None:
    row = _row(feedback_samples, "kimina-lean-server:demo_search_2")
    text = render_feedback(row["code"], row["response"], line_offset=_offset(row))
    assert "h₄ : 0 < b * c\na✝ :\n  (64 * c - a - b) * ((b + c) * (a + c) * (a + b)) >" in text
    assert "⊢ False failed" in text
    unsolved = _row(feedback_samples, "repl:H20231115_3:1")
    text = render_feedback(unsolved["code"], unsolved["response"])
    assert "case succ\nx : Nat\nhx : x + 1 > x\n⊢ x + 1 + 1 > x + 1" in text


def test_line_numbers_agree_whether_or_not_the_header_was_sent_apart(
    feedback_samples: list[dict[str, Any]],
) -> None:
    row = _row(feedback_samples, "kimina-lean-server:demo_search_2")
    body_relative = render_feedback(row["code"], row["response"], line_offset=2)
    assert _MARKED.findall(body_relative) == [("16", "  nlinarith [ha, hb, hc]")]
    file_relative = copy.deepcopy(_repl(row))
    for message in file_relative["messages"]:
        message["pos"]["line"] += 2
        message["endPos"]["line"] += 2
    assert render_feedback(row["code"], file_relative) == body_relative
    unshifted = render_feedback(row["code"], row["response"])
    assert _MARKED.findall(unshifted)[0][0] == "14"


def test_readme_example_marks_the_nlinarith_call(feedback_samples: list[dict[str, Any]]) -> None:
    row = _row(feedback_samples, "kimina-lean-server:README-v1-linarith")
    text = render_feedback(row["code"], row["response"], line_offset=2)
    assert _MARKED.findall(text)[0] == ("10", row["code"].split("\n")[9])
    assert row["code"].split("\n")[9].startswith("nlinarith")


def test_errors_are_capped_and_sorted_in_source_order(
    feedback_samples: list[dict[str, Any]],
) -> None:
    row = _row(feedback_samples, "repl:incomplete:1")
    text = render_feedback(row["code"], row["response"])
    assert text.index("case neg") < text.index("case pos")
    one = render_feedback(row["code"], row["response"], config=FeedbackConfig(max_errors=1))
    assert one.startswith("Lean reported 2 errors; the first 1 (in source order) are shown.")
    assert "case neg" in one
    assert "case pos" not in one
    code = "\n".join(f"  tactic_{i}" for i in range(10))
    response = {
        "messages": [
            {"severity": "error", "pos": {"line": i + 1, "column": 2}, "data": f"failure {i}"}
            for i in reversed(range(10))
        ]
    }
    text = render_feedback(code, response)
    assert [m.group(1) for m in re.finditer(r"failure (\d)", text)] == ["0", "1", "2"]
    assert "Lean reported 10 errors; the first 3" in text


def test_warnings_are_left_out_unless_asked_for(feedback_samples: list[dict[str, Any]]) -> None:
    row = _row(feedback_samples, "kimina-lean-server:demo_search_2")
    assert "deprecated" not in render_feedback(row["code"], row["response"], line_offset=2)
    config = FeedbackConfig(severities=("error", "warning"))
    both = render_feedback(row["code"], row["response"], line_offset=2, config=config)
    assert "Lean reported 2 messages" in both
    assert both.index("deprecated") < both.index("linarith failed")


def test_recorded_timeouts_get_the_timeout_message(
    feedback_samples: list[dict[str, Any]],
) -> None:
    timeouts = [r for r in feedback_samples if "timeout" in r["error_kinds"]]
    assert len(timeouts) == 2
    for row in timeouts:
        text = render_feedback(row["code"], row["response"], kind=FeedbackKind.TIMEOUT)
        assert text.startswith("Lean did not finish checking the proof within the time limit")
        assert "Details: Lean process timed out" in text


def test_every_outcome_has_its_own_non_empty_message() -> None:
    texts = {render_feedback("", None, kind=kind) for kind in FeedbackKind}
    assert len(texts) == len(FeedbackKind)
    assert all(text.strip() for text in texts)
    assert render_feedback("", None, kind="infrastructure", detail="REPL crashed twice").endswith(
        "Details: REPL crashed twice"
    )


def test_lean_error_without_messages_still_says_something() -> None:
    text = render_feedback("theorem x : True := by", {"message": "Unknown environment."})
    assert text.startswith("Lean rejected the proof but reported no error message.")
    assert "Unknown environment." in text


def test_sorry_feedback_shows_the_open_goal_and_line() -> None:
    code = "theorem foo (x : Int) : x = 1 := by\n  have h : x = 1 := by sorry\n  exact h"
    response = {
        "sorries": [
            {
                "proofState": 0,
                "pos": {"line": 2, "column": 23},
                "endPos": {"line": 2, "column": 28},
                "goal": "x : Int\n⊢ x = 1",
            }
        ],
        "messages": [
            {
                "severity": "warning",
                "pos": {"line": 1, "column": 8},
                "data": "declaration uses 'sorry'",
            }
        ],
    }
    text = render_feedback(code, response, kind=FeedbackKind.SORRY)
    assert "it uses `sorry`" in text
    assert "1. sorry at line 2, column 24" in text
    assert "Goal left open:\nx : Int\n⊢ x = 1" in text
    assert _MARKED.findall(text) == [("2", "  have h : x = 1 := by sorry")]
    warning_only = render_feedback(code, {"messages": response["messages"]}, kind="sorry")
    assert warning_only.endswith("Lean reported it at line 1.")


def _tactic(line: int, col: int, end_line: int, end_col: int, goals: list[str]) -> dict[str, Any]:
    """An infotree ``TacticInfo`` node as the REPL's ``original`` option prints it."""
    return {
        "kind": "TacticInfo",
        "node": {
            "name": "Lean.Parser.Tactic.tacticSeq",
            "stx": {
                "pp": "...",
                "raw": "...",
                "range": {
                    "synthetic": False,
                    "start": {"line": line, "column": col},
                    "finish": {"line": end_line, "column": end_col},
                },
            },
            "goalsBefore": goals,
            "goalsAfter": [],
        },
        "children": [],
    }


def test_goal_before_the_error_comes_from_the_innermost_tactic_of_the_infotree(
    feedback_samples: list[dict[str, Any]],
) -> None:
    row = _row(feedback_samples, "kimina-lean-server:demo_search_2")
    response = copy.deepcopy(row["response"])
    whole = _tactic(7, 91, 14, 24, ["a b c : ℝ\n⊢ whole-proof goal"])
    whole["children"] = [
        _tactic(12, 2, 12, 45, ["⊢ before field_simp"]),
        _tactic(13, 2, 13, 21, ["⊢ before rw"]),
        _tactic(14, 2, 14, 24, ["case a\n⊢ before nlinarith", "⊢ second goal"]),
    ]
    synthetic = _tactic(14, 2, 14, 24, ["⊢ synthetic node"])
    synthetic["node"]["stx"]["range"]["synthetic"] = True
    response["response"]["infotree"] = [
        {"kind": "CommandInfo", "node": None, "children": [whole, synthetic]}
    ]
    text = render_feedback(row["code"], response, line_offset=2)
    assert "Goal before the failing step:\ncase a\n⊢ before nlinarith\n\n⊢ second goal" in text
    assert "whole-proof goal" not in text
    assert "synthetic node" not in text


def test_goal_from_the_tactics_list_and_not_repeated_when_lean_printed_it() -> None:
    code = "example : 1 = 1 ∧ 2 = 2 := by\n  constructor\n  exact foo"
    message = {"severity": "error", "pos": {"line": 3, "column": 8}, "data": "unknown `foo`"}
    tactics = [
        {"tactic": "constructor", "pos": {"line": 2, "column": 2}, "goals": "⊢ 1 = 1 ∧ 2 = 2"},
        {
            "tactic": "exact foo",
            "pos": {"line": 3, "column": 2},
            "endPos": {"line": 3, "column": 11},
            "goals": "case left\n⊢ 1 = 1",
        },
    ]
    text = render_feedback(code, {"messages": [message], "tactics": tactics})
    assert "Goal before the failing step:\ncase left\n⊢ 1 = 1" in text
    echoed = dict(message, data="unsolved goals\ncase left\n⊢ 1 = 1")
    text = render_feedback(code, {"messages": [echoed], "tactics": tactics})
    assert "Goal before the failing step" not in text
    assert text.count("case left") == 1


def test_long_errors_are_shrunk_to_fit_keeping_the_first_snippet() -> None:
    code = "theorem t : True := by\n" + "  simp\n" * 50
    response = {
        "messages": [
            {"severity": "error", "pos": {"line": i, "column": 2}, "data": "x" * 5000}
            for i in range(2, 6)
        ]
    }
    config = FeedbackConfig(max_chars=600, max_message_chars=500)
    text = render_feedback(code, response, config=config)
    assert len(text) <= 600
    assert text.startswith("Lean reported 4 errors; the first 1 (in source order) are shown.")
    assert "more characters]" in text
    assert _MARKED.findall(text) == [("2", "  simp")]


def test_huge_lines_are_shrunk_so_the_failing_line_stays_visible() -> None:
    code = "\n".join(f"{i}" + "y" * 1000 for i in range(1, 10))
    response = {"messages": [{"severity": "error", "pos": {"line": 5, "column": 0}, "data": "e"}]}
    config = FeedbackConfig(max_chars=600, max_line_chars=1000, context_lines=4)
    text = render_feedback(code, response, config=config)
    assert len(text) <= 600
    assert _MARKED.findall(text)[0][1].startswith("5yyy")


def test_text_over_the_cap_is_cut_with_a_marker() -> None:
    config = FeedbackConfig(max_chars=300)
    text = render_feedback("", None, kind="timeout", detail="z" * 1000, config=config)
    assert len(text) <= 300
    assert text.startswith("Lean did not finish checking the proof within the time limit")
    assert text.endswith("characters, 300 shown at most]")


def test_snippet_lines_are_clipped_and_numbered_by_newlines_only() -> None:
    second = "  have : 1 = 1 := rfl\u2028 -- odd separator"
    code = f"theorem t : True := by\r\n{second}\r\n  " + "x" * 10_000
    response = {"messages": [{"severity": "error", "pos": {"line": 3, "column": 2}, "data": "e"}]}
    text = render_feedback(code, response, config=FeedbackConfig(max_line_chars=80))
    marked = _MARKED.findall(text)
    assert marked[0][0] == "3"
    assert len(marked[0][1]) <= 80
    assert f"  2 | {second}\n" in text
    assert "\r" not in text


def test_position_outside_the_code_is_reported_not_crashed() -> None:
    response = {"messages": [{"severity": "error", "pos": {"line": 40, "column": 0}, "data": "e"}]}
    text = render_feedback("line one\nline two", response)
    assert "(line 40 is outside the checked code, which has 2 lines)" in text


def test_deep_infotree_does_not_recurse() -> None:
    tree: dict[str, Any] = _tactic(1, 0, 1, 5, ["⊢ innermost"])
    for _ in range(20_000):
        tree = {"kind": "TermInfo", "node": {}, "children": [tree]}
    response = {
        "messages": [{"severity": "error", "pos": {"line": 1, "column": 1}, "data": "e"}],
        "infotree": [tree],
    }
    assert "⊢ innermost" in render_feedback("exact foo", response)


def test_bad_kind_and_bad_config_say_what_to_pass() -> None:
    with pytest.raises(ValueError, match="kind='nonsense': pass one of valid, lean_error"):
        render_feedback("", None, kind="nonsense")
    with pytest.raises(ConfigError, match=r"FeedbackConfig.max_chars=10 .* >= 200"):
        FeedbackConfig(max_chars=10)
    with pytest.raises(ConfigError, match=r"FeedbackConfig\.severities"):
        FeedbackConfig(severities=())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
_POS = st.fixed_dictionaries(
    {"line": st.integers(-5, 50) | _JSON, "column": st.integers(-5, 200) | _JSON}
)
_MESSAGE = st.fixed_dictionaries(
    {
        "severity": st.sampled_from(["error", "warning", "info"]) | _JSON,
        "data": st.text(max_size=300) | _JSON,
    },
    optional={"pos": _POS | _JSON, "endPos": _POS | _JSON},
)
_REPLY = st.fixed_dictionaries(
    {},
    optional={
        "messages": st.lists(_MESSAGE, max_size=6) | _JSON,
        "sorries": st.lists(
            st.fixed_dictionaries({"pos": _POS, "goal": st.text(max_size=50) | _JSON}),
            max_size=3,
        ),
        "tactics": st.lists(
            st.fixed_dictionaries({"pos": _POS, "endPos": _POS, "goals": st.text(max_size=50)}),
            max_size=3,
        ),
        "infotree": _JSON,
        "message": _JSON,
    },
)
_RESPONSE = (
    st.none()
    | _REPLY
    | st.fixed_dictionaries({"custom_id": st.text(max_size=5), "error": _JSON, "response": _REPLY})
    | st.dictionaries(st.text(max_size=10), _JSON, max_size=5)
)


@settings(max_examples=300, deadline=None)
@given(
    code=st.text(max_size=500),
    response=_RESPONSE,
    kind=st.sampled_from(list(FeedbackKind)),
    offset=st.integers(-3, 3),
    detail=st.text(max_size=50),
    max_chars=st.integers(200, 1500),
)
def test_any_response_gives_a_non_empty_capped_string(
    code: str,
    response: dict[str, Any] | None,
    kind: FeedbackKind,
    offset: int,
    detail: str,
    max_chars: int,
) -> None:
    config = FeedbackConfig(max_chars=max_chars, max_message_chars=100, max_goal_chars=100)
    text = render_feedback(
        code, response, kind=kind, line_offset=offset, detail=detail, config=config
    )
    assert isinstance(text, str)
    assert text.strip()
    assert len(text) <= max_chars
