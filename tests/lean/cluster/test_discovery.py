"""Finding Lean nodes and joining the cluster, against Ray's recorded shapes and errors.

``ray.nodes()`` rows below are trimmed from a real Ray 2.60 cluster (a head node and a
node started with ``resources={"lean_slots": 2}``); ``ray.init(address="auto")`` raises
``ConnectionError`` when no cluster runs (``ray/_private/services.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from kimina_prover_rl.errors import BackendError
from kimina_prover_rl.lean.cluster import _discovery

ray = pytest.importorskip("ray")

NODES: list[dict[str, Any]] = [
    {
        "NodeID": "b642d126",
        "Alive": True,
        "Resources": {"node:192.0.2.2": 1.0, "lean_slots": 2.0, "memory": 24299933696.0},
    },
    {
        "NodeID": "58941409",
        "Alive": True,
        "Resources": {"node:192.0.2.2": 1.0, "CPU": 1.0, "node:__internal_head__": 1.0},
    },
    {"NodeID": "dead0001", "Alive": False, "Resources": {"lean_slots": 32.0}},
    {"NodeID": "frac0001", "Alive": True, "Resources": {"lean_slots": 0.5}},
    {"NodeID": "frac0002", "Alive": True, "Resources": {"lean_slots": 3.7}},
]


def test_only_alive_nodes_with_a_whole_slot_count_and_slots_round_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ray, "nodes", lambda: NODES)
    assert _discovery.lean_nodes("lean_slots") == {"b642d126": 2, "frac0002": 3}
    assert _discovery.lean_nodes("gpu_lean") == {}


def test_no_cluster_to_join_says_how_to_start_one(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_cluster(**_: Any) -> None:
        raise ConnectionError("Could not find any running Ray instance.")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", no_cluster)
    with pytest.raises(BackendError, match="cannot join a Ray cluster at 'auto'") as caught:
        _discovery.connect(None)
    assert "ray start --head --resources" in str(caught.value)
    assert "RAY_ADDRESS" in str(caught.value)
