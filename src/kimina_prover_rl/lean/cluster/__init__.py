"""Lean verification across a Ray cluster: a pool actor per node, one verifier for them all.

:class:`ClusterVerifier` finds the nodes that offer Lean slots (a Ray resource, by default
``lean_slots``), starts or reuses one named pool actor on each, and spreads proofs over
them with :class:`BoundedLoadRouter` (consistent hashing with bounded loads). Ray is
imported only when the first proof is checked.
"""

from __future__ import annotations

from kimina_prover_rl.lean.cluster.router import BoundedLoadRouter
from kimina_prover_rl.lean.cluster.verifier import ClusterConfig, ClusterVerifier

__all__ = ["BoundedLoadRouter", "ClusterConfig", "ClusterVerifier"]
