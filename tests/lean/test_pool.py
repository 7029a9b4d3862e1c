"""LocalPool against the stand-in REPL: the real code path, only the executable differs."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError, PoolClosed
from kimina_prover_rl.lean._jobs import prepare
from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.standin import STANDIN_LEAN_VERSION, standin_command

HEADER = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen Nat\n\n"
HEADER_LINES = HEADER.count("\n")
_seeds = itertools.count(int.from_bytes(os.urandom(3), "big") * 1000)


def theorem(name: str, proof: str = "norm_num", *, header: str = HEADER) -> str:
    """A theorem whose proof is on line ``HEADER_LINES + 2`` of the code."""
    return f"{header}theorem {name} : 1 + 1 = 2 := by\n  {proof}\n"


def standin(**options: Any) -> ReplConfig:
    repl = {k: options.pop(k) for k in list(options) if k in {"memory_limit_mb", "memory_poll_s"}}
    repl.setdefault("recycle_after_commands", options.pop("recycle_after_commands", 500))
    return ReplConfig(command=standin_command(**options), kill_grace_s=0.5, **repl)


def config(**overrides: Any) -> PoolConfig:
    settings: dict[str, Any] = {
        "repl": standin(),
        "max_repls": 2,
        "spares": 1,
        # Upper bounds only (a test that needs a limit to fire sets its own): generous, so
        # that a loaded machine never turns a slow start into a timeout.
        "timeout_s": 60.0,
        "header_timeout_s": 60.0,
    }
    settings.update(overrides)
    return PoolConfig(**settings)


@pytest.fixture
async def pool() -> AsyncIterator[LocalPool]:
    async with LocalPool(config()) as opened:
        yield opened


async def check(pool: LocalPool, *codes: str, **request: Any) -> list[Verdict]:
    return await pool.verify(
        [VerifyRequest(code, id=str(i), **request) for i, code in enumerate(codes)]
    )


async def _eventually(predicate: Any, *, within_s: float = 60.0) -> bool:
    """Poll ``predicate()`` until it holds; the bound only keeps a broken test from hanging."""
    async with asyncio.timeout(within_s):
        for _ in itertools.count():
            if predicate():
                return True
            await asyncio.sleep(0.02)
    return False


def _idle_repls(pool: LocalPool) -> int:
    """Warm REPLs waiting for work, over every header."""
    return sum(len(group.idle) for group in pool._supply._groups.values())


def processes_with(seed: int) -> list[int]:
    """Pids of live stand-ins started with ``--seed seed`` (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"--seed" in argv and str(seed).encode() in argv and state != "Z":
            found.append(int(entry.name))
    return found


# -- every verdict path ----------------------------------------------------------------------


async def test_a_correct_proof_is_valid_with_its_axioms(pool: LocalPool) -> None:
    (verdict,) = await check(pool, theorem("ok"))
    assert verdict.status is VerdictStatus.VALID, verdict.detail
    assert verdict.axioms == ("propext", "Classical.choice", "Quot.sound")
    assert verdict.id == "0"
    assert verdict.lean_version == STANDIN_LEAN_VERSION
    assert verdict.time_s > 0
    assert {"queue_wait_s", "header_s"} <= verdict.extra.keys()


async def test_error_positions_are_relative_to_the_submitted_code(pool: LocalPool) -> None:
    (verdict,) = await check(pool, theorem("bad", 'linarith -- standin: error "linarith failed"'))
    assert verdict.status is VerdictStatus.LEAN_ERROR
    (error,) = verdict.errors
    assert error.data.startswith("linarith failed")
    assert error.line == HEADER_LINES + 2
    assert verdict.response is not None
    assert verdict.response["messages"][0]["pos"]["line"] == HEADER_LINES + 2


@pytest.mark.parametrize("quote", ["'", "`"])
async def test_sorry_in_either_lean_wording(quote: str) -> None:
    async with LocalPool(config(repl=standin(sorry_quote=quote))) as pool:
        (verdict,) = await check(pool, theorem("s", "sorry"))
    assert verdict.status is VerdictStatus.SORRY
    assert f"declaration uses {quote}sorry{quote}" in {m.data for m in verdict.messages}
    assert verdict.response is not None
    assert verdict.response["sorries"][0]["pos"]["line"] == HEADER_LINES + 2


async def test_apply_question_mark_and_explicit_sorry_ax_are_sorry(pool: LocalPool) -> None:
    # Lean warns whenever a declaration holds sorryAx and no error was logged
    for tactic in ("apply?", "exact sorryAx _ false"):
        (verdict,) = await check(pool, theorem("syn", tactic))
        assert verdict.status is VerdictStatus.SORRY, tactic


async def test_a_sorry_ax_lean_does_not_warn_about_is_unsound(pool: LocalPool) -> None:
    (verdict,) = await check(pool, theorem("syn", "exact foo -- standin: synthetic-sorry"))
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.extra["offending_axioms"] == ["sorryAx"]


async def test_a_proof_using_its_own_axiom_is_unsound(pool: LocalPool) -> None:
    code = theorem("ax", "exact cheat.elim -- standin: axioms propext cheat")
    code = code.replace("theorem ax", "axiom cheat : False\n\ntheorem ax")
    (verdict,) = await check(pool, code)
    assert verdict.status is VerdictStatus.UNSOUND
    assert "cheat" in verdict.detail


async def test_native_decide_is_allowed_only_on_request() -> None:
    code = theorem("nd", "native_decide")
    async with LocalPool(config()) as pool:
        refused, allowed = await pool.verify(
            [VerifyRequest(code), VerifyRequest(code, allow_native_decide=True)]
        )
    assert refused.status is VerdictStatus.UNSOUND
    assert "Lean.ofReduceBool" in refused.detail
    assert allowed.status is VerdictStatus.VALID
    async with LocalPool(config(allow_native_decide=True)) as pool:
        (verdict,) = await check(pool, code)
    assert verdict.status is VerdictStatus.VALID


async def test_examples_get_their_axioms_checked_too(pool: LocalPool) -> None:
    good = f"{HEADER}example : 1 + 1 = 2 := by\n  norm_num\n"
    native = f"{HEADER}example : 1 + 1 = 2 := by\n  native_decide\n"
    valid, unsound = await check(pool, good, native)
    assert valid.status is VerdictStatus.VALID, valid.detail
    assert unsound.status is VerdictStatus.UNSOUND
    assert unsound.extra["offending_axioms"] == ["Lean.ofReduceBool"]


async def test_a_namespace_left_open_cannot_lend_its_name_to_the_check(pool: LocalPool) -> None:
    """The REPL keeps scopes: ``#print axioms t`` would find ``Foo.t``, a clean decoy."""
    decoy = "\nnamespace Foo\n\ndef t : True := trivial\n"
    (verdict,) = await check(pool, theorem("t", "native_decide") + decoy)
    assert verdict.status is VerdictStatus.UNSOUND, verdict.detail
    assert verdict.axioms[-1] == "Lean.ofReduceBool"


async def test_a_theorem_inside_a_namespace_is_checked_under_its_full_name(
    pool: LocalPool,
) -> None:
    closed = theorem("t").replace("theorem t", "namespace Foo\n\ntheorem t") + "\nend Foo\n"
    decoy_first = theorem("t", "native_decide").replace(
        "theorem t", "def t : True := trivial\n\nnamespace Foo\n\ntheorem t"
    )
    valid, unsound = await check(pool, closed, decoy_first)
    assert valid.status is VerdictStatus.VALID, valid.detail
    assert unsound.status is VerdictStatus.UNSOUND, unsound.detail


async def test_code_without_a_header_or_declaration(pool: LocalPool) -> None:
    plain, no_decl = await check(pool, "theorem t : True := trivial\n", "#eval 1 + 1\n")
    assert plain.status is VerdictStatus.VALID, plain.detail
    assert no_decl.status is VerdictStatus.VALID
    assert "no declaration" in no_decl.detail


async def test_imports_in_the_body_are_lean_errors_not_headers(pool: LocalPool) -> None:
    code = theorem("t") + "import Mathlib.Tactic\n"
    (verdict,) = await check(pool, code)
    assert verdict.status is VerdictStatus.LEAN_ERROR
    assert verdict.errors[0].line == code.count("\n")
    assert "import Mathlib.Tactic" not in repr(pool)


async def test_bad_input_is_rejected_alone() -> None:
    async with LocalPool(config(max_code_bytes=4096)) as pool:
        verdicts = await pool.verify(
            [
                VerifyRequest(theorem("surrogate", "simp -- \ud800")),
                VerifyRequest(theorem("big", "simp -- " + "x" * 5000)),
                VerifyRequest(theorem("t"), timeout_s=0),
                VerifyRequest(theorem("fine")),
            ]
        )
    assert [v.status for v in verdicts] == [VerdictStatus.REJECTED] * 3 + [VerdictStatus.VALID]
    assert "not valid Unicode" in verdicts[0].detail
    assert "max_code_bytes=4096" in verdicts[1].detail
    assert "timeout_s" in verdicts[2].detail


# -- faults ------------------------------------------------------------------------------------

_CRASH_FIRST = """
import os, sys
marker, *argv = sys.argv[1:]
try:
    os.mkdir(marker)
except FileExistsError:
    pass
else:
    argv += ["--crash-rate", "1"]
os.execv(sys.executable, [sys.executable, *argv])
"""


async def test_a_crash_is_retried_once_on_a_fresh_repl(tmp_path: Path) -> None:
    script = tmp_path / "crash_first.py"
    script.write_text(_CRASH_FIRST)
    marker = tmp_path / "crashed-once"
    command = (sys.executable, str(script), str(marker), *standin_command()[1:])
    repl = ReplConfig(command=command, kill_grace_s=0.5)
    async with LocalPool(config(repl=repl, max_repls=1, spares=0)) as pool:
        (verdict,) = await check(pool, "theorem t : True := trivial\n")
        assert pool.stats["crash_retries"] == 1
    assert verdict.status is VerdictStatus.VALID, verdict.detail
    assert "simulated crash" in verdict.extra["retried_after_crash"]


@pytest.mark.parametrize("fault", ["crash", "garbage", "partial"])
async def test_a_proof_that_always_breaks_the_repl_is_a_crash(pool: LocalPool, fault: str) -> None:
    broken, fine = await check(pool, theorem("b", f"simp -- standin: {fault}"), theorem("f"))
    assert broken.status is VerdictStatus.CRASH
    assert "crashed twice" in broken.detail
    assert "retried_after_crash" in broken.extra
    assert fine.status is VerdictStatus.VALID
    assert pool.stats["crash_retries"] == 1


async def test_a_hang_times_out_and_the_next_proof_still_works(pool: LocalPool) -> None:
    hung, after = await pool.verify(
        [
            VerifyRequest(theorem("h", "simp -- standin: hang"), timeout_s=0.5),
            VerifyRequest(theorem("after")),
        ]
    )
    assert hung.status is VerdictStatus.TIMEOUT
    assert 0.5 <= hung.time_s < 4
    assert "0.5 s" in hung.detail
    assert after.status is VerdictStatus.VALID


async def test_memory_blowup_is_oom() -> None:
    repl = standin(memory_limit_mb=64, memory_poll_s=0.02)
    async with LocalPool(config(repl=repl)) as pool:
        blowup, fine = await check(pool, theorem("m", "simp -- standin: oom=500"), theorem("f"))
    assert blowup.status is VerdictStatus.OOM, blowup.detail
    assert "memory_limit_mb=64" in blowup.detail
    assert fine.status is VerdictStatus.VALID


async def test_a_stderr_flood_does_not_stall_the_repl(pool: LocalPool) -> None:
    (verdict,) = await check(pool, theorem("loud", "simp -- standin: stderr-flood=8"))
    assert verdict.status is VerdictStatus.VALID


async def test_a_header_lean_rejects_is_infra_error_and_never_retried() -> None:
    header = 'import Mathlib -- standin: error "unknown module prefix Foo"\n\n'
    codes = [theorem(f"t{i}", header=header) for i in range(3)]
    async with LocalPool(config(max_repls=1)) as pool:
        verdicts = await check(pool, *codes, theorem("other"))
        assert pool.stats["repls_started"] <= 3  # one for the bad header, the rest for HEADER
    assert [v.status for v in verdicts[:3]] == [VerdictStatus.INFRA_ERROR] * 3
    assert all("unknown module prefix Foo" in v.detail for v in verdicts[:3])
    assert verdicts[3].status is VerdictStatus.VALID


async def test_a_header_that_keeps_hanging_fails_fast_for_a_while() -> None:
    header = "import Mathlib -- standin: hang\n\n"
    codes = [theorem(f"t{i}", header=header) for i in range(4)]
    cfg = config(
        max_repls=1, spares=0, header_timeout_s=0.3, max_header_failures=2, header_retry_s=1.0
    )
    async with LocalPool(cfg) as pool:
        verdicts = await check(pool, *codes)
        assert pool.stats["repls_started"] == 2  # one attempt and its retry, then fail fast
        await asyncio.sleep(1.1)
        (later,) = await check(pool, codes[0])
        assert pool.stats["repls_started"] == 3  # one probe after header_retry_s
    assert all(v.status is VerdictStatus.INFRA_ERROR for v in [*verdicts, later])
    assert "ReplTimeout" in verdicts[0].detail
    assert "failure 2 in a row" in verdicts[0].detail
    assert "header_retry_s=1" in verdicts[3].detail
    assert "next attempt in" in verdicts[3].detail


async def test_a_missing_repl_command_is_infra_error_for_each_proof() -> None:
    repl = ReplConfig(command=("/nonexistent/lean-repl",))
    async with LocalPool(config(repl=repl)) as pool:
        verdicts = await check(pool, theorem("a"), theorem("b"))
    assert [v.status for v in verdicts] == [VerdictStatus.INFRA_ERROR] * 2
    assert "/nonexistent/lean-repl" in verdicts[0].detail


# -- scheduling --------------------------------------------------------------------------------


async def test_stream_yields_in_completion_order_and_verify_in_input_order() -> None:
    delays = [1.0, 0.0, 0.5]
    codes = [theorem(f"t{i}", f"simp -- standin: slow={d}") for i, d in enumerate(delays)]
    requests = [VerifyRequest(code, id=str(i)) for i, code in enumerate(codes)]
    async with LocalPool(config(max_repls=3, spares=0)) as pool:
        # Three warm REPLs first: the order then depends on the proofs' own times (0.5 s
        # apart), not on which process happened to start first on a loaded machine.
        await check(pool, *(theorem(f"warm{i}", "simp -- standin: slow=0.3") for i in range(3)))
        streamed = [index async for index, _ in pool.verify_stream(requests)]
        verdicts = await pool.verify(requests)
    assert streamed == [1, 2, 0]
    assert [v.id for v in verdicts] == ["0", "1", "2"]


async def test_concurrent_batches_share_the_pool(pool: LocalPool) -> None:
    batches = [[theorem(f"b{b}_{i}") for i in range(4)] for b in range(3)]
    results = await asyncio.gather(*(check(pool, *codes) for codes in batches))
    assert all(v.status is VerdictStatus.VALID for verdicts in results for v in verdicts)


async def test_proofs_not_started_in_time_are_overloaded_alone() -> None:
    codes = [theorem(f"t{i}", "simp -- standin: slow=1") for i in range(6)]
    cfg = config(max_repls=1, spares=0, queue_size=1, max_wait_s=0.3)
    async with LocalPool(cfg) as pool:
        # Warm the one REPL first, so the first proof starts at once however slowly a REPL
        # starts on a loaded machine; the others then wait a whole slow proof (1 s > 0.3 s).
        await check(pool, theorem("warm"))
        verdicts = await check(pool, *codes)
    statuses = [v.status for v in verdicts]
    assert statuses[0] is VerdictStatus.VALID
    assert statuses[1:] == [VerdictStatus.OVERLOADED] * 5
    assert "max_wait_s=0.3" in verdicts[1].detail


async def test_headers_are_keyed_exactly() -> None:
    full = prepare(VerifyRequest(theorem("a", header="import Mathlib\n\n")))
    tactic = prepare(VerifyRequest(theorem("b", header="import Mathlib.Tactic\n\n")))
    padded = prepare(VerifyRequest(theorem("c", header="import Mathlib\n\n\n\n")))
    assert full.key == padded.key == "import Mathlib"
    assert tactic.key == "import Mathlib.Tactic"
    assert (full.line_offset, padded.line_offset) == (2, 4)
    async with LocalPool(config(max_repls=2, spares=0)) as pool:
        verdicts = await check(
            pool,
            theorem("a", 'simp -- standin: error "x"', header="import Mathlib\n\n"),
            theorem("b", header="import Mathlib.Tactic\n\n"),
        )
        assert "'import Mathlib': 1" in repr(pool)
        assert "'import Mathlib.Tactic': 1" in repr(pool)
        (again,) = await check(pool, theorem("c", header="import Mathlib\n\n\n\n"))
        assert pool.stats["repls_started"] == 2
    assert verdicts[0].errors[0].line == 4
    assert verdicts[1].status is again.status is VerdictStatus.VALID


async def test_a_warm_spare_replaces_a_killed_repl() -> None:
    async with LocalPool(config(max_repls=1, spares=1)) as pool:
        (first,) = await check(pool, theorem("first"))
        assert await _eventually(lambda: _idle_repls(pool) == 2)  # the spare is warm
        (hung,) = await check(pool, theorem("h", "simp -- standin: hang"), timeout_s=0.5)
        (after,) = await check(pool, theorem("after"))
    assert first.extra["header_s"] > 0
    assert hung.status is VerdictStatus.TIMEOUT
    assert after.status is VerdictStatus.VALID
    assert after.extra["header_s"] == 0.0


async def test_repls_are_recycled_after_their_command_budget() -> None:
    async with LocalPool(config(repl=standin(recycle_after_commands=4), max_repls=1)) as pool:
        verdicts = await check(pool, *(theorem(f"t{i}") for i in range(6)))
        assert pool.stats["repls_recycled"] >= 2
    assert all(v.status is VerdictStatus.VALID for v in verdicts)


# -- lifecycle -------------------------------------------------------------------------------


async def test_closing_mid_batch_answers_everything_and_kills_every_repl() -> None:
    seed = next(_seeds)
    pool = LocalPool(config(repl=standin(seed=seed), max_repls=2))
    codes = [theorem(f"t{i}", "simp -- standin: slow=5") for i in range(5)]
    batch = asyncio.create_task(check(pool, *codes))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if "busy=2" in repr(pool):
            break
    assert processes_with(seed)
    await asyncio.gather(pool.aclose(), pool.aclose())
    verdicts = await batch
    assert [v.status for v in verdicts] == [VerdictStatus.INFRA_ERROR] * 5
    assert "closed" in verdicts[0].detail
    assert processes_with(seed) == []
    assert repr(pool).startswith("<LocalPool closed")
    await pool.aclose()
    with pytest.raises(PoolClosed):
        await check(pool, theorem("late"))


async def test_closing_while_a_caller_waits_for_queue_room_answers_everything() -> None:
    """The submitting side, held back by a full queue, must not be lost at shutdown."""
    pool = LocalPool(config(max_repls=1, spares=0, queue_size=1))
    codes = [theorem(f"t{i}", "simp -- standin: slow=5") for i in range(6)]
    batch = asyncio.create_task(check(pool, *codes))
    for _ in range(200):
        await asyncio.sleep(0.05)
        if "busy=1 queued=1" in repr(pool):
            break
    assert "busy=1 queued=1" in repr(pool)
    await pool.aclose()
    async with asyncio.timeout(30):
        verdicts = await batch
    assert [v.status for v in verdicts] == [VerdictStatus.INFRA_ERROR] * 6


async def test_a_cancelled_caller_leaks_no_repl_and_skips_its_queue() -> None:
    seed = next(_seeds)
    async with LocalPool(config(repl=standin(seed=seed), max_repls=2, spares=0)) as pool:
        codes = [theorem(f"t{i}", "simp -- standin: slow=0.4") for i in range(10)]
        batch = asyncio.create_task(check(pool, *codes))
        await asyncio.sleep(0.3)
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        (after,) = await check(pool, theorem("after"))
        assert after.status is VerdictStatus.VALID
        for _ in range(60):  # the cancelled caller's running proofs finish, then hand back
            if "busy=0 queued=0" in repr(pool):
                break
            await asyncio.sleep(0.05)
        assert "busy=0 queued=0" in repr(pool)
        assert len(processes_with(seed)) <= 2
        assert sum(pool.stats.get(s.value, 0) for s in VerdictStatus) < 10
    assert processes_with(seed) == []


async def test_a_caller_that_stops_reading_drops_its_queued_proofs() -> None:
    codes = [theorem(f"t{i}", "simp -- standin: slow=0.2") for i in range(8)]
    requests = [VerifyRequest(code) for code in codes]
    async with LocalPool(config(max_repls=1, spares=0)) as pool:
        async with contextlib.aclosing(pool.verify_stream(requests)) as stream:
            async for _ in stream:
                break
        (after,) = await check(pool, theorem("after"))
        assert after.status is VerdictStatus.VALID
        assert pool.stats["valid"] <= 3  # the first, perhaps the one running, and "after"


async def test_an_empty_batch(pool: LocalPool) -> None:
    assert await pool.verify([]) == []


async def test_repr_shows_the_pool_state(pool: LocalPool) -> None:
    assert repr(pool) == "<LocalPool open max_repls=2 repls={} busy=0 queued=0>"
    await check(pool, theorem("t"))
    assert "repls={'import Mathlib (+3 lines)': " in repr(pool)


def test_lean_version_comes_from_the_project(tmp_path: Path) -> None:
    (tmp_path / "lean-toolchain").write_text("leanprover/lean4:v4.15.0\n")
    (tmp_path / "lake-manifest.json").write_text(
        '{"version": 7, "packages": [{"name": "mathlib", "rev": "9837ca9d"}]}'
    )
    assert LocalPool(config(repl=ReplConfig(cwd=tmp_path))).lean_version == (
        "leanprover/lean4:v4.15.0 mathlib@9837ca9d"
    )
    bare = LocalPool(config(repl=ReplConfig(command=("my-repl", "--flag"))))
    assert bare.lean_version == "unknown Lean version (REPL command: my-repl --flag)"


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_repls", 0), ("spares", -1), ("timeout_s", 0), ("queue_size", 0), ("max_wait_s", -1)],
)
def test_config_errors_name_the_field(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=rf"PoolConfig\.{field}={value}"):
        PoolConfig(**{field: value})


# -- the given statement, one round trip, what may be cached --------------------------------

GIVEN = f"{HEADER}theorem t : 1 + 1 = 2 := by\n  sorry\n"


class _Store:
    """An in-memory statement store that records what the pool asks of it."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.gets = 0

    def get_statement(self, key: str) -> str | None:
        self.gets += 1
        return self.items.get(key)

    def put_statement(self, key: str, printed: str) -> None:
        self.items[key] = printed


async def test_the_given_statement_runs_once_and_a_tampered_one_is_unsound() -> None:
    store = _Store()
    honest = theorem("t")
    tampered = (
        f"{HEADER}variable (h : False)\ninclude h\n\ntheorem t : 1 + 1 = 2 := by\n  norm_num\n"
    )
    async with LocalPool(config(max_repls=1, spares=0), statements=store) as pool:
        first, second, bad = await check(pool, honest, honest, tampered, formal_statement=GIVEN)
    assert (first.status, second.status) == (VerdictStatus.VALID, VerdictStatus.VALID)
    assert "statement_check_s" in first.extra
    assert "statement_check_s" not in second.extra
    assert list(store.items.values()) == ["@t : 1 + 1 = 2"]
    assert bad.status is VerdictStatus.UNSOUND
    assert bad.unsound_reason == "statement"
    assert "(h : False)" in bad.detail


async def test_a_stored_statement_is_used_by_the_next_pool() -> None:
    store = _Store()
    async with LocalPool(config(max_repls=1, spares=0), statements=store) as pool:
        await check(pool, theorem("t"), formal_statement=GIVEN)
    async with LocalPool(config(max_repls=1, spares=0), statements=store) as pool:
        (verdict,) = await check(pool, theorem("t"), formal_statement=GIVEN)
    assert verdict.status is VerdictStatus.VALID
    assert "statement_check_s" not in verdict.extra


async def test_a_statement_that_does_not_elaborate_is_rejected_never_cached() -> None:
    broken = f'{HEADER}theorem t : 1 + 1 = two -- standin: error "unknown identifier"\n  := by\n'
    async with LocalPool(config(max_repls=1, spares=0)) as pool:
        (bad_statement,) = await check(pool, theorem("t"), formal_statement=broken)
    assert bad_statement.status is VerdictStatus.REJECTED
    assert "does not elaborate" in bad_statement.detail
    assert "fix the formal statement" in bad_statement.detail
    assert not bad_statement.is_cacheable


async def test_the_statement_runs_under_its_own_header_when_the_proof_adds_options() -> None:
    extra_option = theorem("t", header=f"{HEADER}set_option maxRecDepth 2000\n\n")
    async with LocalPool(config(max_repls=1, spares=0)) as pool:
        (verdict,) = await check(pool, extra_option, formal_statement=GIVEN)
        keys = sorted(pool._supply._groups)
    assert verdict.status is VerdictStatus.VALID, verdict.detail
    assert keys == sorted([HEADER.rstrip(), f"{HEADER}set_option maxRecDepth 2000".rstrip()])


async def test_one_command_per_proof_from_the_header_environment() -> None:
    async with LocalPool(config(max_repls=1, spares=0)) as pool:
        await check(pool, theorem("warm"))
        before = pool.stats.get("repls_started", 0)
        verdicts = await check(pool, *(theorem(f"t{i}") for i in range(3)))
        assert [v.status for v in verdicts] == [VerdictStatus.VALID] * 3
        (repl,) = [w.repl for group in pool._supply._groups.values() for w in group.idle]
        assert repl.commands_run == 1 + 1 + 3  # header, warm-up, one per proof
    assert pool.stats.get("repls_started", 0) == before


async def test_a_timeout_while_examples_are_elaborated_again_is_never_cached() -> None:
    slow_example = f"{HEADER}example : 1 + 1 = 2 := by\n  norm_num -- standin: hang\n"
    slow_theorem = theorem("t", "norm_num -- standin: hang")
    async with LocalPool(config(max_repls=1, spares=0, timeout_s=0.5)) as pool:
        example, named = await check(pool, slow_example, slow_theorem)
    assert (example.status, named.status) == (VerdictStatus.TIMEOUT, VerdictStatus.TIMEOUT)
    assert example.provisional
    assert not example.is_cacheable
    assert named.is_cacheable


async def test_concurrent_proofs_of_one_statement_run_it_once() -> None:
    codes = [theorem("t", f"norm_num -- variant {i}") for i in range(4)]
    async with LocalPool(config(max_repls=4, spares=0)) as pool:
        verdicts = await check(pool, *codes, formal_statement=GIVEN)
    assert [v.status for v in verdicts] == [VerdictStatus.VALID] * 4
    assert sum("statement_check_s" in v.extra for v in verdicts) == 1


async def test_a_statement_that_cannot_be_run_is_infra_error_and_tried_again() -> None:
    hangs = f"{HEADER}theorem t : 1 + 1 = 2 -- standin: hang\n  := by\n"
    async with LocalPool(config(max_repls=1, spares=0, timeout_s=0.5)) as pool:
        first = await check(pool, theorem("t"), formal_statement=hangs)
        again = await check(pool, theorem("t"), formal_statement=hangs)
    for (verdict,) in (first, again):
        assert verdict.status is VerdictStatus.INFRA_ERROR
        assert "checking the formal statement alone failed" in verdict.detail
        assert not verdict.is_cacheable
