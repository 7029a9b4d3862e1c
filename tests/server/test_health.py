"""GET /health: kimina's liveness answer plus the Lean version and the per-request limits."""

from __future__ import annotations

from kimina_prover_rl.lean import MockVerifier, Verdict, VerdictStatus
from kimina_prover_rl.lean.self_check import SelfCheckedVerifier
from kimina_prover_rl.server import ServerLimits, create_app
from tests.lean._fake_verifier import LEAN_VERSION, fake_verifier
from tests.server._asgi import running


async def test_health_is_ok_without_an_api_key_and_names_the_lean_version_and_limits() -> None:
    limits = ServerLimits(max_timeout_s=90, max_snippets=64, max_body_bytes=1000)
    async with running(create_app(fake_verifier, api_key="secret", limits=limits)) as client:
        reply = await client.get("/health")
    assert reply.status_code == 200
    assert reply.json() == {
        "status": "ok",
        "lean_version": LEAN_VERSION,
        "server": "kimina-prover-rl",
        "max_timeout": 90,
        "max_snippets": 64,
        "max_body_bytes": 1000,
        "self_check": None,
    }


async def test_health_is_not_ok_while_lean_does_not_answer_the_self_check() -> None:
    down = MockVerifier(lambda r: Verdict(VerdictStatus.INFRA_ERROR, id=r.id, detail="no REPL"))
    stack = SelfCheckedVerifier(fake_verifier(), probe=down, header="")
    async with running(create_app(lambda: stack)) as client:
        reply = await client.get("/health")
    assert reply.status_code == 503
    assert reply.json()["status"] == "unavailable"
    assert reply.json()["self_check"]["state"] == "unavailable"
