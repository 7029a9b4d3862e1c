"""Which pool checks a proof: consistent hashing with bounded loads (:class:`BoundedLoadRouter`).

Each pool owns points on a hash ring, ``points_per_slot`` per REPL slot, so a pool's share
of the ring follows its size. A key (the proof's digest) starts at its own point and walks
the ring; the first pool it meets is its *home*. Identical proofs therefore meet on one
pool, where in-flight dedup, the verdict cache and warm header REPLs can serve them.

Hashing alone would overload the home of a hot key, so each pool also has a *bound*: with
``L`` proofs in flight, a pool holding the fraction ``w`` of all slots may take the next
one only while its load stays within ``ceil((1 + epsilon) * (L + 1) * w)``; a key whose
home is full walks on to the next pool (Mirrokni, Thorup and Zadimoghaddam, "Consistent
Hashing with Bounded Loads", SODA 2018). The bounds add up to more than ``L + 1``, so some
pool always has room, and no pool ever ends an assignment above ``(1 + epsilon)`` times its
fair share plus one.

Adding or removing a pool moves only the keys whose home it becomes or was. The router is
plain bookkeeping: no I/O, no Ray, no locks (one event loop owns it).
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass

from kimina_prover_rl.errors import ConfigError

__all__ = ["BoundedLoadRouter"]


def _point(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(slots=True)
class _Pool:
    slots: int
    load: int = 0


class BoundedLoadRouter:
    """Assigns keys to named pools: stable per key, no pool far above its share.

    ``epsilon`` is how far above its fair share a pool may go before keys move on
    (0.25: 25%); smaller spreads load more evenly and keeps fewer keys at home.
    """

    def __init__(self, *, epsilon: float = 0.25, points_per_slot: int = 16) -> None:
        if not epsilon > 0:
            raise ConfigError(f"epsilon={epsilon!r} must be > 0 (0.25 allows 25% above share)")
        if points_per_slot < 1:
            raise ConfigError(f"points_per_slot={points_per_slot!r} must be a positive integer")
        self._epsilon = epsilon
        self._points_per_slot = points_per_slot
        self._pools: dict[str, _Pool] = {}
        self._ring: list[tuple[int, str]] = []
        self._total_slots = 0
        self._total_load = 0

    def __repr__(self) -> str:
        loads = ", ".join(f"{name}={pool.load}/{pool.slots}" for name, pool in self._pools.items())
        return f"<BoundedLoadRouter epsilon={self._epsilon} pools=[{loads}]>"

    @property
    def pools(self) -> tuple[str, ...]:
        """The pools' names, in the order they were added."""
        return tuple(self._pools)

    @property
    def total_load(self) -> int:
        """Keys assigned and not yet released, over all pools."""
        return self._total_load

    def __contains__(self, name: object) -> bool:
        return name in self._pools

    def add(self, name: str, slots: int) -> None:
        """Add a pool of ``slots`` REPLs."""
        if name in self._pools:
            raise ConfigError(f"pool {name!r} is already routed; remove it first")
        if slots < 1:
            raise ConfigError(f"pool {name!r}: slots={slots!r} must be a positive integer")
        self._pools[name] = _Pool(slots=slots)
        self._total_slots += slots
        for i in range(slots * self._points_per_slot):
            bisect.insort(self._ring, (_point(f"{name}#{i}"), name))

    def remove(self, name: str) -> None:
        """Forget a pool and its load (its keys move to their next pools). Idempotent."""
        pool = self._pools.pop(name, None)
        if pool is None:
            return
        self._total_slots -= pool.slots
        self._total_load -= pool.load
        self._ring = [entry for entry in self._ring if entry[1] != name]

    def load(self, name: str) -> int:
        """Keys assigned to ``name`` and not yet released."""
        return self._pools[name].load

    def bound(self, name: str) -> int:
        """The load ``name`` may reach with the next assignment."""
        share = self._pools[name].slots / self._total_slots
        return math.ceil((1 + self._epsilon) * (self._total_load + 1) * share)

    def preference(self, key: str) -> Iterator[str]:
        """Every pool once, in the order ``key`` meets them on the ring (home first)."""
        if not self._ring:
            return
        seen: set[str] = set()
        start = bisect.bisect_left(self._ring, (_point(key), ""))
        size = len(self._ring)
        for step in range(size):
            name = self._ring[(start + step) % size][1]
            if name not in seen:
                seen.add(name)
                yield name
                if len(seen) == len(self._pools):
                    return

    def home(self, key: str) -> str | None:
        """The pool ``key`` goes to when every pool has room (None: no pools)."""
        return next(self.preference(key), None)

    def assign(self, key: str) -> str | None:
        """The first pool on ``key``'s walk below its bound (None only without pools).

        That pool's load grows by one until :meth:`release`.
        """
        for name in self.preference(key):
            pool = self._pools[name]
            if pool.load < self.bound(name):
                pool.load += 1
                self._total_load += 1
                return name
        return None

    def claim(self, name: str) -> None:
        """Count one more key on ``name`` without asking the bound (work it stole)."""
        self._pools[name].load += 1
        self._total_load += 1

    def release(self, name: str) -> None:
        """One key assigned to ``name`` is done (ignored for a removed pool)."""
        pool = self._pools.get(name)
        if pool is not None and pool.load > 0:
            pool.load -= 1
            self._total_load -= 1
