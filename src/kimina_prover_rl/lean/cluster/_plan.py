"""One call's proofs on their way to the pools: a queue per pool, a window, work stealing.

Each proof is routed once, when it arrives, and waits in its pool's queue here; a pool is
sent at most its window of proofs at a time. A pool whose queue is empty while it has
room takes the newest proofs from the longest other queue, so the batch never waits on
one slow pool and a pool that joins mid-batch gets work at once; proofs routed to a pool
that left are routed again. Plain bookkeeping, no Ray: the verifier drives it.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Collection, Sequence

from kimina_prover_rl.lean.cluster.router import BoundedLoadRouter

__all__ = ["Plan"]


class Plan:
    """Where each waiting proof of one call goes, and how many each pool has in flight."""

    def __init__(self, router: BoundedLoadRouter, keys: Sequence[str]) -> None:
        self._router = router
        self._keys = keys
        self._queues: dict[str, deque[int]] = {}
        self.unrouted: deque[int] = deque()
        """Proofs no pool could take (there were none)."""
        self.in_flight: Counter[str] = Counter()
        """Proofs sent to each pool and not yet answered."""

    @property
    def waiting(self) -> int:
        """Proofs routed to a pool but not sent yet."""
        return sum(len(queue) for queue in self._queues.values())

    def route(self, indices: Collection[int]) -> None:
        """Queue each proof at the pool the router picks (or as unrouted)."""
        for index in indices:
            pool = self._router.assign(self._keys[index])
            if pool is None:
                self.unrouted.append(index)
            else:
                self._queues.setdefault(pool, deque()).append(index)

    def reroute_orphans(self) -> None:
        """Route again the proofs queued at pools the router no longer knows."""
        gone = [pool for pool in self._queues if pool not in self._router]
        for pool in gone:
            self.in_flight.pop(pool, None)
            self.route(self._queues.pop(pool))
        if self.unrouted and self._router.pools:
            retry = list(self.unrouted)
            self.unrouted.clear()
            self.route(retry)

    def take(self, pool: str, room: int, *, steal: bool = True) -> list[int]:
        """Up to ``room`` proofs for ``pool``: its own, oldest first, then (``steal``) others'.

        A pool steals the newest proofs of the longest queue, so their owner keeps the
        ones it was about to send.
        """
        taken: list[int] = []
        own = self._queues.get(pool)
        while own and len(taken) < room:
            taken.append(own.popleft())
        while steal and len(taken) < room:
            victim = max(self._queues, key=lambda name: len(self._queues[name]), default=None)
            if victim is None or not self._queues[victim]:
                break
            taken.append(self._queues[victim].pop())
            self._router.release(victim)
            self._router.claim(pool)
        self.in_flight[pool] += len(taken)
        return taken

    def done(self, pool: str, count: int = 1) -> None:
        """``count`` proofs sent to ``pool`` came back (answered, or returned by a failure)."""
        for _ in range(count):
            if self.in_flight[pool] > 0:
                self.in_flight[pool] -= 1
            self._router.release(pool)

    def release_waiting(self) -> None:
        """The call is over: free the load of every proof that was never sent."""
        for pool, queue in self._queues.items():
            for _ in queue:
                self._router.release(pool)
            queue.clear()
