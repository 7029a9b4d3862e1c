"""POST /verify (legacy): ``codes``/``custom_id`` in, ``results`` with ``response.time`` out."""

from __future__ import annotations

from kimina_prover_rl.server import create_app
from tests.lean._fake_verifier import fake_verifier
from tests.server._asgi import running
from tests.server._kimina import verify_payload


async def test_legacy_payload_round_trips_with_integer_ids() -> None:
    fake = fake_verifier()
    async with running(create_app(lambda: fake)) as client:
        reply = await client.post(
            "/verify",
            json=verify_payload(
                [(7, "theorem a : True := trivial"), ("x", "error here")], timeout=9
            ),
        )
    assert reply.status_code == 200
    ok, bad = reply.json()["results"]
    assert ok["custom_id"] == "7"
    assert ok["response"]["time"] >= 0
    assert "error" not in ok
    assert bad["custom_id"] == "x"
    assert any(m["severity"] == "error" for m in bad["response"]["messages"])
    assert bad["verdict"]["status"] == "lean_error"
    assert {r.timeout_s for r in fake.requests} == {9}


async def test_the_old_code_field_is_accepted_and_a_missing_proof_is_422() -> None:
    async with running(create_app(fake_verifier)) as client:
        old = await client.post(
            "/verify", json={"codes": [{"custom_id": 1, "code": "theorem a : True := trivial"}]}
        )
        missing = await client.post("/verify", json={"codes": [{"custom_id": 1}]})
    assert old.status_code == 200
    assert old.json()["results"][0]["verdict"]["status"] == "valid"
    assert missing.status_code == 422
    assert "needs a `proof`" in missing.text
