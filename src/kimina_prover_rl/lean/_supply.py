"""Warm REPLs per header, within a process cap: hand them out, take them back, replace them.

A REPL is *warm* once it has run its header. Workers ask for one by header key; the
supply gives an idle one, a spare that is already starting, or starts one (evicting the
least recently used idle REPL of another header when the cap is reached). After each
hand-out it tops the header up to ``spares`` idle-or-starting REPLs in the background,
so a REPL that dies or is recycled is replaced without a worker waiting for ``import``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from kimina_prover_rl.errors import ConfigError, ReplError
from kimina_prover_rl.lean.protocol import ErrorResponse, parse_response
from kimina_prover_rl.lean.repl import LeanRepl, ReplConfig

__all__ = ["HeaderFailure", "ReplSupply", "Warm", "describe_header"]


class HeaderFailure(Exception):
    """A REPL for a header could not be made ready; the message says why.

    ``transient`` failures (the header load crashed or timed out) may succeed on another
    attempt; the others (Lean rejected the header, the command cannot run) never will.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(eq=False, slots=True)
class _Group:
    """The REPLs of one header: idle ones, how many are busy or starting, who waits."""

    key: str
    idle: list[Warm] = field(default_factory=list)
    busy: int = 0
    starting: int = 0
    waiters: deque[asyncio.Future[Warm | None]] = field(default_factory=deque)
    failures: int = 0
    last_failure: str = ""
    tripped_until: float = 0.0
    broken: str | None = None


@dataclass(eq=False, slots=True)
class Warm:
    """A REPL that has run its header; ``env`` is the header's environment id."""

    repl: LeanRepl
    group: _Group
    env: int | None
    header_s: float
    last_used: float = 0.0


class ReplSupply:
    """Warm REPLs for up to ``max_busy`` concurrent users plus ``spares`` per header."""

    def __init__(
        self,
        config: ReplConfig,
        *,
        max_busy: int,
        spares: int,
        header_timeout_s: float,
        max_header_failures: int,
        header_retry_s: float,
    ) -> None:
        self._config = config
        self._cap = max_busy + spares
        self._spares = spares
        self._header_timeout_s = header_timeout_s
        self._max_header_failures = max_header_failures
        self._header_retry_s = header_retry_s
        self._groups: dict[str, _Group] = {}
        self._repls: set[LeanRepl] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._total = 0
        self._capacity = asyncio.Event()
        self._closed = False
        self.counts: Counter[str] = Counter()

    def snapshot(self) -> tuple[dict[str, int], int]:
        """REPLs per header (idle, busy or starting) and how many are busy."""
        repls = {
            describe_header(key): len(g.idle) + g.busy + g.starting
            for key, g in self._groups.items()
            if g.idle or g.busy or g.starting
        }
        return repls, sum(g.busy for g in self._groups.values())

    async def acquire(self, key: str) -> tuple[Warm, float]:
        """A warm REPL for header ``key`` and the header time waited for (0 if warm).

        Raises :class:`HeaderFailure` when the header cannot be loaded.
        """
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(key)
        while True:
            if group.broken is not None:
                raise HeaderFailure(group.broken)
            wait = group.tripped_until - time.monotonic()
            if wait > 0:
                raise HeaderFailure(f"{group.last_failure}; next attempt in {wait:.0f} s")
            while group.idle:
                warm = group.idle.pop()
                if warm.repl.alive:
                    return self._take(warm), 0.0
                self._drop(warm)
            started = time.perf_counter()
            if group.starting > len(group.waiters):
                warm_or_none = await self._wait_for_spare(group)
                if warm_or_none is None:  # that spare failed to start: look again
                    continue
                return self._take(warm_or_none), time.perf_counter() - started
            if self._total < self._cap or self._evict_idle():
                self._total += 1
                warm = await self._start(group)
                return self._take(warm), warm.header_s
            self._capacity.clear()
            await self._capacity.wait()

    def release(self, warm: Warm) -> None:
        """Take back a REPL after a successful command; recycle it if it asks to be."""
        warm.group.busy -= 1
        if warm.repl.needs_recycle:
            self.counts["repls_recycled"] += 1
            self._drop(warm)
            self._refill(warm.group)
        else:
            self._give(warm)

    def retire(self, warm: Warm) -> None:
        """Take back a busy REPL that failed (or whose user was cancelled) and kill it."""
        warm.group.busy -= 1
        self._drop(warm)
        self._refill(warm.group)

    async def aclose(self) -> None:
        """Stop starting REPLs and kill every one; idempotent."""
        self._closed = True
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(repl.aclose() for repl in list(self._repls)))
        self._repls.clear()
        for group in self._groups.values():
            group.idle.clear()
            for waiter in group.waiters:
                waiter.cancel()

    async def _wait_for_spare(self, group: _Group) -> Warm | None:
        waiter: asyncio.Future[Warm | None] = asyncio.get_running_loop().create_future()
        group.waiters.append(waiter)
        try:
            return await waiter
        except BaseException:
            handed = waiter.result() if waiter.done() and not waiter.cancelled() else None
            if handed is not None:
                self._give(handed)
            elif waiter in group.waiters:
                group.waiters.remove(waiter)
            raise

    def _take(self, warm: Warm) -> Warm:
        warm.group.busy += 1
        self._refill(warm.group)
        return warm

    async def _start(self, group: _Group) -> Warm:
        """Start a REPL and run the header; on failure the slot is freed again."""
        started = time.perf_counter()
        try:
            repl = await LeanRepl.start(self._config)
        except ConfigError as exc:
            self._total -= 1
            group.broken = f"cannot start a REPL: {exc}"
            self._capacity.set()
            raise HeaderFailure(group.broken) from exc
        except BaseException:
            self._total -= 1
            raise
        self._repls.add(repl)
        self.counts["repls_started"] += 1
        try:
            env = await self._load_header(repl, group)
        except BaseException:
            self._repls.discard(repl)
            self._total -= 1
            self._spawn(repl.aclose())
            self._capacity.set()
            raise
        group.failures = 0
        return Warm(repl, group, env, header_s=time.perf_counter() - started)

    async def _load_header(self, repl: LeanRepl, group: _Group) -> int | None:
        if not group.key:
            return None
        shown = describe_header(group.key)
        try:
            raw = await repl.send({"cmd": group.key}, timeout_s=self._header_timeout_s)
            answer = parse_response(raw)
        except ReplError as exc:
            group.failures += 1
            limit = self._max_header_failures
            detail = (
                f"the header {shown!r} failed to load ({type(exc).__name__}: {exc}); "
                f"failure {group.failures} in a row"
            )
            if group.failures >= limit:
                group.tripped_until = time.monotonic() + self._header_retry_s
                detail += (
                    f"; after {limit} failures its proofs fail at once for "
                    f"header_retry_s={self._header_retry_s} s"
                )
            group.last_failure = detail
            raise HeaderFailure(detail, transient=True) from exc
        if isinstance(answer, ErrorResponse):
            problem = f"the REPL refused it: {answer.message}"
        elif errors := [m.data for m in answer.messages if m.severity == "error"]:
            problem = "Lean reported: " + " | ".join(errors)
        elif answer.env is None:
            problem = "the REPL returned no environment for it"
        else:
            return answer.env
        group.broken = (
            f"the header {shown!r} cannot be used ({problem}); fix the header or the Lean "
            "project (the pool does not retry it)"
        )
        raise HeaderFailure(group.broken)

    def _refill(self, group: _Group) -> None:
        """Start background spares until ``group`` has ``spares`` warm or warming REPLs."""
        free = len(group.idle) + group.starting - len(group.waiters)
        while (
            free < self._spares
            and self._total < self._cap
            and group.broken is None
            and group.tripped_until <= time.monotonic()
            and not self._closed
        ):
            self._total += 1
            group.starting += 1
            free += 1
            self._spawn(self._start_spare(group))

    async def _start_spare(self, group: _Group) -> None:
        try:
            warm = await self._start(group)
        except BaseException as exc:
            group.starting -= 1
            # Workers counted on this spare: wake them to look again (or fail) at once.
            while len(group.waiters) > group.starting:
                waiter = group.waiters.pop()
                if not waiter.done():
                    waiter.set_result(None)
            if isinstance(exc, HeaderFailure):
                return
            raise
        group.starting -= 1
        self._give(warm)

    def _give(self, warm: Warm) -> None:
        """Hand a free REPL to a worker waiting for its header, or make it idle."""
        group = warm.group
        while group.waiters:
            waiter = group.waiters.popleft()
            if not waiter.done():
                waiter.set_result(warm)
                return
        warm.last_used = time.monotonic()
        group.idle.append(warm)
        self._capacity.set()

    def _drop(self, warm: Warm) -> None:
        """Kill a REPL that is no longer handed out (in the background) and free its slot."""
        self._total -= 1
        self._repls.discard(warm.repl)
        self.counts["repls_retired"] += 1
        self._spawn(warm.repl.aclose())
        self._capacity.set()

    def _evict_idle(self) -> bool:
        candidates = [w for g in self._groups.values() for w in g.idle]
        if not candidates:
            return False
        oldest = min(candidates, key=lambda w: w.last_used)
        oldest.group.idle.remove(oldest)
        self._drop(oldest)
        return True

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def describe_header(header: str) -> str:
    """A one-line label for a header: its first line, and how many lines follow."""
    lines = [line for line in header.splitlines() if line.strip()]
    if not lines:
        return "<no header>"
    text = lines[0] if len(lines) == 1 else f"{lines[0]} (+{len(lines) - 1} lines)"
    return text if len(text) <= 60 else text[:57] + "..."
