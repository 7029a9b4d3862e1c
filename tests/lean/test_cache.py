"""VerdictCache / CachingVerifier: Lean's judgements are reused, infrastructure errors never."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.cache import CACHE_SCHEMA_VERSION, CachingVerifier, VerdictCache
from kimina_prover_rl.lean.dedup import proof_key
from tests.lean._fake_verifier import LEAN_VERSION, fake_verifier, scripted_verdict


def _requests(*codes: str) -> list[VerifyRequest]:
    return [VerifyRequest(code, id=f"id{i}") for i, code in enumerate(codes)]


async def test_second_batch_is_answered_from_the_cache(tmp_path: Path) -> None:
    fake = fake_verifier()
    verifier = CachingVerifier(fake, VerdictCache(tmp_path / "cache.db"))
    codes = ("ok", "x sorry", "y error", "z axiom", "w timeout")
    first = await verifier.verify(_requests(*codes))
    assert not any(v.cached for v in first)

    second = await verifier.verify([VerifyRequest(c, id=f"again{i}") for i, c in enumerate(codes)])

    assert len(fake.requests) == len(codes)
    assert all(v.cached for v in second)
    assert [v.id for v in second] == [f"again{i}" for i in range(len(codes))]
    assert [v.status for v in second] == [v.status for v in first]
    assert second[3].axioms == ("propext", "bad_axiom")
    assert second[2].messages == first[2].messages
    await verifier.aclose()
    assert fake.closed


async def test_infrastructure_errors_are_never_cached(tmp_path: Path) -> None:
    fake = fake_verifier()
    verifier = CachingVerifier(fake, VerdictCache(tmp_path / "cache.db"))
    for _ in range(2):
        (verdict,) = await verifier.verify(_requests("infra trouble"))
        assert verdict.status is VerdictStatus.INFRA_ERROR
        assert not verdict.cached
    assert len(fake.requests) == 2
    assert len(verifier.cache) == 0


def test_put_many_stores_only_lean_judgements(tmp_path: Path) -> None:
    with VerdictCache(tmp_path / "c.db") as cache:
        statuses = list(VerdictStatus)
        items = [(f"k{i}", Verdict(status)) for i, status in enumerate(statuses)]
        assert cache.put_many(items) == sum(s.is_lean_judgement for s in statuses)
        found = cache.get_many([f"k{i}" for i in range(len(statuses))])
        assert {v.status for v in found.values()} == {s for s in statuses if s.is_lean_judgement}
        assert (cache.hits, cache.misses) == (len(found), len(statuses) - len(found))


async def test_a_different_lean_version_misses(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    old = CachingVerifier(fake_verifier(lean_version="v4.8"), VerdictCache(path))
    await old.verify(_requests("ok"))
    await old.aclose()
    new_fake = fake_verifier(lean_version="v4.9")
    new = CachingVerifier(new_fake, VerdictCache(path))
    (verdict,) = await new.verify(_requests("ok"))
    assert not verdict.cached
    assert len(new_fake.requests) == 1


async def test_a_different_time_limit_misses(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path / "cache.db")
    short = CachingVerifier(fake_verifier(), cache, default_timeout_s=1, close_cache=False)
    await short.verify(_requests("slow timeout"))
    longer = CachingVerifier(fake_verifier(), cache, default_timeout_s=60)
    (verdict,) = await longer.verify(_requests("slow timeout"))
    assert not verdict.cached


async def test_no_lookup_while_the_backend_does_not_know_its_lean_version(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path / "cache.db")
    key = proof_key(VerifyRequest("ok"), scope="")
    cache.put_many([(key, scripted_verdict(VerifyRequest("ok"), lean_version=""))])
    fake = fake_verifier(lean_version="")
    (verdict,) = await CachingVerifier(fake, cache).verify(_requests("ok"))
    assert not verdict.cached
    assert len(fake.requests) == 1


def test_the_cache_is_shared_across_connections(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    key = proof_key(VerifyRequest("ok"), scope=LEAN_VERSION)
    with VerdictCache(path) as writer, VerdictCache(path) as reader:
        writer.put_many([(key, scripted_verdict(VerifyRequest("ok")))])
        assert reader.get_many([key])[key].status is VerdictStatus.VALID
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == CACHE_SCHEMA_VERSION


def _write_many(path: str, worker: int) -> None:
    with VerdictCache(path) as cache:
        for i in range(50):
            request = VerifyRequest(f"proof {worker}-{i}")
            cache.put_many([(proof_key(request, scope=LEAN_VERSION), scripted_verdict(request))])


def test_concurrent_writers_in_several_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    VerdictCache(path).close()
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_many, args=(str(path), w)) for w in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    with VerdictCache(path) as cache:
        assert len(cache) == 150


def test_a_file_that_is_not_a_database_is_a_clear_config_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match=r"cache\.db.*--no-cache"):
        VerdictCache(path)


def test_a_cache_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={CACHE_SCHEMA_VERSION + 1}")
    with pytest.raises(ConfigError, match="newer kimina-prover-rl"):
        VerdictCache(path)


async def test_a_failure_while_running_degrades_to_no_cache_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = VerdictCache(tmp_path / "cache.db")
    assert cache._conn is not None
    cache._conn.execute("DROP TABLE verdicts")
    fake = fake_verifier()
    with caplog.at_level(logging.WARNING, logger="kimina_prover_rl.lean.cache"):
        verdicts = await CachingVerifier(fake, cache).verify(_requests("ok", "x sorry"))
    assert [v.status for v in verdicts] == [VerdictStatus.VALID, VerdictStatus.SORRY]
    assert "continuing without it" in caplog.text
    assert "cache.db" in caplog.text


async def test_a_laxer_pool_never_lends_its_verdicts_to_a_stricter_one(tmp_path: Path) -> None:
    """Pools sharing a cache file but judging differently keep their answers apart."""
    from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
    from kimina_prover_rl.lean.repl import ReplConfig
    from kimina_prover_rl.standin import standin_command

    code = "theorem nd : 1 + 1 = 2 := by\n  native_decide\n"
    repl = ReplConfig(command=standin_command(), kill_grace_s=0.5)
    statuses = []
    for allow in (True, False):
        pool = LocalPool(PoolConfig(repl=repl, max_repls=1, spares=0, allow_native_decide=allow))
        async with CachingVerifier(pool, VerdictCache(tmp_path / "shared.db")) as verifier:
            (verdict,) = await verifier.verify([VerifyRequest(code)])
        statuses.append((verdict.status, verdict.cached))
    assert statuses == [(VerdictStatus.VALID, False), (VerdictStatus.UNSOUND, False)]


def test_the_pool_scope_separates_projects_commands_and_limits(tmp_path: Path) -> None:
    from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
    from kimina_prover_rl.lean.repl import ReplConfig

    def scope(project: Path, **changes: object) -> str:
        (project / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n")
        repl = ReplConfig(cwd=project, **{k: v for k, v in changes.items() if k != "timeout_s"})
        timeout = changes.get("timeout_s", 60.0)
        return LocalPool(PoolConfig(repl=repl, timeout_s=timeout)).verdict_scope  # type: ignore[arg-type]

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    base = scope(first)
    assert base == scope(first)
    assert "v4.19.0" in base
    assert (
        len({base, scope(second), scope(first, memory_limit_mb=1024), scope(first, timeout_s=5)})
        == 4
    )
    assert base != scope(first, command=("lake", "env", "/other/repl"))
    (first / "lake-manifest.json").write_text('{"packages": []}')
    assert base != scope(first)


def test_a_provisional_verdict_is_never_stored(tmp_path: Path) -> None:
    with VerdictCache(tmp_path / "c.db") as cache:
        judged = Verdict(VerdictStatus.TIMEOUT)
        maybe_the_check = Verdict(VerdictStatus.TIMEOUT, provisional=True)
        assert cache.put_many([("judged", judged), ("check", maybe_the_check)]) == 1
        assert set(cache.get_many(["judged", "check"])) == {"judged"}


def test_printed_statements_are_kept_across_connections(tmp_path: Path) -> None:
    with VerdictCache(tmp_path / "c.db") as cache:
        assert cache.get_statement("k") is None
        cache.put_statement("k", "@t : True")
    with VerdictCache(tmp_path / "c.db") as cache:
        assert cache.get_statement("k") == "@t : True"


def test_a_cache_written_by_schema_1_gains_the_statements_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE verdicts (key TEXT PRIMARY KEY, lean_version TEXT NOT NULL, "
        "status TEXT NOT NULL, verdict TEXT NOT NULL, created_at REAL NOT NULL)"
    )
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with VerdictCache(path) as cache:
        cache.put_statement("k", "@t : True")
        assert cache.get_statement("k") == "@t : True"
        cache.put_self_check("scope", '{"state": "passed"}')
        assert cache.get_self_check("scope") == '{"state": "passed"}'
        assert cache.get_self_check("other scope") is None
    assert CACHE_SCHEMA_VERSION == 3


@pytest.mark.parametrize(
    "change",
    [
        {"timeout_s": 5.0},
        {"allow_native_decide": True},
        {"theorem_name": "u"},
        {"formal_statement": None},
        {"formal_statement": "theorem t : True ∧ True := by\n  sorry"},
    ],
)
async def test_each_request_setting_that_changes_a_verdict_misses(
    tmp_path: Path, change: dict[str, object]
) -> None:
    fake = fake_verifier()
    verifier = CachingVerifier(fake, VerdictCache(tmp_path / "cache.db"))
    base = {"formal_statement": "theorem u : True := by\n  sorry\ntheorem t : True := by\n  sorry"}
    await verifier.verify([VerifyRequest("ok", **base)])  # type: ignore[arg-type]
    settings = {**base, **change}
    (verdict,) = await verifier.verify([VerifyRequest("ok", **settings)])  # type: ignore[arg-type]
    assert not verdict.cached
    assert len(fake.requests) == 2
