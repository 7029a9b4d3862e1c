"""Finding the nodes that offer Lean slots and getting (or starting) their pool actors.

Every call here blocks on Ray's control plane; :class:`~.verifier.ClusterVerifier` runs
them in a thread. Ray is imported inside the functions, never at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kimina_prover_rl.errors import BackendError
from kimina_prover_rl.lean.cluster._actor import PoolActor
from kimina_prover_rl.lean.settings import VerifierSettings
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["PoolHandle", "connect", "lean_nodes", "start_pool"]


@dataclass(frozen=True, slots=True)
class PoolHandle:
    """One node's pool actor as a client sees it."""

    key: str
    """Routing name: the actor's name and id (a restarted pool is a new key)."""
    node_id: str
    """The Ray node it runs on."""
    slots: int
    """REPLs it runs: the node's amount of the Lean resource."""
    actor: Any
    """The Ray actor handle."""


def connect(address: str | None) -> None:
    """Join the Ray cluster unless this process already has (``address=None``: the running one)."""
    import ray

    if ray.is_initialized():
        return
    try:
        ray.init(address=address or "auto", log_to_driver=False)
    except ConnectionError as exc:
        raise BackendError(
            f"cannot join a Ray cluster at {address or 'auto'!r}: {exc}. Start one with "
            "`ray start --head --resources='{\"lean_slots\": 32}'` on this machine, or set "
            "RAY_ADDRESS to a running cluster's head"
        ) from exc


def lean_nodes(resource: str) -> dict[str, int]:
    """Alive nodes offering at least one unit of ``resource``: node id -> whole units."""
    import ray

    return {
        node["NodeID"]: int(node["Resources"][resource])
        for node in ray.nodes()  # type: ignore[no-untyped-call]
        if node.get("Alive") and node.get("Resources", {}).get(resource, 0) >= 1
    }


def start_pool(
    *,
    node_id: str,
    slots: int,
    options: VerifierSettings,
    open_pool: Callable[[VerifierSettings], Verifier],
    resource: str,
    name_prefix: str,
    namespace: str,
    detached: bool,
) -> PoolHandle:
    """The node's pool actor, found by name or started there holding all its Lean slots.

    The actor builds its stack with ``open_pool(options)`` (with ``slots`` workers).

    The actor reserves ``slots`` units of ``resource`` (and no CPU: its REPLs are its own
    processes), so a second job cannot start another pool on the same slots.
    """
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    name = f"{name_prefix}-{node_id}"
    actor: Any = (
        ray.remote(PoolActor)
        .options(
            name=name,
            namespace=namespace,
            get_if_exists=True,
            lifetime="detached" if detached else None,
            num_cpus=0,
            resources={resource: slots},
            max_concurrency=10_000,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_id, soft=False),
        )
        .remote(open_pool, options, slots)
    )
    return PoolHandle(
        key=f"{name}/{actor._actor_id.hex()}", node_id=node_id, slots=slots, actor=actor
    )
