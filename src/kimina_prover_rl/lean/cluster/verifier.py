"""Every Lean pool of a Ray cluster behind one :class:`Verifier`: :class:`ClusterVerifier`.

How a proof travels::

    verify_stream ─► proof key ─► BoundedLoadRouter ─► its pool's queue ─► window ─► pool actor
         ▲            (sha256)     (home pool, or the   (idle pools steal   (streaming   (node):
         │                          next within bound)   the newest)         call)   dedup, cache,
         └──────── (index, verdict) as each proof finishes ◄────────────────────────── REPLs

- **Pools** run where the Lean slots are: one actor per alive node offering
  ``resource`` (``ray start --resources='{"lean_slots": 32}'``), with as many REPLs as the
  node has units of it. Actors are named per node in ``namespace``, so every client in
  the cluster (verl reward workers, ``serve``, the CLI) finds and shares the same ones;
  the client that starts a node's pool decides its settings (Lean project, REPL command,
  cache file), and a pool reporting another Lean version than the others is not used.
  A pool ends when no client holds it any more or when the process that started it
  exits (Ray's ownership), so REPLs never outlive training; ``detached`` pools outlive
  both (stop them with ``ray.kill``).
- **Routing** keys each proof by its digest (code, time limit, options, Lean version) and
  queues it at the pool the router picks: its home on the hash ring unless that pool is
  past its bounded share of this client's load. Identical proofs (and so their header)
  meet on one pool, whose in-flight dedup, SQLite cache and warm header REPLs serve them
  whichever client sent them. Each pool is sent at most ``in_flight_per_slot`` proofs per
  REPL at a time; a pool with room and an empty queue steals the newest proofs of the
  longest queue, so a batch never waits on one slow pool.
- **Elastic**: the node list is read again every ``refresh_s``, and at once when no pool
  is left; a pool that appears starts with an empty queue, so it steals work at once.
- **Faults**: when a pool's stream breaks (its actor or node died), its unanswered and
  queued proofs are routed again to the other pools; a proof whose pools died under it
  more than ``max_reroutes`` times, or that no pool is left for, gets ``infra_error``
  saying why. Every proof gets exactly one verdict.
- **Cache across restarts**: each pool's SQLite file lives on its node
  (``pool.cache_path``). Keys keep their home pool while the set of nodes is the same, and
  only the keys of nodes that came or went move, so a restarted job finds most verdicts.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace

from kimina_prover_rl.errors import ConfigError, PoolClosed
from kimina_prover_rl.lean.cluster import _discovery
from kimina_prover_rl.lean.cluster._discovery import PoolHandle
from kimina_prover_rl.lean.cluster._plan import Plan
from kimina_prover_rl.lean.cluster.router import BoundedLoadRouter
from kimina_prover_rl.lean.dedup import proof_key
from kimina_prover_rl.lean.settings import VerifierSettings
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["ClusterConfig", "ClusterVerifier"]

_logger = logging.getLogger(__name__)

_RESTART_DELAYS_S = (0.2, 1.0)
"""Waits before starting again a pool that was found dying (its name is being freed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterConfig:
    """Where the pools run, how proofs are spread over them, and how faults are handled."""

    pool: VerifierSettings = field(default_factory=lambda: VerifierSettings(backend="local"))
    """What each node's actor runs (``local`` or ``standin``); ``workers`` is ignored."""
    open_pool: Callable[[VerifierSettings], Verifier] | None = None
    """Builds a node's verifier stack from ``pool`` inside its actor (``open_verifier``
    passes itself: passed in, so this package never imports the factory that imports it)."""
    resource: str = "lean_slots"
    """The Ray resource that marks Lean slots: one REPL per unit, a pool per node having it."""
    namespace: str = "kimina-lean"
    """Ray namespace of the pool actors; clients sharing it share pools."""
    name_prefix: str = "kimina-lean-pool"
    """Actor name prefix; the node id is appended."""
    detached: bool = False
    """Keep pools alive after their creator exits (stop them with ``ray.kill``)."""
    address: str | None = None
    """Ray cluster to join if this process has not (None: ``$RAY_ADDRESS`` or the local one)."""
    epsilon: float = 0.25
    """How far above its share of the load a pool may go before proofs move on."""
    in_flight_per_slot: float = 2.0
    """Proofs this client keeps queued per REPL of a pool; the rest wait for free room."""
    refresh_s: float = 10.0
    """How often to look for nodes that joined or left."""
    start_timeout_s: float = 120.0
    """How long a new pool may take to answer; a slower one is tried again later."""
    max_reroutes: int = 2
    """Pool failures one proof may live through before it gets ``infra_error``."""

    def __post_init__(self) -> None:
        if self.pool.backend not in ("local", "standin"):
            raise ConfigError(
                f"the Ray pools run a local REPL pool: pool.backend={self.pool.backend!r} must "
                "be 'local' or 'standin' (--ray-pool)"
            )
        if not self.resource:
            raise ConfigError("resource is empty; name the Ray resource of Lean slots")
        for name in ("epsilon", "in_flight_per_slot", "refresh_s", "start_timeout_s"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name}={getattr(self, name)!r} must be > 0")
        if self.max_reroutes < 0:
            raise ConfigError(f"max_reroutes={self.max_reroutes!r} must be >= 0")


@dataclass(frozen=True, slots=True)
class _Answer:
    index: int
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class _Failed:
    pool: str
    indices: list[int]
    reason: str


@dataclass(frozen=True, slots=True)
class _Wake:
    """Room freed up or pools changed: try to dispatch again."""


@dataclass(slots=True)
class _SubBatch:
    """Proofs sent to one pool in one streaming call, and those it answered (positions)."""

    handle: PoolHandle
    indices: list[int]
    answered: set[int] = field(default_factory=set)


_Event = _Answer | _Failed | _Wake | Exception
_WAKE = _Wake()


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _logger.error("looking for Lean pools failed: %r", task.exception())


class ClusterVerifier(Verifier):
    """Checks proofs on the Lean pools of every node of a Ray cluster that offers slots.

    Use it from a Ray driver or worker (it joins the cluster if the process has not).
    ``clock`` is injectable for tests of the refresh schedule.
    """

    def __init__(
        self, config: ClusterConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if config.open_pool is None:
            raise ConfigError(
                "ClusterConfig.open_pool is not set: pass open_pool=open_verifier "
                "(kimina_prover_rl.lean), or build the verifier with open_verifier(backend='ray')"
            )
        self._config = config
        self._open_pool = config.open_pool
        self._clock = clock
        self._router = BoundedLoadRouter(epsilon=config.epsilon)
        self._pools: dict[str, PoolHandle] = {}
        self._lean_version = ""
        self._refreshed_at = -math.inf
        self._refresh: asyncio.Task[None] | None = None
        self._listeners: set[asyncio.Queue[_Event]] = set()
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<ClusterVerifier {state} resource={self._config.resource!r} {self._router!r}>"

    @property
    def config(self) -> ClusterConfig:
        """Where the pools run and how proofs are spread."""
        return self._config

    @property
    def pools(self) -> tuple[PoolHandle, ...]:
        """The pools proofs are routed to now."""
        return tuple(self._pools.values())

    @property
    def lean_version(self) -> str:
        return self._lean_version

    async def refresh(self) -> None:
        """Look for pools now (joined nodes, gone nodes) and wait until that is done."""
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._discover())
        await asyncio.shield(self._refresh)

    def _refresh_soon(self) -> None:
        due = self._clock() - self._refreshed_at >= self._config.refresh_s
        if due and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self._discover())
            self._refresh.add_done_callback(_log_failure)

    async def _discover(self) -> None:
        config = self._config
        self._refreshed_at = self._clock()
        await asyncio.to_thread(_discovery.connect, config.address)
        nodes = await asyncio.to_thread(_discovery.lean_nodes, config.resource)
        for key, handle in list(self._pools.items()):
            if handle.node_id not in nodes:
                _logger.warning("Lean pool %s left the cluster (node gone)", key)
                self._drop(key)
        known = {handle.node_id for handle in self._pools.values()}
        started = await asyncio.gather(
            *(self._start(node, slots) for node, slots in nodes.items() if node not in known)
        )
        for new in started:
            if new is not None and new.key not in self._router:
                self._pools[new.key] = new
                self._router.add(new.key, new.slots)
        self._wake_all()

    async def _start(self, node_id: str, slots: int) -> PoolHandle | None:
        """The node's pool once it answers, or None (logged) to try again next refresh.

        A pool found by name may be dying (its last client let go of it): then its name
        is freed shortly and a fresh pool is started in its place.
        """
        from ray.exceptions import RayActorError, RayError

        config = self._config
        for delay in (*_RESTART_DELAYS_S, None):
            try:
                handle = await asyncio.to_thread(
                    _discovery.start_pool,
                    node_id=node_id,
                    slots=slots,
                    options=config.pool,
                    open_pool=self._open_pool,
                    resource=config.resource,
                    name_prefix=config.name_prefix,
                    namespace=config.namespace,
                    detached=config.detached,
                )
                async with asyncio.timeout(config.start_timeout_s):
                    version: str = await handle.actor.describe.remote()
                break
            except RayActorError as exc:
                if delay is None:
                    _logger.warning("Lean pool on node %s died as it started: %r", node_id, exc)
                    return None
                await asyncio.sleep(delay)
            except (RayError, TimeoutError) as exc:
                _logger.warning("Lean pool on node %s is not answering yet: %r", node_id, exc)
                return None
        if not self._lean_version:
            self._lean_version = version
        elif version != self._lean_version:
            _logger.error(
                "Lean pool %s checks against %r, the others against %r; not using it "
                "(give every node the same Lean project and REPL)",
                handle.key,
                version,
                self._lean_version,
            )
            return None
        return handle

    def _drop(self, key: str) -> None:
        self._router.remove(key)
        self._pools.pop(key, None)

    def _wake_all(self) -> None:
        for listener in self._listeners:
            listener.put_nowait(_WAKE)

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        if self._closed:
            raise PoolClosed("this ClusterVerifier was closed; create a new one")
        if not requests:
            return
        if not self._pools:
            await self.refresh()
        self._refresh_soon()
        timeout = self._config.pool.timeout_s
        keys = [proof_key(r, scope=self._lean_version, default_timeout_s=timeout) for r in requests]
        plan = Plan(self._router, keys)
        plan.route(range(len(requests)))
        failures = [0] * len(requests)
        events: asyncio.Queue[_Event] = asyncio.Queue()
        tasks: set[asyncio.Task[None]] = set()
        self._listeners.add(events)
        remaining = len(requests)
        try:
            while remaining:
                plan.reroute_orphans()
                if plan.unrouted and not self._pools:
                    await self.refresh()
                    plan.reroute_orphans()
                    if not self._pools:
                        detail = self._no_pool_detail()
                        while plan.unrouted:
                            index = plan.unrouted.popleft()
                            remaining -= 1
                            yield index, self._infra_error(requests[index], detail)
                        continue
                self._send(plan, requests, events, tasks)
                event = await events.get()
                self._refresh_soon()
                if isinstance(event, Exception):
                    raise event
                if isinstance(event, _Answer):
                    remaining -= 1
                    yield event.index, event.verdict
                elif isinstance(event, _Failed):
                    if event.pool in self._pools:
                        _logger.warning("%s; sending its proofs to other pools", event.reason)
                        self._drop(event.pool)
                    retry: list[int] = []
                    for index in event.indices:
                        failures[index] += 1
                        if failures[index] <= self._config.max_reroutes:
                            retry.append(index)
                            continue
                        detail = (
                            f"a Lean pool failed while checking it, {failures[index]} time(s) "
                            f"with max_reroutes={self._config.max_reroutes} (last: {event.reason})"
                        )
                        remaining -= 1
                        yield index, self._infra_error(requests[index], detail)
                    plan.route(retry)
        finally:
            self._listeners.discard(events)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            plan.release_waiting()

    def _send(
        self,
        plan: Plan,
        requests: Sequence[VerifyRequest],
        events: asyncio.Queue[_Event],
        tasks: set[asyncio.Task[None]],
    ) -> None:
        """Fill every pool's window from its own queue, then idle room by stealing.

        A pool is topped up once no more than its slots are in flight (so all its REPLs
        still have work), in one call for the whole gap: fewer, larger Ray calls.
        """
        for steal in (False, True):
            for handle in self._pools.values():
                window = math.ceil(handle.slots * self._config.in_flight_per_slot)
                room = window - plan.in_flight[handle.key]
                ready = room >= max(1, window - handle.slots)
                indices = plan.take(handle.key, room, steal=steal) if ready else []
                if indices:
                    self._start_sub_batch(_SubBatch(handle, indices), plan, requests, events, tasks)

    def _start_sub_batch(
        self,
        sub: _SubBatch,
        plan: Plan,
        requests: Sequence[VerifyRequest],
        events: asyncio.Queue[_Event],
        tasks: set[asyncio.Task[None]],
    ) -> None:
        task = asyncio.create_task(self._check_on(sub, plan, requests, events))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(
            lambda _: plan.done(sub.handle.key, len(sub.indices) - len(sub.answered))
        )

    async def _check_on(
        self,
        sub: _SubBatch,
        plan: Plan,
        requests: Sequence[VerifyRequest],
        events: asyncio.Queue[_Event],
    ) -> None:
        """Stream one sub-batch through one pool; report what it leaves unanswered."""
        from ray.exceptions import RayError

        handle, indices = sub.handle, sub.indices
        try:
            batch = [requests[i] for i in indices]
            stream = handle.actor.stream.options(num_returns="streaming").remote(batch)
            async for ref in stream:
                position, verdict = await ref
                if position in sub.answered:
                    continue
                sub.answered.add(position)
                plan.done(handle.key)
                extra = {**verdict.extra, "ray_node": handle.node_id}
                events.put_nowait(_Answer(indices[position], replace(verdict, extra=extra)))
            reason = f"the Lean pool {handle.key} ended its stream without answering"
        except RayError as exc:
            reason = f"the Lean pool {handle.key} failed: {type(exc).__name__}: {exc}"
        except Exception as exc:  # handed to the consumer, which re-raises it
            events.put_nowait(exc)
            return
        unanswered = [index for p, index in enumerate(indices) if p not in sub.answered]
        if unanswered:
            events.put_nowait(_Failed(handle.key, unanswered, reason))

    def _no_pool_detail(self) -> str:
        resource = self._config.resource
        return (
            f"no Lean pool is left in the Ray cluster: no alive node offers the resource "
            f'{resource!r} (start Lean nodes with `ray start --resources=\'{{"{resource}": '
            "32}'`), or none answered within start_timeout_s"
        )

    def _infra_error(self, request: VerifyRequest, detail: str) -> Verdict:
        return Verdict(
            VerdictStatus.INFRA_ERROR,
            id=request.id,
            detail=f"{detail}; resubmit it",
            lean_version=self._lean_version,
        )

    async def aclose(self) -> None:
        """Stop routing. The pools keep serving other clients and end with their owner."""
        self._closed = True
        if self._refresh is not None and not self._refresh.done():
            self._refresh.cancel()
            await asyncio.gather(self._refresh, return_exceptions=True)
        self._pools.clear()
