"""The verdict paths and the start-up self-check against real Lean + Mathlib.

Skipped unless ``KIMINA_LEAN_PROJECT`` names a Lean project with Mathlib built;
``KIMINA_LEAN_REPL`` is the REPL command line run there, as ``--repl-cmd`` reads it (default
``lake env repl``, the project's own REPL). No machine in this project's CI has Lean. Run with::

    make test-lean LEAN_PROJECT=~/lean/mathlib-project [LEAN_REPL=~/lean/repl/.lake/build/bin/repl]

which also runs ``kimina-rl doctor`` (the self-check through the CLI) on that project.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.lean import LocalPool, PoolConfig, ReplConfig, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean._statement_check import reference_command
from kimina_prover_rl.lean.self_check import run_self_check

pytestmark = [pytest.mark.lean, pytest.mark.timeout(900)]

PROJECT = os.environ.get("KIMINA_LEAN_PROJECT")
REPL = tuple(shlex.split(os.environ.get("KIMINA_LEAN_REPL") or "lake env repl"))
PROJECT_DIR = Path(PROJECT).expanduser() if PROJECT else None
HEADER = "import Mathlib\n\n"

if not PROJECT:
    pytest.skip(
        "real Lean not configured: set KIMINA_LEAN_PROJECT (make test-lean LEAN_PROJECT=...)",
        allow_module_level=True,
    )


@pytest.fixture
async def pool() -> AsyncIterator[LocalPool]:
    assert PROJECT_DIR is not None
    config = PoolConfig(
        repl=ReplConfig(command=REPL, cwd=PROJECT_DIR),
        max_repls=2,
        timeout_s=120,
    )
    async with LocalPool(config) as verifier:
        yield verifier


async def _status(pool: LocalPool, body: str) -> VerdictStatus:
    [verdict] = await pool.verify([VerifyRequest(HEADER + body)])
    return verdict.status


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("theorem t (a b : ℕ) : a + b = b + a := by\n  omega", VerdictStatus.VALID),
        ("theorem t (a : ℕ) : a + 1 = a := by\n  omega", VerdictStatus.LEAN_ERROR),
        ("theorem t : (2 : ℕ) + 2 = 5 := by\n  sorry", VerdictStatus.SORRY),
        # Lean warns whenever a declaration holds sorryAx and no error was logged
        ("theorem t : (2 : ℕ) + 2 = 5 := by\n  exact sorryAx _ false", VerdictStatus.SORRY),
        ("axiom cheat : False\ntheorem t : (2 : ℕ) + 2 = 5 := cheat.elim", VerdictStatus.UNSOUND),
        ("theorem t : (2 : ℕ) + 2 = 4 := by\n  native_decide", VerdictStatus.UNSOUND),
        (
            "theorem t : (2 : ℕ) + 2 = 4 := by norm_num\n"
            "namespace Foo\ntheorem t : True := trivial",
            VerdictStatus.VALID,
        ),
    ],
)
async def test_verdict_paths(pool: LocalPool, body: str, expected: VerdictStatus) -> None:
    assert await _status(pool, body) is expected


async def test_verified_training_proofs_are_valid(  # needs a v4.15-era Mathlib, as recorded
    pool: LocalPool, train_sample: list[dict[str, Any]]
) -> None:
    rows = [r for r in train_sample if r.get("proof_verified_in_fixture")][:8]
    verdicts = await pool.verify([VerifyRequest(r["formal_proof"], id=r["name"]) for r in rows])
    assert [v.status for v in verdicts] == [VerdictStatus.VALID] * len(rows), [
        (v.id, v.detail) for v in verdicts if not v.is_valid
    ]


GIVEN = f"{HEADER}theorem t (a b : ℕ) (h : a ≤ b) : a + (b - a) = b := by\n  sorry\n"
HONEST = "theorem t (a b : ℕ) (h : a ≤ b) : a + (b - a) = b := by\n  omega"


async def _graded(pool: LocalPool, body: str) -> Any:
    [verdict] = await pool.verify([VerifyRequest(HEADER + body, formal_statement=GIVEN)])
    return verdict


@pytest.mark.parametrize(
    ("prefix", "status", "reason"),
    [
        # Lean itself prints the same type in both environments: valid.
        ("", VerdictStatus.VALID, None),
        ("@[simp] lemma helper (n : ℕ) : n + 0 = n := rfl\n\n", VerdictStatus.VALID, None),
        ("set_option pp.all false\nset_option pp.explicit false\n\n", VerdictStatus.VALID, None),
        # An included variable becomes a hypothesis of the theorem.
        ("variable (hf : False)\ninclude hf\n\n", VerdictStatus.UNSOUND, "statement"),
        # A later instance changes what `-` means in the statement.
        (
            "instance (priority := high) : Sub ℕ := ⟨fun _ _ => 0⟩\n\n",
            VerdictStatus.UNSOUND,
            "statement",
        ),
    ],
)
async def test_lean_confirms_the_graded_statement(
    pool: LocalPool, prefix: str, status: VerdictStatus, reason: str | None
) -> None:
    body = HONEST if "instance" not in prefix else HONEST.replace("omega", "simp")
    verdict = await _graded(pool, prefix + body)
    if status is VerdictStatus.VALID:
        assert verdict.status is status, verdict.detail
    else:
        assert verdict.status is not VerdictStatus.VALID, verdict.detail
        if verdict.status is VerdictStatus.UNSOUND:
            assert verdict.unsound_reason == reason


async def test_the_printed_statement_is_lean_output_not_truncated(pool: LocalPool) -> None:
    verdict = await _graded(pool, HONEST)
    assert verdict.is_valid, verdict.detail
    command = reference_command(GIVEN, "t")
    assert command is not None
    reference = pool._book.known(command)
    assert reference is not None
    assert reference.startswith("@t")
    assert "⋯" not in reference
    assert "LE.le" in reference  # pp.all: no notation, full names


async def test_every_declaration_and_examples_are_checked(pool: LocalPool) -> None:
    # native_decide: no warning, only the axiom report shows it
    decoy_after = (
        "theorem t : (2 : ℕ) + 2 = 4 := by\n  native_decide\n\ntheorem decoy : True := trivial"
    )
    example_only = "example : (2 : ℕ) + 2 = 4 := by\n  native_decide"
    forged = (
        "theorem t : (2 : ℕ) + 2 = 4 := by\n  native_decide\n"
        "#print \"'t' does not depend on any axioms\""
    )
    for body in (decoy_after, example_only, forged):
        assert await _status(pool, body) is VerdictStatus.UNSOUND, body
    hidden_sorry = (
        "theorem t : (2 : ℕ) + 2 = 5 := sorryAx _ false\n\ntheorem decoy : True := trivial"
    )
    assert await _status(pool, hidden_sorry) is VerdictStatus.SORRY


async def test_the_self_check_passes_on_this_lean(pool: LocalPool) -> None:
    report = await run_self_check(pool, header="import Mathlib")
    assert report.state == "passed", report.message
    core = await run_self_check(pool, header="")
    assert core.state == "passed", core.message
