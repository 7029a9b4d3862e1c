"""A simulated multi-node Ray cluster on this machine, for the cluster tests.

One head node without Lean slots plus nodes added per test with a custom resource; every
node is a real raylet process, so killing one is a real node failure. Started once per
test session (about 6 s), only by the tests that ask for it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


class SimulatedCluster:
    """Adds and removes nodes; runs each test's pools in a namespace of its own."""

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster

    def add_node(self, resource: str, slots: int) -> Any:
        """A node offering ``slots`` units of ``resource`` (and no CPU for tasks)."""
        return self.cluster.add_node(num_cpus=0, resources={resource: slots})

    def remove_node(self, node: Any) -> None:
        """Kill the node's raylet and wait until the cluster counts it as dead."""
        import ray

        self.cluster.remove_node(node, allow_graceful=False)
        while any(n["NodeID"] == node.node_id and n["Alive"] for n in ray.nodes()):
            time.sleep(0.1)

    @contextmanager
    def namespace(self) -> Iterator[str]:
        """A fresh actor namespace; its pool actors are killed on exit, freeing the slots."""
        name = f"test-{uuid.uuid4().hex[:8]}"
        try:
            yield name
        finally:
            self.kill_pools(name)

    def kill_pools(self, namespace: str) -> None:
        """Kill every named actor of ``namespace``."""
        import ray

        for actor in ray.util.list_named_actors(all_namespaces=True):
            if actor["namespace"] == namespace:
                ray.kill(ray.get_actor(actor["name"], namespace=namespace))


@contextmanager
def simulated_cluster() -> Iterator[SimulatedCluster]:
    """Start the head node and connect; skipped where Ray cannot start, except under CI."""
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    try:
        cluster = Cluster(
            initialize_head=True,
            head_node_args={
                "num_cpus": 1,
                "include_dashboard": False,
                # notice a removed node within a second or two, not half a minute
                "_system_config": {
                    "health_check_period_ms": 500,
                    "health_check_failure_threshold": 2,
                },
            },
        )
        ray.init(address=cluster.address, log_to_driver=False)
    except Exception as exc:  # Ray's start-up failures have no common base class
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"Ray cannot start a local cluster here: {exc}")
    try:
        yield SimulatedCluster(cluster)
    finally:
        ray.shutdown()
        cluster.shutdown()
