"""The stand-in REPL: real protocol, simulated Lean rules, directives, latency, faults."""

from __future__ import annotations

import random
import statistics
import subprocess
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import STANDIN_BANNER, standin_command
from kimina_prover_rl.lean.protocol import ResponseFramer, encode_request
from kimina_prover_rl.standin._latency import parse_latency
from kimina_prover_rl.standin._lean import blank_comments_and_strings, parse_directives


def _run(requests: list[dict[str, Any]], *options: str) -> tuple[list[dict[str, Any]], str, int]:
    """Feed requests to a stand-in process; its answers, stderr and exit code."""
    argv = [*standin_command(), *options]
    stdin = b"".join(encode_request(r) for r in requests)
    done = subprocess.run(argv, input=stdin, capture_output=True, timeout=30, check=False)
    return ResponseFramer().feed(done.stdout), done.stderr.decode(), done.returncode


def _one(cmd: str, **request: Any) -> dict[str, Any]:
    answers, _, _ = _run([{"cmd": cmd, **request}])
    return answers[0]


def test_protocol_env_ids_banner_and_unknown_environment() -> None:
    answers, stderr, code = _run(
        [
            {"cmd": "import Mathlib"},
            {"cmd": "theorem t : True := trivial", "env": 0},
            {"cmd": "example : True := trivial", "env": 7},
            {"cmd": "#print axioms t", "env": 1},
        ]
    )
    assert answers[:3] == [{"env": 0}, {"env": 1}, {"message": "Unknown environment."}]
    assert answers[3]["env"] == 2
    assert STANDIN_BANNER in stderr
    assert "SIMULATED" in STANDIN_BANNER
    assert code == 0


def test_a_request_that_is_not_json_ends_the_process_like_the_real_repl() -> None:
    done = subprocess.run(
        standin_command(), input=b"{not json\n\n", capture_output=True, timeout=30, check=False
    )
    assert done.returncode == 1
    assert b"uncaught exception" in done.stderr
    assert b"Could not parse JSON" in done.stderr


def test_sorry_gives_a_warning_and_a_sorry_with_the_statement_goal() -> None:
    answer = _one("theorem foo (x y : ℕ) (h : x = y) : y = x := by\n  sorry")
    [warning] = answer["messages"]
    assert warning["severity"] == "warning"
    assert warning["data"] == "declaration uses 'sorry'"
    assert warning["pos"] == {"line": 1, "column": 8}
    [entry] = answer["sorries"]
    assert entry["goal"] == "x y : ℕ\nh : x = y\n⊢ y = x"
    assert entry["pos"] == {"line": 2, "column": 2}


def test_sorry_in_comments_or_strings_does_not_count() -> None:
    answer = _one('theorem t : True := by\n  -- sorry\n  /- sorry -/ trivial\n#eval "sorry"')
    assert "sorries" not in answer
    assert [m["severity"] for m in answer["messages"]] == ["info"]


def test_backquoted_sorry_wording_for_newer_lean() -> None:
    answers, _, _ = _run([{"cmd": "example : True := sorry"}], "--sorry-quote", "`")
    assert answers[0]["messages"][0]["data"] == "declaration uses `sorry`"


def test_print_axioms_defaults_sorry_directives_and_unknown_names() -> None:
    answers, _, _ = _run(
        [
            {"cmd": "theorem ok : 1 = 1 := by\n  simp"},
            {"cmd": "theorem bad : 1 = 1 := by\n  sorry", "env": 0},
            {"cmd": "theorem pure : 1 = 1 := rfl -- standin: axioms", "env": 1},
            {"cmd": "theorem nd : 1 = 1 := by native_decide", "env": 2},
            {"cmd": "#print axioms ok\n#print axioms bad\n#print axioms pure", "env": 3},
            {"cmd": "#print axioms nd\n#print axioms nope", "env": 3},
        ]
    )
    ok, bad, pure = (m["data"] for m in answers[4]["messages"])
    assert ok == "'ok' depends on axioms: [propext, Classical.choice, Quot.sound]"
    assert bad == "'bad' depends on axioms: [propext, Classical.choice, Quot.sound, sorryAx]"
    assert pure == "'pure' does not depend on any axioms"
    nd, nope = answers[5]["messages"]
    assert "Lean.ofReduceBool" in nd["data"]
    assert nope["severity"] == "error"
    assert nope["pos"]["line"] == 2


def test_synthetic_sorry_looks_accepted_but_axioms_reveal_it() -> None:
    answer = _one(
        "theorem s : 2 = 2 := by\n  exact foo -- standin: synthetic-sorry\n#print axioms s"
    )
    severities = [m["severity"] for m in answer["messages"]]
    assert severities == ["info", "info"]
    try_this, axioms = answer["messages"]
    assert try_this["data"].startswith("Try this:")
    assert try_this["pos"]["line"] == 2
    assert "sorryAx" in axioms["data"]
    assert "sorries" not in answer


@pytest.mark.parametrize("tactic", ["apply?", "exact sorryAx _ false", "exact @sorryAx _ false"])
def test_apply_question_and_explicit_sorry_ax_warn_as_lean_does(tactic: str) -> None:
    answer = _one(f"theorem s : 2 = 2 := by\n  {tactic}\n#print axioms s")
    warnings = [m for m in answer["messages"] if m["severity"] == "warning"]
    assert [w["data"] for w in warnings] == ["declaration uses 'sorry'"]
    assert warnings[0]["pos"] == {"line": 1, "column": 8}
    assert "sorryAx" in answer["messages"][-1]["data"]
    assert "sorries" not in answer  # the REPL lists explicit `sorry` only
    assert any(m["data"].startswith("Try this:") for m in answer["messages"]) == (
        tactic == "apply?"
    )


def test_sorry_ax_inside_a_comment_or_a_longer_name_is_no_sorry() -> None:
    answer = _one("theorem s : 2 = 2 := by\n  rfl -- sorryAx\ntheorem mysorryAx : True := trivial")
    assert "messages" not in answer


def test_apply_question_marks_only_the_declaration_it_is_in() -> None:
    for cmd in (
        "theorem s : 2 = 2 := by\n  apply?\ntheorem d : True := trivial",
        "theorem d : True := trivial\ntheorem s : 2 = 2 := by\n  rfl -- standin: synthetic-sorry",
    ):
        answer = _one(f"{cmd}\n#print axioms s\n#print axioms d")
        reports = {
            m["data"].split("'")[1]: m["data"] for m in answer["messages"] if "axioms" in m["data"]
        }
        assert "sorryAx" in reports["s"]
        assert "sorryAx" not in reports["d"]


def test_the_wording_of_sorry_warnings_and_axiom_reports_can_be_changed() -> None:
    answers, _, _ = _run(
        [{"cmd": "theorem s : 2 = 2 := by\n  sorry\n#print axioms s"}],
        "--sorry-wording",
        "declaration `{name}` uses `sorry`",
        "--axioms-wording",
        "{name} rests on {axioms}",
    )
    warning, report = answers[0]["messages"]
    assert warning["data"] == "declaration `s` uses `sorry`"
    assert report["data"] == "s rests on propext, Classical.choice, Quot.sound, sorryAx"


def test_a_declared_axiom_is_reported_by_whatever_uses_it() -> None:
    answer = _one(
        "axiom cheat : False\ntheorem t : 1 = 2 := cheat.elim\n#print axioms t\n#print axioms cheat"
    )
    t, cheat = (m["data"] for m in answer["messages"])
    assert t.endswith(", cheat]")
    assert cheat == "'cheat' depends on axioms: [cheat]"


def test_check_prints_the_type_as_the_environment_makes_it() -> None:
    probe = "set_option pp.all true in set_option pp.explicit true in #check @_root_.t"
    plain = _one(f"theorem t (x : ℕ) : x + 0 = x := by\n  simp\n{probe}")
    assert plain["messages"][0] == {
        "severity": "info",
        "pos": {"line": 3, "column": 0},
        "endPos": {"line": 3, "column": len(probe)},
        "data": "@t (x : ℕ) : x + 0 = x",
    }
    tampered = _one(
        'variable (h : False)\ninclude h\nlocal notation "x0" => 1\n'
        f"theorem t (x : ℕ) : x + x0 = x := by\n  simp\n{probe}"
    )
    assert tampered["messages"][0]["data"] == "@t (h : False) (x : ℕ) : x + 1 = x"
    scripted = _one(f'theorem t : 1 = 1 := by\n  rfl -- standin: type "T"\n{probe}')
    assert scripted["messages"][0]["data"] == "@t T"
    unknown = _one(probe)
    assert unknown["messages"][0]["severity"] == "error"


def test_checks_see_declarations_of_earlier_commands_and_open_scopes() -> None:
    answers, _, _ = _run(
        [
            {"cmd": "namespace A\ntheorem t : True := trivial"},
            {"cmd": "#check @_root_.A.t\n#check t", "env": 0},
        ]
    )
    assert [m["data"] for m in answers[1]["messages"]] == ["@A.t : True"] * 2


def test_error_directive_points_at_the_line_it_annotates() -> None:
    code = (
        "theorem t (x : ℕ) : x = x := by\n"
        '  -- standin: error "unsolved goals"\n'
        "  omega\n"
        '  linarith -- standin: error "linarith failed" goal="x : ℕ\\n⊢ False"'
    )
    first, second = _one(code)["messages"]
    assert first == {
        "severity": "error",
        "pos": {"line": 3, "column": 2},
        "endPos": {"line": 3, "column": 7},
        "data": "unsolved goals\nx : ℕ\n⊢ x = x",
    }
    assert second["pos"]["line"] == 4
    assert second["data"] == "linarith failed\nx : ℕ\n⊢ False"


def test_import_is_an_error_inside_an_environment_or_after_code() -> None:
    answers, _, _ = _run(
        [
            {"cmd": "import Mathlib"},
            {"cmd": "import Mathlib", "env": 0},
            {"cmd": "def a := 1\nimport B"},
        ]
    )
    assert "messages" not in answers[0]
    assert "invalid 'import' command" in answers[1]["messages"][0]["data"]
    assert answers[2]["messages"][0]["pos"]["line"] == 2


def test_all_tactics_and_infotree_have_the_real_shape() -> None:
    answer = _one(
        "theorem t (a : ℕ) : a + 0 = a := by\n  simp\n  rfl",
        allTactics=True,
        infotree="original",
    )
    assert [t["tactic"] for t in answer["tactics"]] == ["simp", "rfl"]
    assert answer["tactics"][0]["goals"] == "a : ℕ\n⊢ a + 0 = a"
    first = answer["infotree"][0]
    assert first["kind"] == "TacticInfo"
    assert first["children"] == []
    assert first["node"]["stx"]["range"]["start"] == {"line": 2, "column": 2}
    assert first["node"]["goalsBefore"] == ["a : ℕ\n⊢ a + 0 = a"]
    assert answer["infotree"][-1]["node"]["goalsAfter"] == []


def test_crash_rate_is_seeded_and_reproducible() -> None:
    requests = [{"cmd": f"def a{i} := {i}"} for i in range(40)]
    runs = [_run(requests, "--crash-rate", "0.1", "--seed", "3") for _ in range(2)]
    (answers, stderr, code), (again, _, _) = runs
    assert 0 < len(answers) < 40
    assert answers == again
    assert code == 1
    assert "INTERNAL PANIC" in stderr


def test_directive_parsing_handles_quotes_options_and_escapes() -> None:
    [d] = parse_directives('  simp -- standin: error "no progress" goal="a\\n⊢ b" slow=2.5')
    assert (d.line, d.name, d.words) == (1, "error", ("no progress",))
    assert d.options == {"goal": "a\n⊢ b", "slow": "2.5"}
    [flood] = parse_directives("-- standin: stderr-flood=3")
    assert (flood.name, flood.options) == ("stderr-flood", {"stderr-flood": "3"})


@given(st.text(alphabet='ab "\\-/{}\n\tsorry', max_size=80))
def test_blanking_comments_keeps_every_position(code: str) -> None:
    clean = blank_comments_and_strings(code)
    assert [len(line) for line in clean] == [len(line) for line in code.split("\n")]
    for line, original in zip(clean, code.split("\n"), strict=True):
        assert all(c == o or c == " " for c, o in zip(line, original, strict=True))


def test_lognormal_latency_matches_median_and_p99() -> None:
    sample = parse_latency("lognormal:0.05,1.0")
    rng = random.Random(0)
    values = sorted(sample(rng) for _ in range(20_000))
    assert statistics.median(values) == pytest.approx(0.05, rel=0.1)
    assert values[int(0.99 * len(values))] == pytest.approx(1.0, rel=0.2)
    assert parse_latency("0.2")(rng) == 0.2
    assert 0.1 <= parse_latency("uniform:0.1,0.3")(rng) <= 0.3


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"latency": "lognormal:1,0.5"}, "MEDIAN <= P99"),
        ({"latency": "fast"}, "non-number"),
        ({"crash_rate": 1.5}, "crash rate 1.5 must be within"),
        ({"crash_rate": 0.6, "hang_rate": 0.6}, "exceeds 1"),
        ({"sorry_quote": '"'}, "sorry quote"),
    ],
)
def test_standin_command_validates_options(options: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        standin_command(**options)


def test_standin_command_passes_options_through() -> None:
    argv = standin_command(latency="uniform:0,0.01", seed=7, hang_rate=0.02)
    answers, _, code = _run([{"cmd": "def x := 1"}], *argv[3:])
    assert answers == [{"env": 0}]
    assert code == 0
    assert argv[argv.index("--seed") + 1] == "7"
    assert argv[argv.index("--latency") + 1] == "uniform:0,0.01"
