"""A blocking face for any :class:`Verifier`, for callers without an event loop.

verl's reward workers and TRL's reward functions may be plain synchronous functions.
:class:`SyncVerifier` runs the async verifier on a private event loop in a daemon thread
and blocks the calling thread until the verdicts are in. Any number of threads may call
it at once; their batches run concurrently on that one loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

from kimina_prover_rl.errors import PoolClosed
from kimina_prover_rl.lean.verdict import Verdict, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["SyncVerifier"]

_T = TypeVar("_T")


class SyncVerifier:
    """Synchronous ``verify`` over an async verifier living on a private loop thread.

    Pass the verifier, or a zero-argument function that builds it (called on the loop
    thread, for verifiers that must be created inside their event loop)::

        with SyncVerifier(lambda: open_verifier(options)) as verifier:
            verdicts = verifier.verify([VerifyRequest(code)])
    """

    def __init__(self, verifier: Verifier | Callable[[], Verifier]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="kimina-sync-verifier", daemon=True
        )
        self._closed = False
        self._close_lock = threading.Lock()
        self._thread.start()
        if isinstance(verifier, Verifier):
            self._verifier = verifier
        else:
            build = verifier

            async def _build() -> Verifier:
                return build()

            try:
                self._verifier = self._call(_build())
            except BaseException:
                self._stop_loop()
                raise

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<SyncVerifier {state} verifier={self._verifier!r}>"

    @property
    def verifier(self) -> Verifier:
        """The wrapped async verifier (use it only from coroutines run via this wrapper)."""
        return self._verifier

    @property
    def lean_version(self) -> str:
        """The Lean version the wrapped verifier checks against."""
        return self._verifier.lean_version

    def verify(
        self, requests: Sequence[VerifyRequest], *, timeout_s: float | None = None
    ) -> list[Verdict]:
        """Check a batch and return the verdicts in input order (blocks this thread).

        ``timeout_s`` bounds the wait; past it, the batch is cancelled and
        :class:`TimeoutError` is raised.
        """
        return self._call(self._verifier.verify(list(requests)), timeout_s=timeout_s)

    def verify_one(self, request: VerifyRequest, *, timeout_s: float | None = None) -> Verdict:
        """Check one proof."""
        return self.verify([request], timeout_s=timeout_s)[0]

    def _call(self, coro: Coroutine[Any, Any, _T], *, timeout_s: float | None = None) -> _T:
        if self._closed:
            coro.close()
            raise PoolClosed("this SyncVerifier was closed; create a new one")
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError(
                "SyncVerifier called from its own loop thread (a deadlock); "
                "await the async verifier (`.verifier`) there instead"
            )
        future: Future[_T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout=timeout_s)
        except BaseException:
            future.cancel()
            raise

    def close(self) -> None:
        """Close the verifier (its processes and connections) and stop the loop. Idempotent."""
        with self._close_lock:
            if self._closed:
                return
            try:
                self._call(self._shutdown())
            finally:
                self._closed = True
                self._stop_loop()

    async def _shutdown(self) -> None:
        """Close the verifier, then cancel whatever other threads still have running."""
        try:
            await self._verifier.aclose()
        finally:
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            await self._loop.shutdown_asyncgens()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> SyncVerifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
