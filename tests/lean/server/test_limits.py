"""Per-request limits: long timeouts are lowered, oversized batches are refused with 413."""

from __future__ import annotations

from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean.server import ServerLimits, create_app
from tests.lean._fake_verifier import FakeVerifier
from tests.lean.server._asgi import running
from tests.lean.server._kimina import analyze, check_payload, verify_payload

LIMITS = ServerLimits(max_timeout_s=100, max_snippets=3)


def proofs(n: int) -> list[tuple[str, str]]:
    return [(f"p{i}", f"theorem t{i} : True := trivial") for i in range(n)]


async def test_a_timeout_over_the_maximum_is_lowered_and_every_proof_answered() -> None:
    fake = FakeVerifier()
    async with running(create_app(lambda: fake, limits=LIMITS)) as client:
        check = await client.post("/api/check", json=check_payload(proofs(2), timeout=3600))
        verify = await client.post("/verify", json=verify_payload([(1, "x"), (2, "y")]))
        within = await client.post("/api/check", json=check_payload(proofs(1), timeout=20))
    assert (check.status_code, verify.status_code, within.status_code) == (200, 200, 200)
    assert [analyze(r) for r in check.json()["results"]] == ["valid", "valid"]
    assert [len(verify.json()["results"])] == [2]
    assert [r.timeout_s for r in fake.checked] == [100, 100, 100, 100, 20]


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/check", check_payload(proofs(4)), "snippets"),
        ("/verify", verify_payload([(i, "x") for i in range(4)]), "codes"),
    ],
)
async def test_a_batch_over_the_maximum_is_413_naming_the_limit_and_the_fix(
    path: str, payload: dict[str, Any], field: str
) -> None:
    fake = FakeVerifier()
    async with running(create_app(lambda: fake, limits=LIMITS)) as client:
        reply = await client.post(path, json=payload)
        at_limit = await client.post(path, json={**payload, field: payload[field][:3]})
    assert reply.status_code == 413
    detail = reply.json()["detail"]
    assert f"4 entries in `{field}`" in detail
    assert "limit of 3 per request" in detail
    assert "batches of at most 3" in detail
    assert at_limit.status_code == 200
    assert len(fake.checked) == 3


async def test_defaults_and_health_report_the_limits() -> None:
    async with running(create_app(FakeVerifier)) as client:
        health = (await client.get("/health")).json()
        big = await client.post("/api/check", json=check_payload(proofs(1), timeout=10_000))
    assert (health["max_timeout"], health["max_snippets"]) == (300, 4096)
    assert big.status_code == 200


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"max_timeout_s": 0}, "max_timeout_s=0 must be a positive number"),
        ({"max_timeout_s": True}, "max_timeout_s=True"),
        ({"max_snippets": 0}, "max_snippets=0 must be a positive integer"),
        ({"max_snippets": 2.5}, "max_snippets=2.5"),
    ],
)
def test_bad_limits_name_the_field_and_the_option(settings: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError, match="--max-") as caught:
        ServerLimits(**settings)
    assert fragment in str(caught.value)
