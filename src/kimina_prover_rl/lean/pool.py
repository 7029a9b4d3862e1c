"""A pool of Lean REPL processes, keyed by header, that gives every proof one verdict.

How a proof travels::

    verify_stream ─► size/encoding checks ─► bounded queue ─► worker ─► REPL for its header
       (rejected)         (overloaded past max_wait_s)       │
                                                             ├─ given statement's #check (once)
                                                             └─ {"cmd": body + check, "env": …}

- **Headers.** A REPL runs one header (the leading ``import``/``set_option``/``open``
  lines, exactly as written; only trailing blank lines are normalised) once, under
  ``header_timeout_s``, and then checks any number of proofs from that environment. Lean
  numbers the body's lines from the end of the header; verdicts add the header back.
- **Slots.** ``max_repls`` workers check proofs concurrently, on at most ``max_repls +
  spares`` processes. Each header in use is topped up to ``spares`` idle or starting
  REPLs in the background, so a REPL that is killed (timeout, memory) or recycled
  (``LeanRepl.needs_recycle``) is replaced by a warm one at once. When another header
  needs a process and none is free, the least recently used idle REPL is evicted.
- **Soundness.** ``valid`` needs no error, no ``sorry``, only the standard axioms for
  every declaration the code adds and, when the request gives the statement, the graded
  theorem's type printed exactly as the given statement's. The proof and its check go
  as one command (one round trip); ``_proof_check`` says exactly what counts. The given
  statement's own ``#check`` runs once per statement on a REPL of its own header
  (``statements`` keeps it across runs).
- **Faults.** A crash (the process died or broke the protocol) retries the proof once on
  another REPL; a second crash is the proof's ``crash`` verdict. A timeout is ``timeout``
  and an exceeded memory cap ``oom`` (no retry: Lean would do the same again). A timeout
  of a command that also elaborated examples again is ``provisional`` (it may be the
  check's): never cached. A fault while checking the given statement is ``infra_error``.
- **Header faults** are never the proof's: its verdict is ``infra_error``. A header Lean
  rejects, or a REPL command that cannot start, is *broken* for the pool's lifetime (no
  retries). A header load that crashes or times out is retried once per proof; after
  ``max_header_failures`` such failures in a row the header's proofs fail at once for
  ``header_retry_s``, then loading is tried again (a circuit breaker, so a transient
  overload of the machine never disables a header for good).
- **Limits.** The queue holds ``queue_size`` proofs; callers beyond that wait
  (backpressure). A proof not started within ``max_wait_s`` of its submission gets
  ``overloaded``, alone; the rest of its batch carries on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kimina_prover_rl.errors import (
    ConfigError,
    PoolClosed,
    ReplCrashed,
    ReplOutOfMemory,
    ReplTimeout,
)
from kimina_prover_rl.lean._jobs import Job, JobQueue, prepare
from kimina_prover_rl.lean._proof_check import check_proof, make_verdict
from kimina_prover_rl.lean._scope import describe_lean, verdict_scope
from kimina_prover_rl.lean._statement_check import (
    ReferenceFailed,
    StatementBook,
    StatementStore,
    StatementUnavailable,
)
from kimina_prover_rl.lean._supply import HeaderFailure, ReplSupply
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["LocalPool", "PoolConfig"]

logger = logging.getLogger(__name__)

_CLOSED_DETAIL = "the pool was closed before this proof was checked; resubmit it"


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolConfig:
    """Limits of a :class:`LocalPool`. Times are seconds of wall clock."""

    repl: ReplConfig = field(default_factory=ReplConfig)
    """How to start one REPL process (command, Lean project directory, memory caps)."""
    max_repls: int = 4
    """Proofs checked at once. About one per free core; a Mathlib REPL holds 2-5 GiB."""
    timeout_s: float = 60.0
    """Per-proof limit on Lean's time (the header is not counted); per request overridable."""
    header_timeout_s: float = 300.0
    """Limit on running a header (``import Mathlib`` takes 10-60 s on a cold disk)."""
    spares: int = 1
    """Warm REPLs kept beyond ``max_repls`` per header in use, to replace killed ones."""
    queue_size: int = 1024
    """Proofs accepted into the queue; further callers wait for room."""
    max_wait_s: float = 3600.0
    """A proof not started this long after submission gets an ``overloaded`` verdict."""
    allow_native_decide: bool = False
    """Accept ``native_decide``'s axioms for every request (requests may also opt in)."""
    max_code_bytes: int = 1 << 20
    """Larger code (UTF-8 bytes) is ``rejected`` without reaching Lean."""
    max_header_failures: int = 3
    """Header loads in a row that may crash or time out before its proofs fail fast."""
    header_retry_s: float = 60.0
    """How long a header's proofs fail fast after ``max_header_failures`` failed loads."""

    def __post_init__(self) -> None:
        if not isinstance(self.repl, ReplConfig):
            raise ConfigError(
                f"PoolConfig.repl={self.repl!r} must be a ReplConfig, "
                "e.g. ReplConfig(command=('lake', 'env', 'repl'), cwd=Path('project'))"
            )
        for name in ("max_repls", "queue_size", "max_code_bytes", "max_header_failures"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"PoolConfig.{name}={value!r} must be a positive integer")
        if not isinstance(self.spares, int) or self.spares < 0:
            raise ConfigError(
                f"PoolConfig.spares={self.spares!r} must be 0 (no warm spares) or more"
            )
        for name in ("timeout_s", "header_timeout_s", "max_wait_s", "header_retry_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value > 0:
                raise ConfigError(
                    f"PoolConfig.{name}={value!r} must be a positive number of seconds"
                )


class LocalPool(Verifier):
    """Checks proofs on local REPL processes; see the module docstring for the design.

    ``statements`` (a :class:`~kimina_prover_rl.lean.cache.VerdictCache` fits) keeps how
    Lean printed each given statement across runs; without it they are kept in memory.

    >>> async with LocalPool(PoolConfig(repl=ReplConfig(cwd=Path("lean-project")))) as pool:
    ...     verdicts = await pool.verify([VerifyRequest(code)])      # doctest: +SKIP
    """

    def __init__(
        self, config: PoolConfig | None = None, *, statements: StatementStore | None = None
    ) -> None:
        self._config = config = config or PoolConfig()
        self._supply = ReplSupply(
            config.repl,
            max_busy=config.max_repls,
            spares=config.spares,
            header_timeout_s=config.header_timeout_s,
            max_header_failures=config.max_header_failures,
            header_retry_s=config.header_retry_s,
        )
        self._queue: JobQueue[Job] = JobQueue(config.queue_size)
        self._live: set[Job] = set()
        self._feeders: set[asyncio.Task[None]] = set()
        self._workers: list[asyncio.Task[None]] = []
        self._counts: Counter[str] = Counter()
        self._closed = False
        self._closing: asyncio.Task[None] | None = None
        self._lean_version: str | None = None
        self._verdict_scope: str | None = None
        self._book = StatementBook(self._supply, store=statements, scope=lambda: self.verdict_scope)

    @property
    def config(self) -> PoolConfig:
        """The limits this pool runs with."""
        return self._config

    @property
    def lean_version(self) -> str:
        """Lean toolchain and Mathlib revision of ``repl.cwd``, or what the command is."""
        if self._lean_version is None:
            self._lean_version = describe_lean(self._config.repl)
        return self._lean_version

    @property
    def verdict_scope(self) -> str:
        """The Lean version plus what else decides this pool's verdicts.

        The project (its resolved path and a digest of ``lake-manifest.json``), the REPL
        command, the time and memory limits and the ``native_decide`` policy: a verdict
        cache shared by pools that differ in any of them never mixes their answers. A
        project whose own ``.lean`` files change needs a fresh cache.
        """
        if self._verdict_scope is None:
            self._verdict_scope = verdict_scope(
                self._config.repl,
                lean_version=self.lean_version,
                timeout_s=self._config.timeout_s,
                allow_native_decide=self._config.allow_native_decide,
            )
        return self._verdict_scope

    @property
    def stats(self) -> dict[str, int]:
        """Counters: verdicts per status, REPLs started/retired/recycled, crash retries."""
        return dict(self._counts + self._supply.counts)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        repls, busy = self._supply.snapshot()
        return (
            f"<LocalPool {state} max_repls={self._config.max_repls} repls={repls} "
            f"busy={busy} queued={len(self._queue)}>"
        )

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        """Yield ``(index, verdict)`` as proofs finish; every index exactly once.

        Closing the pool mid-batch gives the unfinished proofs ``infra_error``. If the
        caller stops iterating or is cancelled, its queued proofs are dropped and the
        REPLs checking its running ones return to the pool when they finish.
        """
        if self._closed:
            raise PoolClosed("this LocalPool was closed; create a new one")
        self._start_workers()
        loop = asyncio.get_running_loop()
        sink: asyncio.Queue[tuple[int, Verdict] | BaseException] = asyncio.Queue()
        jobs: list[Job] = []
        submitted = loop.time()
        expiry = loop.call_at(submitted + self._config.max_wait_s, self._expire, jobs)
        feeder = asyncio.create_task(self._feed(requests, sink, jobs, submitted=submitted))
        self._feeders.add(feeder)
        feeder.add_done_callback(self._feeders.discard)
        try:
            for _ in range(len(requests)):
                item = await sink.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            expiry.cancel()
            feeder.cancel()
            for job in jobs:
                if not job.done:
                    job.done = True
                    self._live.discard(job)

    async def aclose(self) -> None:
        """Give unfinished proofs ``infra_error`` and kill every REPL; idempotent.

        The shutdown runs to its end even if the caller is cancelled meanwhile.
        """
        if self._closing is None:
            self._closed = True
            self._queue.close()
            for job in list(self._live):
                verdict = self._verdict(job.request, VerdictStatus.INFRA_ERROR, _CLOSED_DETAIL)
                self._finish(job, verdict)
            self._closing = asyncio.create_task(self._shutdown())
        await asyncio.shield(self._closing)

    async def _shutdown(self) -> None:
        # Feeders are not cancelled: the closed queue releases them, and they answer
        # their callers' remaining proofs with infra_error on their own.
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, *self._feeders, return_exceptions=True)
        await self._supply.aclose()

    # -- feeding ------------------------------------------------------------------------

    def _start_workers(self) -> None:
        if not self._workers:
            self._workers = [
                asyncio.create_task(self._work(), name=f"lean-pool-worker-{i}")
                for i in range(self._config.max_repls)
            ]

    async def _feed(
        self,
        requests: Sequence[VerifyRequest],
        sink: asyncio.Queue[tuple[int, Verdict] | BaseException],
        jobs: list[Job],
        *,
        submitted: float,
    ) -> None:
        deadline = submitted + self._config.max_wait_s
        try:
            for index, request in enumerate(requests):
                reason = self._rejection(request)
                if reason is not None or self._closed:
                    status = VerdictStatus.INFRA_ERROR if reason is None else VerdictStatus.REJECTED
                    verdict = self._verdict(request, status, reason or _CLOSED_DETAIL)
                    self._deliver(sink, index, verdict)
                    continue
                job = Job(index, request, prepare(request), sink, submitted=submitted)
                jobs.append(job)
                self._live.add(job)
                if not await self._queue.put(job, deadline=deadline):
                    status = VerdictStatus.INFRA_ERROR if self._closed else VerdictStatus.OVERLOADED
                    detail = _CLOSED_DETAIL if self._closed else self._overloaded_detail()
                    self._finish(job, self._verdict(job.request, status, detail))
        except BaseException as exc:
            if not isinstance(exc, asyncio.CancelledError):
                sink.put_nowait(exc)
            raise

    def _rejection(self, request: VerifyRequest) -> str | None:
        try:
            size = len(request.code.encode("utf-8"))
        except UnicodeEncodeError as exc:
            return (
                f"the code is not valid Unicode ({exc.reason} at character {exc.start}); "
                "send UTF-8 text"
            )
        if size > self._config.max_code_bytes:
            return (
                f"the code is {size} bytes, over max_code_bytes={self._config.max_code_bytes}; "
                "raise PoolConfig.max_code_bytes if such proofs are expected"
            )
        if request.timeout_s is not None and not request.timeout_s > 0:
            return f"timeout_s={request.timeout_s!r} must be a positive number of seconds"
        return None

    def _expire(self, jobs: list[Job]) -> None:
        for job in jobs:
            if not job.done and not job.started:
                self._finish(
                    job,
                    self._verdict(job.request, VerdictStatus.OVERLOADED, self._overloaded_detail()),
                )

    def _overloaded_detail(self) -> str:
        return (
            f"not started within max_wait_s={self._config.max_wait_s} s of submission "
            f"(max_repls={self._config.max_repls}, queue_size={self._config.queue_size}); "
            "add REPLs, raise max_wait_s or send smaller batches"
        )

    # -- checking -----------------------------------------------------------------------

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            job = await self._queue.get()
            if job.done:
                continue
            job.started = loop.time()
            try:
                await self._run(job)
            except Exception as exc:
                # A bug in the pool: log it, and still give this proof its one verdict.
                logger.exception("internal error while checking proof %d", job.index)
                detail = f"internal error in the pool: {exc!r}"
                self._finish(job, self._verdict(job.request, VerdictStatus.INFRA_ERROR, detail))

    async def _run(self, job: Job) -> None:
        """Check one proof: acquire a REPL, run it, retry once after a crash."""
        extra: dict[str, Any] = {"queue_wait_s": round((job.started or 0.0) - job.submitted, 6)}
        first_crash: ReplCrashed | None = None
        header_retried = False
        timeout_s = job.request.timeout_s or self._config.timeout_s
        reference = await self._reference(job, timeout_s=timeout_s, extra=extra)
        if isinstance(reference, Verdict):
            self._finish(job, reference)
            return
        while True:
            provisional = False
            try:
                warm, header_s = await self._supply.acquire(job.prepared.key)
            except HeaderFailure as failure:
                if failure.transient and not header_retried:
                    header_retried = True
                    continue
                self._finish(
                    job, self._verdict(job.request, VerdictStatus.INFRA_ERROR, str(failure))
                )
                return
            extra["header_s"] = round(header_s, 6)
            started = time.perf_counter()
            try:
                verdict = await check_proof(
                    warm.repl,
                    warm.env,
                    job.prepared,
                    job.request,
                    timeout_s=timeout_s,
                    allow_native_decide=(
                        job.request.allow_native_decide or self._config.allow_native_decide
                    ),
                    lean_version=self.lean_version,
                    extra=extra,
                    reference=reference,
                )
            except ReplCrashed as exc:
                self._supply.retire(warm)
                if first_crash is None and not job.done:
                    self._counts["crash_retries"] += 1
                    extra["retried_after_crash"] = str(exc)
                    first_crash = exc
                    continue
                status, detail = VerdictStatus.CRASH, f"the REPL crashed twice on this proof: {exc}"
            except ReplTimeout as exc:
                self._supply.retire(warm)
                status, detail = VerdictStatus.TIMEOUT, f"the proof ran past its time limit: {exc}"
                provisional = job.prepared.plan is not None and job.prepared.plan.redeclares
            except ReplOutOfMemory as exc:
                self._supply.retire(warm)
                status, detail = VerdictStatus.OOM, f"the proof ran past its memory cap: {exc}"
            except BaseException:
                self._supply.retire(warm)
                raise
            else:
                self._supply.release(warm)
                self._finish(job, verdict)
                return
            elapsed = time.perf_counter() - started
            verdict = self._verdict(job.request, status, detail, time_s=elapsed, extra=extra)
            self._finish(job, replace(verdict, provisional=provisional))
            return

    async def _reference(
        self, job: Job, *, timeout_s: float, extra: dict[str, Any]
    ) -> str | Verdict | None:
        """The given statement's printed type (None: not asked for), or the proof's verdict
        when the statement itself cannot be checked (``_statement_check.StatementBook``)."""
        reference = job.prepared.reference
        if reference is None:
            return None
        try:
            text, elapsed = await self._book.printed(reference, timeout_s=timeout_s)
        except ReferenceFailed as exc:
            return self._verdict(job.request, VerdictStatus.REJECTED, str(exc))
        except StatementUnavailable as exc:
            return self._verdict(job.request, VerdictStatus.INFRA_ERROR, str(exc))
        if elapsed:
            extra["statement_check_s"] = round(elapsed, 6)
        return text

    def _verdict(
        self,
        request: VerifyRequest,
        status: VerdictStatus,
        detail: str,
        *,
        time_s: float = 0.0,
        extra: dict[str, Any] | None = None,
    ) -> Verdict:
        return make_verdict(
            request, status, detail, lean_version=self.lean_version, time_s=time_s, extra=extra
        )

    def _finish(self, job: Job, verdict: Verdict) -> None:
        if job.done:
            return
        job.done = True
        self._live.discard(job)
        self._deliver(job.sink, job.index, verdict)

    def _deliver(
        self, sink: asyncio.Queue[tuple[int, Verdict] | BaseException], index: int, verdict: Verdict
    ) -> None:
        self._counts[verdict.status.value] += 1
        sink.put_nowait((index, verdict))
