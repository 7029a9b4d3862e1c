"""ClusterVerifier on a simulated multi-node cluster, with the stand-in REPL on every node.

Which node checked a proof is read from ``verdict.extra["ray_node"]``. Every test uses
proofs of its own, since the shared pools cache verdicts.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import (
    ClusterConfig,
    ClusterVerifier,
    Verdict,
    VerdictStatus,
    VerifierSettings,
    VerifyRequest,
)
from kimina_prover_rl.standin import STANDIN_LEAN_VERSION
from tests.lean.cluster._cluster import SimulatedCluster

pytestmark = pytest.mark.slow


def _proofs(n: int, tag: str) -> list[VerifyRequest]:
    return [
        VerifyRequest(f"theorem {tag}{i} : {i} + 0 = {i} := rfl", id=f"{tag}{i}") for i in range(n)
    ]


def _node_id(node: Any) -> str:
    return str(node.node_id)


async def _collect(verifier: ClusterVerifier, requests: list[VerifyRequest]) -> dict[int, Verdict]:
    """Every (index, verdict) of the stream; fails on an index answered twice."""
    verdicts: dict[int, Verdict] = {}
    async for index, verdict in verifier.verify_stream(requests):
        assert index not in verdicts, f"proof {index} answered twice"
        verdicts[index] = verdict
    return verdicts


def _all_valid_once(verdicts: dict[int, Verdict], requests: list[VerifyRequest]) -> None:
    assert sorted(verdicts) == list(range(len(requests)))
    assert [verdicts[i].id for i in range(len(requests))] == [r.id for r in requests]
    assert {v.status for v in verdicts.values()} == {VerdictStatus.VALID}


def test_pools_must_run_a_local_pool() -> None:
    with pytest.raises(ConfigError, match="must be 'local' or 'standin'"):
        ClusterConfig(pool=VerifierSettings(backend="remote"))
    with pytest.raises(ConfigError, match="in_flight_per_slot=0"):
        ClusterConfig(in_flight_per_slot=0)


async def test_work_spreads_over_every_pool(
    shared_config: ClusterConfig, lean_nodes: list[Any]
) -> None:
    async with ClusterVerifier(shared_config) as verifier:
        requests = _proofs(60, "spread")
        verdicts = await _collect(verifier, requests)
    _all_valid_once(verdicts, requests)
    per_node = Counter(v.extra["ray_node"] for v in verdicts.values())
    # Every pool answers part of the batch. How much each answers depends on how fast its
    # REPLs run (idle pools take queued work from busy ones), so no share is asserted here;
    # the bound on routed load is the router's property test.
    assert set(per_node) == {_node_id(n) for n in lean_nodes}
    assert verifier.lean_version == STANDIN_LEAN_VERSION


async def test_identical_proofs_from_two_clients_meet_on_one_pool(
    shared_config: ClusterConfig,
) -> None:
    first, second = ClusterVerifier(shared_config), ClusterVerifier(shared_config)
    pairs = []
    for request in _proofs(12, "same"):  # one proof per call, like micro-batches of one
        (a,) = await first.verify([request])
        (b,) = await second.verify([request])
        pairs.append((a, b))
    await first.aclose()
    await second.aclose()
    assert len({a.extra["ray_node"] for a, _ in pairs}) > 1  # different proofs spread
    assert all(a.extra["ray_node"] == b.extra["ray_node"] for a, b in pairs)
    assert not any(a.cached for a, _ in pairs)
    assert all(b.cached and b.status is VerdictStatus.VALID for _, b in pairs)


async def test_killing_a_pool_actor_mid_batch_loses_nothing(shared_config: ClusterConfig) -> None:
    import ray

    requests = _proofs(60, "kill")
    verdicts: dict[int, Verdict] = {}
    killed = ""
    async with ClusterVerifier(shared_config) as verifier:
        async for index, verdict in verifier.verify_stream(requests):
            assert index not in verdicts
            verdicts[index] = verdict
            if not killed:
                victim = next(p for p in verifier.pools if p.node_id == verdict.extra["ray_node"])
                ray.kill(victim.actor)
                killed = victim.node_id
    _all_valid_once(verdicts, requests)
    assert Counter(v.extra["ray_node"] for v in verdicts.values())[killed] < 20


async def test_a_node_that_joins_mid_batch_gets_work_and_leaving_loses_nothing(
    ray_cluster: SimulatedCluster, shared_config: ClusterConfig
) -> None:
    now = [0.0]
    requests = _proofs(60, "join")
    verdicts: dict[int, Verdict] = {}
    late = None
    removed = False
    async with ClusterVerifier(shared_config, clock=lambda: now[0]) as verifier:
        async for index, verdict in verifier.verify_stream(requests):
            assert index not in verdicts
            verdicts[index] = verdict
            if late is None:
                late = ray_cluster.add_node("lean_slots", 2)
                now[0] += 3600  # the refresh is due: taking the next answer starts it
            elif len(verdicts) == 2:
                await verifier.refresh()  # hold the batch until the new pool is up
                assert _node_id(late) in {p.node_id for p in verifier.pools}
            elif not removed and verdict.extra["ray_node"] == _node_id(late):
                await asyncio.to_thread(ray_cluster.remove_node, late)  # mid-batch
                removed = True
    assert removed  # so the late node received work
    _all_valid_once(verdicts, requests)


async def test_no_pool_left_is_an_infra_error_that_says_so(
    ray_cluster: SimulatedCluster, shared_config: ClusterConfig
) -> None:
    only = ray_cluster.add_node("lonely_slots", 1)
    config = replace(shared_config, resource="lonely_slots", start_timeout_s=300)
    async with ClusterVerifier(config) as verifier:
        (before,) = await verifier.verify(_proofs(1, "lonely"))
        await asyncio.to_thread(ray_cluster.remove_node, only)
        after = await verifier.verify(_proofs(3, "q"))
    assert before.status is VerdictStatus.VALID
    assert {v.status for v in after} == {VerdictStatus.INFRA_ERROR}
    assert all("no Lean pool is left" in v.detail and "lonely_slots" in v.detail for v in after)
    assert [v.id for v in after] == ["q0", "q1", "q2"]


async def test_proofs_on_a_pool_that_dies_past_max_reroutes_get_infra_error(
    shared_config: ClusterConfig,
) -> None:
    import ray

    requests = _proofs(40, "poison")
    verdicts: dict[int, Verdict] = {}
    config = replace(shared_config, max_reroutes=0)
    async with ClusterVerifier(config) as verifier:
        async for index, verdict in verifier.verify_stream(requests):
            assert index not in verdicts
            verdicts[index] = verdict
            if len(verdicts) == 1:
                victim = next(p for p in verifier.pools if p.node_id == verdict.extra["ray_node"])
                ray.kill(victim.actor)
    assert sorted(verdicts) == list(range(40))
    failed = [v for v in verdicts.values() if v.status is VerdictStatus.INFRA_ERROR]
    assert failed  # what the killed pool held in flight
    assert all("1 time(s) with max_reroutes=0" in v.detail for v in failed)
    assert all(v.detail.endswith("resubmit it") for v in failed)
    assert len(failed) + sum(v.is_valid for v in verdicts.values()) == 40
