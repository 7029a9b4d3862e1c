"""The app factory: verifier lifespan, dependency override, API key, the error table."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kimina_prover_rl.errors import BackendError, ConfigError, KiminaError, PoolClosed, ReplCrashed
from kimina_prover_rl.lean import MockVerifier, Verdict, VerifyRequest
from kimina_prover_rl.server import ApiKeyRejected, create_app, get_verifier
from kimina_prover_rl.server.app import ERROR_STATUS
from tests.lean._fake_verifier import fake_verifier
from tests.server._asgi import running
from tests.server._kimina import check_payload

PAYLOAD = check_payload([("ok", "theorem a : True := trivial")])


async def test_the_verifier_lives_as_long_as_the_app() -> None:
    fake = fake_verifier()
    async with running(create_app(lambda: fake)) as client:
        reply = await client.post("/api/check", json=PAYLOAD)
        assert reply.status_code == 200
        assert not fake.closed
    assert fake.closed


async def test_tests_can_override_the_verifier_dependency() -> None:
    started, override = fake_verifier(), fake_verifier()
    app = create_app(lambda: started)
    app.dependency_overrides[get_verifier] = lambda: override
    async with running(app) as client:
        await client.post("/api/check", json=PAYLOAD)
    assert len(override.requests) == 1
    assert not started.requests


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": "Bearer s3cret"}, 200),
        ({"Authorization": "s3cret"}, 200),
        ({"X-Auth-Token": "s3cret"}, 200),
    ],
)
async def test_the_api_key_guards_check_and_verify(headers: dict[str, str], status: int) -> None:
    async with running(create_app(fake_verifier, api_key="s3cret")) as client:
        check = await client.post("/api/check", json=PAYLOAD, headers=headers)
        verify = await client.post(
            "/verify", json={"codes": [{"custom_id": 1, "proof": "x"}]}, headers=headers
        )
    assert (check.status_code, verify.status_code) == (status, status)
    if status == 401:
        assert "API key" in check.json()["detail"]


def _raise(error: Exception) -> Callable[[VerifyRequest], Verdict]:
    def handler(request: VerifyRequest) -> Verdict:
        raise error

    return handler


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (PoolClosed("the pool was closed"), 503),
        (BackendError("ray actor died"), 502),
        (ReplCrashed("repl died"), 503),
        (ConfigError("bad option"), 400),
        (KiminaError("something else"), 500),
    ],
)
async def test_domain_errors_map_to_http_statuses_in_one_table(
    error: Exception, status: int
) -> None:
    async with running(create_app(lambda: MockVerifier(_raise(error)))) as client:
        reply = await client.post("/api/check", json=PAYLOAD)
    assert reply.status_code == status
    assert reply.json() == {"detail": str(error)}


async def test_every_error_class_in_the_table_is_a_kimina_error() -> None:
    assert all(issubclass(cls, KiminaError) for cls in ERROR_STATUS)
    assert ERROR_STATUS[ApiKeyRejected] == 401
