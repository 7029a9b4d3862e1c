"""A verdict cache on disk (SQLite), shared safely by every process on the machine.

Only Lean's own judgements of the proof (:attr:`Verdict.is_cacheable`) are stored: an
infrastructure failure, or a check that timed out while it elaborated examples once more,
says nothing final about the proof and is checked again next time. The
key is :func:`~kimina_prover_rl.lean.dedup.proof_key` (code, options and the backend's
verdict scope: Lean version, project, REPL command, limits, ``native_decide`` policy), so
a new Lean or Mathlib, another project or a laxer configuration never sees an old answer.

sqlite3 errors are translated here and nowhere else. A file that cannot be opened as a
cache (not a database, written by a newer version, unwritable folder) is a
:class:`~kimina_prover_rl.errors.ConfigError` raised when the cache is opened, naming the
file and the fix. A failure while running (disk full, a lock held past ``busy_timeout_s``)
only disables that lookup or store, with a warning on the ``kimina_prover_rl.lean.cache``
logger: a cache fault must never cost a verdict.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean.dedup import proof_key
from kimina_prover_rl.lean.verdict import Verdict, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier, WrappingVerifier, with_default_timeout

__all__ = ["CACHE_SCHEMA_VERSION", "CachingVerifier", "VerdictCache"]

#: Stored in ``PRAGMA user_version``; bump it (and migrate) when the layout changes.
CACHE_SCHEMA_VERSION = 3

_logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS verdicts (
    key TEXT PRIMARY KEY,
    lean_version TEXT NOT NULL,
    status TEXT NOT NULL,
    verdict TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""
_STATEMENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS statements (
    key TEXT PRIMARY KEY,
    printed TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""
_SELF_CHECKS_SCHEMA = """
CREATE TABLE IF NOT EXISTS self_checks (
    key TEXT PRIMARY KEY,
    report TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""
_FIX = "delete it, pass another --cache path, or run with --no-cache"


class VerdictCache:
    """Verdicts by :func:`proof_key`, in one SQLite file (WAL mode, safe across processes).

    Methods are synchronous and thread-safe (one connection behind a lock);
    :class:`CachingVerifier` calls them from a worker thread so the event loop never
    waits on the disk.
    """

    def __init__(self, path: Path | str, *, busy_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = self._open(busy_timeout_s)

    def __repr__(self) -> str:
        state = "open" if self._conn is not None else "closed"
        return f"<VerdictCache {str(self.path)!r} {state} hits={self.hits} misses={self.misses}>"

    def _open(self, busy_timeout_s: float) -> sqlite3.Connection:
        """Open (creating if needed) and check the schema; errors name the file and the fix."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the folder of the verdict cache {self.path}: {exc}; "
                "pass a --cache path in a writable folder, or --no-cache"
            ) from exc
        try:
            conn = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open the verdict cache {self.path}: {exc}; {_FIX}") from exc
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > CACHE_SCHEMA_VERSION:
                raise ConfigError(
                    f"the verdict cache {self.path} has schema version {version}, written by a "
                    f"newer kimina-prover-rl (this one reads {CACHE_SCHEMA_VERSION}); upgrade, or "
                    f"{_FIX}"
                )
            if version < CACHE_SCHEMA_VERSION:
                with conn:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute(_SCHEMA)
                    conn.execute(_STATEMENTS_SCHEMA)
                    conn.execute(_SELF_CHECKS_SCHEMA)
                    conn.execute(f"PRAGMA user_version={CACHE_SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            conn.close()
            raise ConfigError(f"{self.path} is not a usable verdict cache ({exc}); {_FIX}") from exc
        except ConfigError:
            conn.close()
            raise
        return conn

    def get_many(self, keys: Sequence[str]) -> dict[str, Verdict]:
        """The cached verdicts among ``keys`` (ids unset, ``cached=True``)."""
        found: dict[str, Verdict] = {}
        if not keys:
            return found
        rows: list[tuple[str, str]] = []
        for start in range(0, len(keys), 500):
            chunk = list(dict.fromkeys(keys[start : start + 500]))
            marks = ",".join("?" * len(chunk))
            rows += self._run(
                "look up", f"SELECT key, verdict FROM verdicts WHERE key IN ({marks})", chunk
            )
        for key, text in rows:
            try:
                found[key] = replace(Verdict.from_dict(json.loads(text)), id=None, cached=True)
            except (ValueError, KeyError, TypeError) as exc:
                _logger.warning(
                    "verdict cache %s: ignoring unreadable entry %s (%s)", self.path, key, exc
                )
        self.hits += sum(1 for key in keys if key in found)
        self.misses += sum(1 for key in keys if key not in found)
        return found

    def put_many(self, items: Iterable[tuple[str, Verdict]]) -> int:
        """Store Lean's judgements among ``items``; returns how many were stored."""
        rows = [
            (
                key,
                v.lean_version,
                v.status.value,
                json.dumps(_stored(v), ensure_ascii=False),
                time.time(),
            )
            for key, v in items
            if v.is_cacheable
        ]
        if rows:
            self._run(
                "store",
                "INSERT OR REPLACE INTO verdicts (key, lean_version, status, verdict, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
                many=True,
            )
        return len(rows)

    def get_statement(self, key: str) -> str | None:
        """How Lean printed a given statement's type, stored under ``key`` (None: unknown)."""
        rows = self._run("statement lookup", "SELECT printed FROM statements WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def put_statement(self, key: str, printed: str) -> None:
        """Store how Lean printed a given statement's type (only ever Lean's own output)."""
        self._run(
            "statement store",
            "INSERT OR REPLACE INTO statements (key, printed, created_at) VALUES (?, ?, ?)",
            [(key, printed, time.time())],
            many=True,
        )

    def get_self_check(self, key: str) -> str | None:
        """The passed start-up self-check stored under ``key`` (None: not passed yet)."""
        rows = self._run(
            "self-check lookup", "SELECT report FROM self_checks WHERE key = ?", (key,)
        )
        return str(rows[0][0]) if rows else None

    def put_self_check(self, key: str, report: str) -> None:
        """Remember a passed self-check (``lean.self_check``) under its verdict scope's key."""
        self._run(
            "self-check store",
            "INSERT OR REPLACE INTO self_checks (key, report, created_at) VALUES (?, ?, ?)",
            [(key, report, time.time())],
            many=True,
        )

    def __len__(self) -> int:
        rows = self._run("count", "SELECT COUNT(*) FROM verdicts", ())
        return int(rows[0][0]) if rows else 0

    def _run(
        self, what: str, sql: str, params: Sequence[object], *, many: bool = False
    ) -> list[tuple[str, str]]:
        """Run one statement; a failure is logged and treated as an empty result."""
        with self._lock:
            if self._conn is None:
                return []
            try:
                if many:
                    with self._conn:
                        self._conn.execute("BEGIN IMMEDIATE")
                        self._conn.executemany(sql, params)  # type: ignore[arg-type]
                    return []
                return list(self._conn.execute(sql, params).fetchall())
            except sqlite3.Error as exc:
                _logger.warning(
                    "verdict cache %s: %s failed (%s); continuing without it for this batch",
                    self.path,
                    what,
                    exc,
                )
                return []

    def close(self) -> None:
        """Close the database. Idempotent; lookups after close find nothing."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> VerdictCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _stored(verdict: Verdict) -> dict[str, object]:
    data = verdict.to_dict()
    data["id"] = None
    data["cached"] = False
    return data


class CachingVerifier(WrappingVerifier):
    """Answers from a :class:`VerdictCache` where it can, and asks ``inner`` for the rest.

    Hits are yielded first, marked ``cached=True`` and carrying the request's own id.
    While ``inner`` does not know its verdict scope (a remote server not asked yet),
    lookups are skipped: an answer from another Lean must never be served. With
    ``default_timeout_s`` (the outermost wrapper of a stack), requests that set no time
    limit are keyed and passed on with that one.
    """

    def __init__(
        self,
        inner: Verifier,
        cache: VerdictCache,
        *,
        default_timeout_s: float | None = None,
        close_cache: bool = True,
    ) -> None:
        super().__init__(inner)
        self.cache = cache
        self._default_timeout_s = default_timeout_s
        self._close_cache = close_cache

    def __repr__(self) -> str:
        return f"<CachingVerifier cache={self.cache!r} inner={self._inner!r}>"

    async def aclose(self) -> None:
        try:
            await super().aclose()
        finally:
            if self._close_cache:
                self.cache.close()

    def _keys(self, requests: Sequence[VerifyRequest], scope: str) -> list[str]:
        return [proof_key(r, scope=scope) for r in requests]

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        requests = with_default_timeout(requests, self._default_timeout_s)
        scope = self._inner.verdict_scope
        misses: list[int] = list(range(len(requests)))
        if scope:
            keys = self._keys(requests, scope)
            hits = await asyncio.to_thread(self.cache.get_many, keys)
            misses = [i for i in misses if keys[i] not in hits]
            for index, key in enumerate(keys):
                if key in hits:
                    yield index, replace(hits[key], id=requests[index].id)
        if not misses:
            return
        pending: list[tuple[str, Verdict]] = []
        try:
            async for position, answer in self._inner.verify_stream([requests[i] for i in misses]):
                index = misses[position]
                verdict = answer
                scope = self._inner.verdict_scope
                if scope and verdict.is_cacheable:
                    key = self._keys([requests[index]], scope)[0]
                    if not verdict.code_hash:
                        verdict = replace(verdict, code_hash=key)
                    pending.append((key, verdict))
                    if len(pending) >= 64:
                        batch, pending = pending, []
                        await asyncio.to_thread(self.cache.put_many, batch)
                yield index, verdict
        finally:
            if pending:
                await asyncio.shield(asyncio.to_thread(self.cache.put_many, pending))
