"""Micro-batching: many concurrent one-proof calls become a few batched verifier calls.

Frameworks such as verl's reward loop call the reward once per sample, concurrently. A
remote server or a Ray actor is far cheaper per proof when asked in batches, so
:class:`MicroBatcher` holds single requests for at most ``max_delay_s`` (or until
``max_batch`` are waiting) and sends them together.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import Verdict, VerdictStatus, Verifier, VerifyRequest

__all__ = ["BatchingConfig", "MicroBatcher"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchingConfig:
    """How long single requests may wait to be batched, and how large a batch may grow."""

    max_batch: int = 256
    max_delay_s: float = 0.005

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise ConfigError(f"max_batch must be >= 1, got {self.max_batch}; use 1 to disable")
        if self.max_delay_s < 0:
            raise ConfigError(
                f"max_delay_s must be >= 0 seconds, got {self.max_delay_s}; use 0 to send at once"
            )


class MicroBatcher:
    """Collects concurrent :meth:`verify_one` calls into batched ``verifier.verify`` calls.

    One event loop only: create it inside the loop that calls it (:attr:`loop`). A caller
    cancelled while waiting drops out of its batch; everyone else still gets a verdict.
    """

    def __init__(self, verifier: Verifier, config: BatchingConfig | None = None) -> None:
        self._verifier = verifier
        self._config = config or BatchingConfig()
        self.loop = asyncio.get_running_loop()
        self._pending: list[tuple[VerifyRequest, asyncio.Future[Verdict]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._in_flight: dict[asyncio.Task[None], list[asyncio.Future[Verdict]]] = {}
        self.batches_sent = 0

    def __repr__(self) -> str:
        return (
            f"<MicroBatcher pending={len(self._pending)} in_flight={len(self._in_flight)} "
            f"batches_sent={self.batches_sent}>"
        )

    async def verify_one(self, request: VerifyRequest) -> Verdict:
        """Verify one proof, sharing a verifier call with whatever arrives meanwhile."""
        future: asyncio.Future[Verdict] = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if len(self._pending) >= self._config.max_batch:
            self._flush_now()
        elif self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_later())
        try:
            return await future
        except asyncio.CancelledError:
            self._cancel_abandoned()
            raise

    def _cancel_abandoned(self) -> None:
        """Stop the batches nobody waits for any more (every caller cancelled, e.g. Ctrl-C)."""
        for task, futures in list(self._in_flight.items()):
            if all(future.done() for future in futures):
                task.cancel()

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._config.max_delay_s)
        self._flusher = None
        self._flush_now()

    def _flush_now(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        task = asyncio.create_task(self._send(batch))
        self._in_flight[task] = [future for _, future in batch]
        task.add_done_callback(lambda done: self._in_flight.pop(done, None))

    async def _send(self, batch: list[tuple[VerifyRequest, asyncio.Future[Verdict]]]) -> None:
        live = [(request, future) for request, future in batch if not future.done()]
        if not live:
            return
        self.batches_sent += 1
        requests = [request for request, _ in live]
        try:
            # Streamed, so each caller gets its verdict as soon as Lean has it, not when the
            # slowest proof of the batch is done.
            async for index, verdict in self._verifier.verify_stream(requests):
                future = live[index][1]
                if not future.done():
                    future.set_result(verdict)
        except asyncio.CancelledError:
            for _, future in live:
                future.cancel()
            raise
        except Exception as exc:
            # The verifier contract is one verdict per request; a backend that raises
            # instead still must not lose anyone's result.
            for request, future in live:
                if not future.done():
                    future.set_result(
                        Verdict(
                            VerdictStatus.INFRA_ERROR,
                            id=request.id,
                            detail=f"the verifier raised {type(exc).__name__}: {exc}",
                        )
                    )
        for request, future in live:
            if not future.done():
                future.set_result(
                    Verdict(
                        VerdictStatus.INFRA_ERROR,
                        id=request.id,
                        detail=f"{type(self._verifier).__name__} ended its stream without a "
                        "verdict for this proof; a verifier must answer each request once",
                    )
                )

    async def aclose(self) -> None:
        """Send whatever is pending and wait for every batch in flight."""
        self._flush_now()
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)
