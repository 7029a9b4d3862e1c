"""ClusterVerifier on a simulated Ray cluster: throughput against the ideal, latency added.

Every simulated node is a real raylet on this machine offering ``lean_slots``; its pool
actor runs stand-in REPLs that sleep a constant time per command, so the numbers measure
routing, Ray and the pool, not Lean.

1. **Throughput** for 1, 2 and 4 nodes of ``--slots`` REPLs each: one batch of
   ``--rounds`` proofs per REPL through one client. The ideal is ``REPLs / mean Lean
   time per proof`` with the Lean time measured per proof inside the pool (proof command
   plus ``#print axioms``); the fraction is ideal time / wall time, start and drain of
   the batch included.
2. **Added latency** per proof: single-proof calls one after another, stand-in at zero
   latency, through the cluster (one node) and through an in-process pool with the same
   settings; the difference of the medians is what going through Ray costs a proof.

Run: ``python benchmarks/bench_cluster.py [--slots 4] [--rounds 20] [--nodes 1 2 4]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from dataclasses import replace
from typing import Any

from _machine import machine
from kimina_prover_rl.lean import (
    ClusterConfig,
    ClusterVerifier,
    Verdict,
    Verifier,
    VerifierSettings,
    VerifyRequest,
    open_verifier,
)

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
LATENCY_S = 0.1


def _requests(n: int, tag: str) -> list[VerifyRequest]:
    return [
        VerifyRequest(f"theorem {tag}_{i} : {i} + 1 = {i + 1} := by\n  norm_num\n")
        for i in range(n)
    ]


def _lean_time(verdict: Verdict) -> float:
    return verdict.time_s + float(verdict.extra.get("axiom_check_s", 0.0))


def _pool_options(latency: float) -> VerifierSettings:
    return VerifierSettings(
        backend="standin", standin_latency=str(latency), cache_path=None, dedup=False
    )


async def throughput(cluster: Any, nodes: int, slots: int, rounds: int) -> dict[str, float]:
    resource = f"bench{nodes}_slots"
    added = [cluster.add_node(num_cpus=0, resources={resource: slots}) for _ in range(nodes)]
    config = ClusterConfig(
        open_pool=open_verifier,
        pool=_pool_options(LATENCY_S),
        resource=resource,
        namespace=f"bench-{uuid.uuid4().hex[:6]}",
    )
    async with ClusterVerifier(config) as verifier:
        await verifier.verify(_requests(nodes * slots * 2, f"warm{nodes}"))
        requests = _requests(nodes * slots * rounds, f"t{nodes}")
        started = time.perf_counter()
        verdicts = await verifier.verify(requests)
        wall = time.perf_counter() - started
    for node in added:  # its pool actor dies with it
        cluster.remove_node(node)
    assert all(v.is_valid for v in verdicts), {v.status for v in verdicts}
    lean = sum(_lean_time(v) for v in verdicts)
    repls = nodes * slots
    ideal_wall = lean / repls
    return {
        "proofs": len(requests),
        "repls": repls,
        "ideal": len(requests) / ideal_wall,
        "actual": len(requests) / wall,
        "fraction": ideal_wall / wall,
        "nodes_used": len({v.extra["ray_node"] for v in verdicts}),
    }


async def _latencies(verifier: Verifier, n: int, tag: str) -> list[float]:
    await verifier.verify(_requests(4, f"warm{tag}"))
    times = []
    for request in _requests(n, tag):
        started = time.perf_counter()
        (verdict,) = await verifier.verify([request])
        times.append(time.perf_counter() - started)
        assert verdict.is_valid
    return times


async def added_latency(cluster: Any, n: int) -> dict[str, float]:
    node = cluster.add_node(num_cpus=0, resources={"latency_slots": 2})
    config = ClusterConfig(
        open_pool=open_verifier,
        pool=_pool_options(0),
        resource="latency_slots",
        namespace="bench-latency",
    )
    async with ClusterVerifier(config) as verifier:
        through_ray = await _latencies(verifier, n, "ray")
    local = open_verifier(replace(_pool_options(0), workers=2))
    async with local:
        in_process = await _latencies(local, n, "local")
    cluster.remove_node(node)
    ray_p50, local_p50 = statistics.median(through_ray), statistics.median(in_process)
    q = statistics.quantiles
    return {
        "ray_p50_ms": ray_p50 * 1e3,
        "ray_p99_ms": q(through_ray, n=100)[98] * 1e3,
        "local_p50_ms": local_p50 * 1e3,
        "local_p99_ms": q(in_process, n=100)[98] * 1e3,
        "added_p50_ms": (ray_p50 - local_p50) * 1e3,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--slots", type=int, default=4, help="REPLs per node")
    parser.add_argument("--rounds", type=int, default=20, help="proofs per REPL in the batch")
    parser.add_argument("--latency-calls", type=int, default=200)
    args = parser.parse_args()

    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        print(f"Machine: {machine()}")
        print(f"Load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(
            f"Lean: SIMULATED (stand-in REPL), {LATENCY_S * 1e3:.0f} ms per command, "
            "2 commands per proof\n"
        )
        print(
            "| nodes | REPLs | proofs | ideal proofs/s | proofs/s | fraction of ideal |"
            " nodes used |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for nodes in args.nodes:
            t = await throughput(cluster, nodes, args.slots, args.rounds)
            print(
                f"| {nodes} | {t['repls']:.0f} | {t['proofs']:.0f} | {t['ideal']:.1f} | "
                f"{t['actual']:.1f} | {t['fraction']:.3f} | {t['nodes_used']:.0f} |"
            )
        a = await added_latency(cluster, args.latency_calls)
        print("\n| path | p50 | p99 |")
        print("|---|---:|---:|")
        print(f"| in-process pool | {a['local_p50_ms']:.2f} ms | {a['local_p99_ms']:.2f} ms |")
        print(f"| through Ray (one node) | {a['ray_p50_ms']:.2f} ms | {a['ray_p99_ms']:.2f} ms |")
        print(f"\nadded by Ray per proof (p50): {a['added_p50_ms']:.2f} ms")
        print(f"Load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        ray.shutdown()
        cluster.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
