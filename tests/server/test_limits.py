"""Per-request limits: long timeouts are lowered, oversized batches and bodies get 413."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.server import ServerLimits, create_app
from tests.lean._fake_verifier import fake_verifier
from tests.server._asgi import running
from tests.server._kimina import analyze, check_payload, verify_payload

LIMITS = ServerLimits(max_timeout_s=100, max_snippets=3)


def proofs(n: int) -> list[tuple[str, str]]:
    return [(f"p{i}", f"theorem t{i} : True := trivial") for i in range(n)]


async def test_a_timeout_over_the_maximum_is_lowered_and_every_proof_answered() -> None:
    fake = fake_verifier()
    async with running(create_app(lambda: fake, limits=LIMITS)) as client:
        check = await client.post("/api/check", json=check_payload(proofs(2), timeout=3600))
        verify = await client.post("/verify", json=verify_payload([(1, "x"), (2, "y")]))
        within = await client.post("/api/check", json=check_payload(proofs(1), timeout=20))
    assert (check.status_code, verify.status_code, within.status_code) == (200, 200, 200)
    assert [analyze(r) for r in check.json()["results"]] == ["valid", "valid"]
    assert [len(verify.json()["results"])] == [2]
    assert [r.timeout_s for r in fake.requests] == [100, 100, 100, 100, 20]


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
    fake = fake_verifier()
    async with running(create_app(lambda: fake, limits=LIMITS)) as client:
        reply = await client.post(path, json=payload)
        at_limit = await client.post(path, json={**payload, field: payload[field][:3]})
    assert reply.status_code == 413
    detail = reply.json()["detail"]
    assert f"4 entries in `{field}`" in detail
    assert "limit of 3 per request" in detail
    assert "batches of at most 3" in detail
    assert at_limit.status_code == 200
    assert len(fake.requests) == 3


async def test_defaults_and_health_report_the_limits() -> None:
    async with running(create_app(fake_verifier)) as client:
        health = (await client.get("/health")).json()
        big = await client.post("/api/check", json=check_payload(proofs(1), timeout=10_000))
    assert (health["max_timeout"], health["max_snippets"]) == (300, 4096)
    assert health["max_body_bytes"] == 64 * 1024 * 1024
    assert big.status_code == 200


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"max_timeout_s": 0}, "max_timeout_s=0 must be a positive number"),
        ({"max_timeout_s": True}, "max_timeout_s=True"),
        ({"max_snippets": 0}, "max_snippets=0 must be a positive integer"),
        ({"max_snippets": 2.5}, "max_snippets=2.5"),
        ({"max_body_bytes": 0}, "max_body_bytes=0 must be a positive integer"),
    ],
)
def test_bad_limits_name_the_field_and_the_option(settings: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError, match="--max-") as caught:
        ServerLimits(**settings)
    assert fragment in str(caught.value)


BODY_LIMITS = ServerLimits(max_body_bytes=4096)


async def _app_events(app: Any, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> Any:
    """Call the ASGI app once with ``chunks`` as the body; what it read and answered."""
    read: list[int] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        read.append(len(read))
        if len(read) > len(chunks):
            return {"type": "http.disconnect"}
        more = len(read) < len(chunks)
        return {"type": "http.request", "body": chunks[len(read) - 1], "more_body": more}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/check",
        "raw_path": b"/api/check",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"kimina.test"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return len(read), start["status"], json.loads(body)


async def test_a_declared_length_over_the_limit_is_413_without_reading_the_body() -> None:
    fake = fake_verifier()
    app = create_app(lambda: fake, limits=BODY_LIMITS)
    reads, status, answer = await _app_events(
        app, [(b"content-length", b"5000000000")], [b"x" * 1024] * 8
    )
    assert (reads, status) == (0, 413)
    assert "5000000000 bytes" in answer["detail"]
    assert "limit of 4096 bytes" in answer["detail"]
    assert "--max-body-bytes" in answer["detail"]
    assert fake.requests == []


async def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit() -> None:
    fake = fake_verifier()
    app = create_app(lambda: fake, limits=BODY_LIMITS)
    chunks = [b" " * 1024] * 1000  # 1 MB of whitespace, sent without a Content-Length
    reads, status, answer = await _app_events(app, [], chunks)
    assert status == 413
    assert reads == 5  # the fifth KiB passes 4096 bytes; nothing after it is read
    assert "more than 4096 bytes" in answer["detail"]
    assert fake.requests == []


async def test_a_chunked_body_over_the_limit_is_413_through_http() -> None:
    fake = fake_verifier()
    payload = json.dumps(check_payload(proofs(200))).encode()
    assert len(payload) > 4096

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]

    async with running(create_app(lambda: fake, limits=BODY_LIMITS)) as client:
        refused = await client.post("/api/check", content=stream())
        declared = await client.post("/api/check", content=payload)
        small = await client.post("/api/check", json=check_payload(proofs(2)))
    assert (refused.status_code, declared.status_code, small.status_code) == (413, 413, 200)
    assert "transfer-encoding" in refused.request.headers
    assert len(fake.requests) == 2
