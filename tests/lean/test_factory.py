"""VerifierSettings / open_verifier: every backend built one way: guard, self-check, dedup,
cache, backend."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import (
    CachingVerifier,
    ClusterVerifier,
    DedupVerifier,
    RemoteServer,
    VerdictStatus,
    Verifier,
    VerifierSettings,
    VerifyRequest,
)
from kimina_prover_rl.lean.factory import SIMULATED_NOTE, open_verifier
from kimina_prover_rl.lean.guard import ConstructGuard
from kimina_prover_rl.lean.pool import LocalPool
from kimina_prover_rl.lean.self_check import SelfCheckedVerifier
from kimina_prover_rl.standin import STANDIN_LEAN_VERSION

VALID = "theorem t : True := trivial"
SORRY = "theorem t : True := by\n  sorry"


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"backend": "lean4"}, "backend='lean4'"),
        ({"workers": 0}, "--workers"),
        ({"spares": -1}, "--spares"),
        ({"timeout_s": 0}, "--timeout"),
        ({"repl_cmd": ""}, "repl_cmd is empty"),
        ({"repl_cmd": "lake 'env"}, "not a command line"),
    ],
)
def test_invalid_options_name_the_setting(options: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        VerifierSettings(**options)  # type: ignore[arg-type]


def test_a_missing_project_dir_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such directory"):
        open_verifier(VerifierSettings(project_dir=tmp_path / "missing"))


def _below_guard_and_self_check(verifier: Verifier) -> Verifier:
    assert isinstance(verifier, ConstructGuard)
    assert isinstance(verifier.inner, SelfCheckedVerifier)
    return verifier.inner.inner


def test_the_stack_is_guard_self_check_dedup_cache_backend(tmp_path: Path) -> None:
    verifier = open_verifier(
        VerifierSettings(backend="local", cache_path=tmp_path / "c.db", workers=2, spares=0)
    )
    dedup = _below_guard_and_self_check(verifier)
    assert isinstance(dedup, DedupVerifier)
    assert isinstance(dedup.inner, CachingVerifier)
    assert isinstance(dedup.inner.inner, LocalPool)
    assert dedup.inner.inner.config.max_repls == 2
    assert dedup.inner.inner.config.spares == 0
    bare = open_verifier(
        VerifierSettings(backend="remote", url="http://x.test", dedup=False, trusted_code=True)
    )
    assert isinstance(bare, SelfCheckedVerifier)
    assert isinstance(bare.inner, RemoteServer)
    assert bare.inner.url == "http://x.test"


async def test_the_standin_backend_checks_end_to_end_and_says_lean_is_simulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = VerifierSettings(backend="standin", workers=2, cache_path=tmp_path / "c.db")
    requests = [
        VerifyRequest(VALID, id="a"),
        VerifyRequest(SORRY, id="b"),
        VerifyRequest(VALID, id="c"),
    ]
    async with open_verifier(options) as verifier:
        first = await verifier.verify(requests)
        again = await verifier.verify([VerifyRequest(VALID, id="d")])
    assert SIMULATED_NOTE in capsys.readouterr().err
    assert [(v.id, v.status) for v in first] == [
        ("a", VerdictStatus.VALID),
        ("b", VerdictStatus.SORRY),
        ("c", VerdictStatus.VALID),
    ]
    assert first[0].lean_version == STANDIN_LEAN_VERSION
    assert again[0].cached
    assert again[0].id == "d"


def test_a_repl_command_running_the_standin_counts_as_simulated() -> None:
    assert VerifierSettings(repl_cmd="python -m kimina_prover_rl.standin").simulated
    assert VerifierSettings(backend="ray", ray_pool="standin").simulated
    assert not VerifierSettings(repl_cmd="lake env repl").simulated


def test_the_ray_backend_is_the_cluster_verifier_with_the_pools_settings(
    tmp_path: Path,
) -> None:
    options = VerifierSettings(
        backend="ray",
        ray_pool="standin",
        ray_resource="cpu_lean",
        timeout_s=7.0,
        cache_path=tmp_path / "v.sqlite",
    )
    verifier = _below_guard_and_self_check(open_verifier(options))
    assert isinstance(verifier, DedupVerifier)
    cluster = verifier.inner
    assert isinstance(cluster, ClusterVerifier)
    assert cluster.config.resource == "cpu_lean"
    pool = cluster.config.pool
    assert (pool.backend, pool.timeout_s, pool.cache_path) == (
        "standin",
        7.0,
        tmp_path / "v.sqlite",
    )
    bare = _below_guard_and_self_check(open_verifier(replace(options, dedup=False)))
    assert isinstance(bare, ClusterVerifier)
