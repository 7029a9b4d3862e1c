"""One REPL pool per Ray node, shared by every reward worker on it: :class:`RayVerifier`.

The first client on a node creates a named actor (``get_if_exists=True``, pinned to the
node) that owns a verifier built by :func:`~kimina_prover_rl.lean.factory.open_verifier`
(pool, verdict cache, in-flight dedup); later clients on that node find it by name. So
proofs duplicated across workers are checked once and a node never runs more than
``workers`` REPLs, however many reward workers it hosts.

The actor is not detached by default: it belongs to the client that created it and dies
with it, or with the job, so REPL processes never outlive training. If it dies while
other clients use it, their unanswered proofs are sent once more to a fresh actor (the
next ``get_if_exists`` creates it); proofs still without an answer get ``infra_error``.
Pass ``detached=True`` for a long-lived pool on a standing cluster (stop it with
``ray.kill``).

Ray is imported when the first proof is checked, never at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from kimina_prover_rl.errors import ConfigError, PoolClosed
from kimina_prover_rl.lean.factory import VerifierOptions, open_verifier
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["RayVerifier"]

_logger = logging.getLogger(__name__)


class _PoolActor:
    """The actor's body: a verifier living in the actor process, served as a stream."""

    def __init__(self, options: VerifierOptions) -> None:
        self._verifier = open_verifier(options)

    async def lean_version(self) -> str:
        return self._verifier.lean_version

    async def stream(self, requests: list[VerifyRequest]) -> AsyncIterator[tuple[int, Verdict]]:
        async for item in self._verifier.verify_stream(requests):
            yield item

    async def close(self) -> None:
        await self._verifier.aclose()


class RayVerifier(Verifier):
    """Client of the node's pool actor; a :class:`Verifier` like any other backend.

    ``options`` describe the actor's verifier (its ``backend`` must be ``local`` or
    ``standin``). Call it inside a Ray worker or driver (``ray.init`` done).
    """

    def __init__(
        self,
        options: VerifierOptions,
        *,
        name_prefix: str = "kimina-lean-pool",
        namespace: str | None = None,
        detached: bool = False,
        num_cpus: float = 0,
        max_concurrency: int = 1000,
    ) -> None:
        if options.backend not in ("local", "standin"):
            raise ConfigError(
                f"RayVerifier runs a local pool in its actor; options.backend={options.backend!r} "
                "must be 'local' or 'standin'"
            )
        self._options = options
        self._name_prefix = name_prefix
        self._namespace = namespace
        self._detached = detached
        self._num_cpus = num_cpus
        self._max_concurrency = max_concurrency
        self._actor: Any = None
        self._actor_name: str | None = None
        self._lean_version = ""
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<RayVerifier {state} actor={self.actor_name or 'not created'}>"

    @property
    def actor_name(self) -> str | None:
        """The node's actor name, once known."""
        return self._actor_name

    @property
    def lean_version(self) -> str:
        return self._lean_version

    def _get_actor(self) -> Any:
        """The node's actor: found by name, or created on this node."""
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        if self._actor is not None:
            return self._actor
        node_id = ray.get_runtime_context().get_node_id()
        self._actor_name = f"{self._name_prefix}-{node_id}"
        actor_class = ray.remote(_PoolActor)
        self._actor = actor_class.options(
            name=self._actor_name,
            namespace=self._namespace,
            get_if_exists=True,
            lifetime="detached" if self._detached else None,
            num_cpus=self._num_cpus,
            max_concurrency=self._max_concurrency,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_id, soft=False),
        ).remote(self._options)
        return self._actor

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        from ray.exceptions import RayError

        if self._closed:
            raise PoolClosed("this RayVerifier was closed; create a new one")
        pending = list(range(len(requests)))
        failure = ""
        for attempt in (1, 2):
            answered: set[int] = set()
            try:
                actor = self._get_actor()
                if not self._lean_version:
                    self._lean_version = await actor.lean_version.remote()
                batch = [requests[i] for i in pending]
                stream = actor.stream.options(num_returns="streaming").remote(batch)
                async for ref in stream:
                    position, verdict = await ref
                    answered.add(position)
                    yield pending[position], verdict
                pending = [i for p, i in enumerate(pending) if p not in answered]
                if not pending:
                    return
                failure = "the pool actor ended its stream without answering"
            except RayError as exc:
                pending = [i for p, i in enumerate(pending) if p not in answered]
                failure = f"the pool actor {self.actor_name} failed: {type(exc).__name__}: {exc}"
                _logger.warning(
                    "%s (attempt %d, %d proofs unanswered)", failure, attempt, len(pending)
                )
                self._actor = None
        for index in pending:
            yield (
                index,
                Verdict(
                    VerdictStatus.INFRA_ERROR,
                    id=requests[index].id,
                    detail=f"{failure}; resubmit it",
                    lean_version=self._lean_version,
                ),
            )

    async def aclose(self) -> None:
        """Forget the actor. It keeps serving the node's other clients; it dies with its owner."""
        self._closed = True
        self._actor = None
