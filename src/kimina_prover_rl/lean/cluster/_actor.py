"""The body of a pool actor: one node's verifier stack, served to every client as a stream.

Ray wraps :class:`PoolActor` with ``ray.remote`` when it starts one (``_discovery``); the
class itself imports nothing from Ray, so it can be read and unit-tested as plain Python.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace

from kimina_prover_rl.lean.settings import VerifierSettings
from kimina_prover_rl.lean.verdict import Verdict, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["PoolActor"]


class PoolActor:
    """Owns ``open_pool(options)`` with ``workers`` REPLs: in-flight dedup, cache, pool.

    Every client of the cluster streams its proofs here, so identical proofs routed to
    this node share one check and one cache entry whoever sent them.
    """

    def __init__(
        self,
        open_pool: Callable[[VerifierSettings], Verifier],
        options: VerifierSettings,
        workers: int,
    ) -> None:
        self._verifier = open_pool(replace(options, workers=workers))

    async def describe(self) -> str:
        """The Lean version this pool checks against (also answers "are you up?")."""
        return self._verifier.lean_version

    async def stream(self, requests: list[VerifyRequest]) -> AsyncIterator[tuple[int, Verdict]]:
        """``(position, verdict)`` for each request, as proofs finish."""
        async for item in self._verifier.verify_stream(requests):
            yield item

    async def close(self) -> None:
        """Stop the REPLs (the actor ends when its owner or the job does)."""
        await self._verifier.aclose()
