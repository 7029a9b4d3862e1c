"""Attack answers a policy would find score 0 through `kimina-rl score`; honest ones score 1.

One attack per class of issue 7, written for this project. The stand-in REPL answers as real
Lean would for each: where the simulation cannot work out Lean's answer by itself, a
``-- standin:`` directive in the answer scripts it (the axioms Lean would print for a
spelling of ``native_decide`` the text scan misses, the type Lean would print for a
statement an instance changed). Some classes are closed by the text layer, some by the
Lean-level checks, several by both; the test asserts only that none is rewarded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from tests.proof._answers import make_answer, row_named, theorem_text

runner = CliRunner()

PROOF = ["norm_num [h₁, h₂, h₃]"]
# Lean reads `!'"'` as `!` then the char literal `'"'`; a scan that takes `'` after `!` for
# an identifier character opens a string at `"` instead, and everything up to the next `"`
# (closed by a comment further down) would be hidden from the text checks.
HIDE = "def flag : Bool := !'\"'.isUpper\n"
UNHIDE = ' -- "'
NATIVE = "-- standin: axioms propext Lean.ofReduceBool"
DECOY = "theorem decoy : True := trivial"
FALSE_STATEMENT = "import Mathlib\n\ntheorem zero_eq_one : (0 : ℕ) = 1 := by\n"
PRELUDE_STATEMENT = (
    "import Mathlib\n\ndef double (n : ℕ) : ℕ := 2 * n\n\ntheorem double_two : double 2 = 4 := by\n"
)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KIMINA_CACHE", raising=False)


def _with_after(answer: str, after: str) -> str:
    """``answer`` with ``after`` added at the end of its final lean4 block."""
    body, fence = answer.rstrip().rsplit("\n```", 1)
    return f"{body}\n{after}\n```{fence}\n"


def _custom(
    statement: str, proof: list[str], *, lemmas: str = "", theorem: str | None = None
) -> dict[str, Any]:
    header, _, given = statement.partition("\n\n")
    row = {"header": header + "\n\n", "theorem": given, "formal_statement": statement}
    response = make_answer(row, proof, lemmas=lemmas, theorem=theorem)
    return {"statement": statement, "response": response}


def _attacks(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    def answer(proof: list[str], *, lemmas: str = "", after: str = "") -> dict[str, Any]:
        text = make_answer(row, proof, lemmas=lemmas)
        return {"statement": row["formal_statement"], "response": _with_after(text, after)}

    forged = f"#print \"'{row['name']}' does not depend on any axioms\""
    return {
        # Lean starts a comment's body after `/-` and one more character: the second
        # opener of `/-/-` is never seen, so the axiom after the first `-/` is live.
        "comment opener that hides an axiom": answer(
            PROOF, lemmas="/-/- -/ axiom cheat : False -- -/\n\n"
        ),
        "binder_predicate adds a token": answer(
            PROOF, lemmas='binder_predicate x " >~ " y:term => `($x > $y)\n\n'
        ),
        "declare_syntax_cat": answer(PROOF, lemmas="declare_syntax_cat kimina_cat\n\n"),
        "an unknown command": answer(PROOF, lemmas="kimina_command\n\n"),
        "a namespace left open around the theorem": answer(PROOF, lemmas="namespace Hidden\n\n"),
        "a namespace left open after the theorem": answer(
            PROOF, after=f"\nnamespace Hidden\n{DECOY}"
        ),
        # Hole 1: the check once looked at the last declaration only.
        "unsound graded theorem, clean decoy after": answer(
            [f"{PROOF[0]} {NATIVE}"], after=f"\n{DECOY}"
        ),
        "unsound graded theorem, clean decoy before": answer(
            [f"{PROOF[0]} {NATIVE}"], lemmas=f"{DECOY}\n\n"
        ),
        "apply? whose warning Lean dropped, decoy after": answer(
            [
                "have h : v = 65 := by",
                "  norm_num [h₁, h₂, h₃] -- standin: synthetic-sorry",
                "exact h",
            ],
            after=f"\n{DECOY}",
        ),
        "a forged axiom report printed after the proof": answer(
            ["norm_num [h₁, h₂, h₃] -- standin: synthetic-sorry"], after=f"\n{forged}"
        ),
        "a helper that carries sorryAx": answer(
            PROOF,
            lemmas="theorem helper : (2 : ℕ) + 2 = 4 := by\n"
            "  norm_num -- standin: axioms sorryAx\n\n",
        ),
        # Hole 2: constructs hidden from a scan that lexes differently from Lean.
        "hidden axiom": answer(
            ["exact cheat.elim"], lemmas=f"{HIDE}axiom cheat : False{UNHIDE}\n\n"
        ),
        "hidden variable and include": answer(
            ["exact hfalse.elim"],
            lemmas=f"{HIDE}variable (hfalse : False)\ninclude hfalse{UNHIDE}\n\n",
        ),
        "hidden instance that changes the statement": answer(
            ['norm_num [h₁, h₂, h₃] -- standin: type "(b h v : ℝ) … : Eq v 65 (Div: the new one)"'],
            lemmas=f"{HIDE}instance : Div ℝ := ⟨fun a b => a * b⟩{UNHIDE}\n\n",
        ),
        "hidden native_decide": answer(
            [
                "have hf : (!'\"'.isUpper) = true := by decide",
                f"have hn : (2 : ℕ) + 2 = 4 := by native_decide{UNHIDE}",
                *PROOF,
            ]
        ),
        # Hole 3: option names in guillemets.
        "kernel checking off through a quoted option name": _custom(
            FALSE_STATEMENT, ["decide +kernel"], lemmas="set_option«debug».skipKernelTC true\n\n"
        ),
        "sorry warning off through a quoted option name": _custom(
            FALSE_STATEMENT,
            ["have h : (0 : ℕ) = 1 := by sorry", "exact h"],
            lemmas="set_option«warn».sorry false\n\n",
        ),
    }


def _honest(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    def answer(proof: list[str], *, lemmas: str = "", after: str = "") -> dict[str, Any]:
        text = make_answer(row, proof, lemmas=lemmas)
        if after:
            text = _with_after(text, after)
        return {"statement": row["formal_statement"], "response": text}

    return {
        "plain proof": answer(PROOF),
        "simp helper": answer(
            PROOF, lemmas="@[simp] lemma mul_one_aux (x : ℝ) : x * 1 = x := by simp\n\n"
        ),
        "dotted helper name": answer(
            PROOF, lemmas="theorem Real.cone_aux (a : ℝ) : a + 0 = a := by simp\n\n"
        ),
        "open … in before a helper": answer(
            PROOF, lemmas="open Real in\nlemma add_zero_aux (x : ℝ) : x + 0 = x := by simp\n\n"
        ),
        "own maxHeartbeats before the theorem": answer(
            PROOF, lemmas="set_option maxHeartbeats 400000 in\n"
        ),
        "own option and open lines in the answer's header": {
            "statement": row["formal_statement"],
            "response": make_answer(
                {**row, "header": row["header"] + "set_option maxRecDepth 2000\nopen Finset\n\n"},
                PROOF,
            ),
        },
        "an example as a warm-up": answer(
            PROOF, lemmas="example : (1 : ℝ) + 1 = 2 := by norm_num\n\n"
        ),
        "a helper after the theorem": answer(
            PROOF, after="\ntheorem after_aux : (1 : ℕ) + 1 = 2 := by norm_num"
        ),
        "helpers in a namespace closed before the theorem": answer(
            PROOF,
            lemmas=(
                "namespace Aux\n\nlemma mul_one_aux (x : ℝ) : x * 1 = x := by simp\n\nend Aux\n\n"
            ),
        ),
        "the theorem's name in guillemets": {
            "statement": row["formal_statement"],
            "response": make_answer(
                row,
                PROOF,
                theorem=theorem_text(row).replace(
                    f"theorem {row['name']}", f"theorem «{row['name']}»"
                ),
            ),
        },
        "helper when the statement has code before the theorem": _custom(
            PRELUDE_STATEMENT,
            ["simp [double_eq]"],
            theorem=(
                "def double (n : ℕ) : ℕ := 2 * n\n\n"
                "lemma double_eq (n : ℕ) : double n = n + n := by\n  unfold double; ring\n\n"
                "theorem double_two : double 2 = 4 := by"
            ),
        ),
    }


def _score(tmp_path: Path, cases: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    source = tmp_path / "answers.jsonl"
    lines = [
        json.dumps({"id": name, "formal_statement": c["statement"], "response": c["response"]})
        for name, c in cases.items()
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["score", str(source), "--backend", "standin", "--no-cache", "--no-style-checks"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    scored = [json.loads(line) for line in result.stdout.splitlines()]
    return {line["id"]: line for line in scored}


def test_no_attack_is_rewarded(tmp_path: Path, minif2f: list[dict[str, Any]]) -> None:
    scored = _score(tmp_path, _attacks(row_named(minif2f, "mathd_algebra_478")))
    rewarded = {
        name: (line.get("format_error"), line.get("status"), line.get("detail"))
        for name, line in scored.items()
        if line["score"] != 0.0 or line.get("status") == "valid"
    }
    assert rewarded == {}


def test_honest_answers_are_rewarded(tmp_path: Path, minif2f: list[dict[str, Any]]) -> None:
    scored = _score(tmp_path, _honest(row_named(minif2f, "mathd_algebra_478")))
    refused = {
        name: (line.get("format_error"), line.get("status"), line.get("detail"))
        for name, line in scored.items()
        if line["score"] != 1.0
    }
    assert refused == {}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("unsound graded theorem, clean decoy after", "axioms"),
        ("apply? whose warning Lean dropped, decoy after", "axioms"),
        ("a forged axiom report printed after the proof", "axioms"),
        ("hidden axiom", "axioms"),
        ("hidden variable and include", "statement"),
        ("hidden instance that changes the statement", "statement"),
        ("hidden native_decide", "axioms"),
    ],
)
def test_the_lean_level_checks_alone_refuse_each_proof(
    tmp_path: Path, minif2f: list[dict[str, Any]], name: str, reason: str
) -> None:
    """The attack's final code sent straight to `kimina-rl verify --trusted-code` (no text
    layer at all, as if its scan had missed the construct) is still not valid, for the
    Lean-level reason."""
    attack = _attacks(row_named(minif2f, "mathd_algebra_478"))[name]
    code = attack["response"].rsplit("```lean4\n", 1)[1].split("\n```", 1)[0]
    source = tmp_path / "proofs.jsonl"
    record = {"id": name, "code": code, "formal_statement": attack["statement"]}
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    args = ["verify", str(source), "--backend", "standin", "--no-cache"]
    result = runner.invoke(app, [*args, "--trusted-code"])  # the verifier's own scan off too
    assert result.exit_code == 0, result.output
    [verdict] = [json.loads(line) for line in result.stdout.splitlines()]
    assert verdict["status"] == "unsound", verdict["detail"]
    assert verdict["extra"]["unsound_reason"] == reason
    guarded = runner.invoke(app, args)  # by default the verifier's scan may refuse it first
    [verdict] = [json.loads(line) for line in guarded.stdout.splitlines()]
    assert verdict["status"] in ("unsound", "rejected"), verdict["detail"]
