"""GET /health: kimina's liveness answer plus the Lean version."""

from __future__ import annotations

from kimina_prover_rl.lean.server import create_app
from tests.lean._fake_verifier import LEAN_VERSION, FakeVerifier
from tests.lean.server._asgi import running


async def test_health_is_ok_without_an_api_key_and_names_the_lean_version() -> None:
    async with running(create_app(FakeVerifier, api_key="secret")) as client:
        reply = await client.get("/health")
    assert reply.status_code == 200
    assert reply.json() == {
        "status": "ok",
        "lean_version": LEAN_VERSION,
        "server": "kimina-prover-rl",
    }
