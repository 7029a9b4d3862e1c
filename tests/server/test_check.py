"""POST /api/check answers kimina-lean-server's JSON, one result per snippet."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kimina_prover_rl.lean import MockVerifier, Verdict, VerdictStatus
from kimina_prover_rl.server import create_app
from tests.lean._fake_verifier import fake_verifier
from tests.server._asgi import running
from tests.server._kimina import analyze, check_payload


@pytest.fixture
def fake() -> MockVerifier:
    return fake_verifier()


@pytest.fixture
async def client(fake: fake_verifier) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(lambda: fake)) as client:
        yield client


async def test_a_kimina_client_payload_round_trips(
    client: httpx.AsyncClient, fake: fake_verifier
) -> None:
    snippets = [
        ("ok", "theorem a : True := trivial"),
        ("bad", "theorem b : True := error"),
        ("holey", "theorem c : True := sorry"),
        ("cheat", "theorem d : True := axiom_trick"),
        ("slow", "theorem e : True := timeout"),
        ("down", "theorem f : True := infra"),
    ]
    reply = await client.post("/api/check", json=check_payload(snippets, timeout=20))
    assert reply.status_code == 200
    results = reply.json()["results"]
    assert [r["id"] for r in results] == [i for i, _ in snippets]
    # kimina's client rules never call a rejected proof valid
    assert [analyze(r) for r in results] == [
        "valid",
        "lean_error",
        "lean_error",
        "lean_error",
        "timeout_error",
        "server_error",
    ]
    assert [r["verdict"]["status"] for r in results] == [
        "valid",
        "lean_error",
        "sorry",
        "unsound",
        "timeout",
        "infra_error",
    ]
    assert all(r.get("time", 0) >= 0 for r in results)
    assert {r.timeout_s for r in fake.requests} == {20}
    assert [r.id for r in fake.requests] == [i for i, _ in snippets]


async def test_the_verdict_field_carries_the_exact_verdict(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/api/check", json=check_payload([("u", "theorem d : True := axiom_trick")])
    )
    (result,) = reply.json()["results"]
    verdict = Verdict.from_dict(result["verdict"])
    assert verdict.status is VerdictStatus.UNSOUND
    assert verdict.axioms == ("propext", "bad_axiom")
    # the response sent to kimina clients gained an explanatory error; the verdict keeps Lean's
    assert result["response"]["messages"][-1]["data"].startswith("kimina-prover-rl: unsound")
    assert verdict.response == {"env": 0}


async def test_valid_results_carry_no_extra_messages(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/api/check", json=check_payload([("ok", "theorem a : True := trivial")])
    )
    (result,) = reply.json()["results"]
    assert result["response"] == {"env": 0}
    assert "error" not in result
    assert "response" not in result["verdict"]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"snippets": []}, "snippets"),
        (check_payload([("x", "a"), ("x", "b")]), "unique ids"),
        ({"snippets": [{"id": "x"}]}, "code"),
        (check_payload([("x", "a")], timeout=0), "timeout"),
    ],
)
async def test_malformed_requests_are_422_naming_the_field(
    client: httpx.AsyncClient, payload: dict[str, object], fragment: str
) -> None:
    reply = await client.post("/api/check", json=payload)
    assert reply.status_code == 422
    assert fragment in reply.text


async def test_trailing_slash_is_accepted(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/api/check/", json=check_payload([("ok", "theorem a : True := trivial")])
    )
    assert reply.status_code == 200
