"""RayVerifier: one named pool actor per node, shared by every client on it.

Starts a local Ray (2 CPUs, no dashboard) once for the module; skipped if Ray cannot
start here, except under ``CI=true`` where it must run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.factory import VerifierOptions, open_verifier
from kimina_prover_rl.lean.ray_backend import RayVerifier
from kimina_prover_rl.lean.standin import STANDIN_LEAN_VERSION

pytestmark = pytest.mark.slow

OPTIONS = VerifierOptions(backend="standin", workers=2)
VALID = "theorem t : True := trivial"


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, namespace="kimina-test")
    except Exception as exc:  # Ray's start-up failures have no common base class
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"Ray cannot start here: {exc}")
    yield ray
    ray.shutdown()


def test_the_backend_must_be_a_local_pool() -> None:
    with pytest.raises(ConfigError, match="must be 'local' or 'standin'"):
        RayVerifier(VerifierOptions(backend="remote"))


async def test_clients_share_one_actor_per_node(ray_cluster: Any) -> None:
    first, second = RayVerifier(OPTIONS), RayVerifier(OPTIONS)
    requests = [
        VerifyRequest(VALID, id="a"),
        VerifyRequest("theorem t : True := by\n  sorry", id="b"),
    ]
    a, b = await asyncio.gather(first.verify(requests), second.verify(requests[::-1]))
    assert [(v.id, v.status) for v in a] == [("a", VerdictStatus.VALID), ("b", VerdictStatus.SORRY)]
    assert [v.id for v in b] == ["b", "a"]
    assert first.actor_name == second.actor_name
    assert first._get_actor()._actor_id == second._get_actor()._actor_id
    assert first.lean_version == STANDIN_LEAN_VERSION
    await first.aclose()
    await second.aclose()


async def test_a_dead_actor_is_replaced_and_nothing_is_lost(ray_cluster: Any) -> None:
    verifier = open_verifier(VerifierOptions(backend="ray", ray_pool="standin", workers=1))
    assert isinstance(verifier, RayVerifier)
    (before,) = await verifier.verify([VerifyRequest(VALID, id="x")])
    dead = verifier._get_actor()
    ray_cluster.kill(dead)
    verdicts = await verifier.verify([VerifyRequest(VALID, id=str(i)) for i in range(3)])
    assert before.status is VerdictStatus.VALID
    assert [(v.id, v.status) for v in verdicts] == [(str(i), VerdictStatus.VALID) for i in range(3)]
    assert verifier._get_actor()._actor_id != dead._actor_id
