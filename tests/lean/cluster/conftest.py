"""The simulated cluster, shared by every test of this package (started once).

Three nodes offer ``lean_slots`` for the whole session and their pools (stand-in REPLs,
20 ms per command, a verdict cache) live in one namespace, so tests reuse warm pools;
tests that remove nodes or need other settings add nodes of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.lean import ClusterConfig, ClusterVerifier, VerifierSettings, open_verifier
from tests.lean.cluster._cluster import SimulatedCluster, simulated_cluster


@pytest.fixture(scope="package")
def ray_cluster() -> Iterator[SimulatedCluster]:
    with simulated_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="package")
def lean_nodes(ray_cluster: SimulatedCluster) -> list[Any]:
    """The three session-long nodes offering two ``lean_slots`` each."""
    return [ray_cluster.add_node("lean_slots", 2) for _ in range(3)]


@pytest.fixture(scope="package")
def shared_config(
    ray_cluster: SimulatedCluster, lean_nodes: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ClusterConfig]:
    """How every client of the shared pools is configured (they share the actors)."""
    cache = Path(tmp_path_factory.mktemp("cluster")) / "verdicts.sqlite"
    pool = VerifierSettings(backend="standin", standin_latency="0.02", cache_path=cache)
    with ray_cluster.namespace() as namespace:
        config = ClusterConfig(
            pool=pool, namespace=namespace, refresh_s=3600, open_pool=open_verifier
        )
        keeper = ClusterVerifier(config)  # holds the pools, so they outlive each test's client
        asyncio.run(keeper.refresh())
        yield config
        del keeper
