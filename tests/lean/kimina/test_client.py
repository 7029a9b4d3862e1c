"""RemoteServer: kimina-lean-server's JSON, per-item retries, and a verdict for every proof."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import httpx
import pytest
from fastapi import FastAPI

from kimina_prover_rl.errors import ConfigError, PoolClosed
from kimina_prover_rl.lean import (
    VerdictCache,
    VerdictStatus,
    VerifierSettings,
    VerifyRequest,
    open_verifier,
)
from kimina_prover_rl.lean.kimina.client import RemoteConfig, RemoteServer
from kimina_prover_rl.server import ServerLimits, create_app
from tests.lean._fake_verifier import LEAN_VERSION, fake_verifier
from tests.lean.kimina._replay import Replay, recorded_pairs, recording
from tests.server._kimina import FakeKimina
from tests.server._loopback import listening

FAST = {"backoff_s": 0.001, "max_backoff_s": 0.005}
VALID = "import Mathlib\n\ntheorem t : True := by\n  trivial"


def _remote(kimina: FakeKimina, **options: object) -> RemoteServer:
    config = RemoteConfig(url="http://kimina.test", **{**FAST, **options})  # type: ignore[arg-type]
    return RemoteServer(config, transport=kimina.transport())


def _batch(n: int, code: str = VALID) -> list[VerifyRequest]:
    return [VerifyRequest(code, id=f"p{i}") for i in range(n)]


@pytest.mark.parametrize("endpoint", ["check", "verify"])
async def test_kimina_answers_become_verdicts_by_the_pools_rules(endpoint: str) -> None:
    kimina = FakeKimina()
    codes = {
        "valid": VALID,
        "error": "import Mathlib\n\ntheorem t : True := by\n  oops",
        "sorry": "theorem t : True := by\n  sorry",
        "cheat": "theorem t : True := by\n  cheat",
        "slow": "theorem t : True := by\n  slowpoke",
        "no_decl": "#eval 1",
    }
    async with _remote(kimina, endpoint=endpoint) as remote:
        verdicts = await remote.verify([VerifyRequest(c, id=k) for k, c in codes.items()])
    assert {v.id: v.status for v in verdicts} == {
        "valid": VerdictStatus.VALID,
        "error": VerdictStatus.LEAN_ERROR,
        "sorry": VerdictStatus.SORRY,
        "cheat": VerdictStatus.UNSOUND,
        "slow": VerdictStatus.TIMEOUT,
        "no_decl": VerdictStatus.VALID,
    }
    valid, _, _, cheat, *_ = verdicts
    assert valid.axioms == ("propext", "Classical.choice", "Quot.sound")
    assert "cheat" in cheat.detail
    # the appended axiom check is not part of what the proof is told about itself
    assert all("axioms" not in m.data for v in verdicts for m in v.messages)
    assert any("\n#print axioms _root_.t" in code for code in kimina.snippets_seen)


def _line_of(code: str, needle: str) -> int:
    """The 1-based line of ``code`` holding ``needle`` (the truth positions are held to)."""
    (line,) = [n for n, text in enumerate(code.split("\n"), start=1) if needle in text]
    return line


_STATUS = {
    "valid": VerdictStatus.VALID,
    "error": VerdictStatus.LEAN_ERROR,
    "sorry": VerdictStatus.SORRY,
    "axiom": VerdictStatus.UNSOUND,
    "synthetic_sorry": VerdictStatus.UNSOUND,
    "example_error": VerdictStatus.LEAN_ERROR,
}


@pytest.mark.parametrize("server", ["2.1.3", "main"])
@pytest.mark.parametrize("endpoint", ["check", "verify"])
async def test_recorded_kimina_answers_land_on_the_submitted_lines(
    server: str, endpoint: Literal["check", "verify"]
) -> None:
    """Against real kimina servers' answers (two numberings, six headers, no option saying
    which), every message is on the line of the submitted code it is about."""
    pairs = recorded_pairs(server, "/api/check" if endpoint == "check" else "/verify")
    replay = Replay(server)
    config = RemoteConfig(
        url="http://kimina.test",
        endpoint=endpoint,
        chunk_size=5,
        backoff_s=0.001,
        max_backoff_s=0.01,
    )
    async with RemoteServer(config, transport=replay.transport()) as remote:
        requests = [VerifyRequest(p["submitted"], id=f"{p['header']}/{p['case']}") for p in pairs]
        verdicts = await remote.verify(requests)
    assert replay.misses == [], "the client sends other code than recorded: re-record (README)"
    for pair, verdict in zip(pairs, verdicts, strict=True):
        code, case = pair["submitted"], pair["case"]
        assert verdict.status is _STATUS[case], (verdict.id, verdict.detail)
        assert verdict.extra["positions"]["how"] == "detected", verdict.id
        lines = [(m.severity, m.line) for m in verdict.messages]
        if case in ("valid", "axiom"):
            assert lines == []
        elif case == "error":
            assert lines == [("error", _line_of(code, "exact oops"))]
        elif case == "sorry":
            assert lines == [("warning", _line_of(code, "theorem sorry_"))]
            assert verdict.response is not None
            (hole,) = verdict.response["sorries"]
            assert hole["pos"]["line"] == _line_of(code, "  sorry")
        elif case == "synthetic_sorry":
            assert lines == [("info", _line_of(code, "apply?"))]
            assert "sorryAx" in verdict.detail
        else:
            assert lines == [("error", _line_of(code, "  skip"))]
    numberings = {v.extra["positions"]["numbering"] for v in verdicts}
    assert numberings == ({"submitted"} if server == "main" else {"submitted", "after_header"})


async def test_a_sorry_warning_alone_is_a_sorry() -> None:
    """kimina's client only looks at listed sorries; the pool also reads the warning."""

    def warning_only(n: int, request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/api/check":
            return None
        (snippet,) = json.loads(request.content)["snippets"]
        warning = {"severity": "warning", "pos": {"line": 1, "column": 8}}
        response = {"env": 0, "messages": [{**warning, "data": "declaration uses `sorry`"}]}
        return httpx.Response(200, json={"results": [{"id": snippet["id"], "response": response}]})

    async with _remote(FakeKimina(warning_only)) as remote:
        (verdict,) = await remote.verify([VerifyRequest("theorem t : True := by\n  exact?")])
    assert verdict.status is VerdictStatus.SORRY


async def test_a_spoofed_axiom_report_in_the_proof_output_is_ignored() -> None:
    code = "theorem t : True := by\n  spoof\n  cheat"
    async with _remote(FakeKimina()) as remote:
        (verdict,) = await remote.verify([VerifyRequest(code)])
    assert verdict.status is VerdictStatus.UNSOUND


async def test_an_example_is_rechecked_under_a_name() -> None:
    kimina = FakeKimina()
    async with _remote(kimina) as remote:
        (verdict,) = await remote.verify([VerifyRequest("example : True := by\n  trivial")])
    assert verdict.status is VerdictStatus.VALID
    assert "#print axioms _root_.kimina_axiom_check" in kimina.snippets_seen[0]


async def test_results_come_back_in_input_order_across_chunks() -> None:
    codes = [VALID if i % 3 else "theorem t : True := by\n  oops" for i in range(25)]
    kimina = FakeKimina()
    async with _remote(kimina, chunk_size=4, max_concurrency=3) as remote:
        verdicts = await remote.verify([VerifyRequest(c, id=str(i)) for i, c in enumerate(codes)])
    assert [v.id for v in verdicts] == [str(i) for i in range(25)]
    assert [v.status is VerdictStatus.LEAN_ERROR for v in verdicts] == [
        i % 3 == 0 for i in range(25)
    ]


async def test_the_api_key_and_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEAN_SERVER_API_URL", "http://from-env.test/")
    monkeypatch.setenv("LEAN_SERVER_API_KEY", "k3y")
    kimina = FakeKimina()
    async with RemoteServer(RemoteConfig(**FAST), transport=kimina.transport()) as remote:
        assert remote.url == "http://from-env.test"
        await remote.verify(_batch(1))
    assert set(kimina.auth) == {"Bearer k3y"}


def test_bad_settings_are_refused_with_the_field_name() -> None:
    with pytest.raises(ConfigError, match="chunk_size"):
        RemoteConfig(chunk_size=0)
    with pytest.raises(ConfigError, match="http://"):
        RemoteServer(RemoteConfig(url="kimina.test:8000"))


async def test_use_after_close_raises_pool_closed() -> None:
    remote = _remote(FakeKimina())
    await remote.aclose()
    await remote.aclose()
    with pytest.raises(PoolClosed):
        await remote.verify(_batch(1))


# --- faults: every proof still gets exactly one verdict, nothing is raised ---------------


def _on_check(
    fault: httpx.Response | Exception, calls: set[int] | None = None
) -> Callable[[int, httpx.Request], httpx.Response | None]:
    """Answer ``/api/check`` calls number ``calls`` (all when None) with ``fault``."""

    def inject(n: int, request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/health" or (calls is not None and n not in calls):
            return None
        if isinstance(fault, Exception):
            raise fault
        return fault

    return inject


@pytest.mark.parametrize(
    "fault",
    [
        httpx.Response(500, text="internal error"),
        httpx.Response(503, text="unavailable"),
        httpx.Response(429, text="No available REPLs", headers={"Retry-After": "0"}),
        httpx.Response(200, text="<html>proxy error</html>"),
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("read timed out"),
    ],
)
async def test_transient_failures_are_retried(fault: httpx.Response | Exception) -> None:
    kimina = FakeKimina(_on_check(fault, calls={2, 3}))
    async with _remote(kimina, chunk_size=3) as remote:
        verdicts = await remote.verify(_batch(6))
    assert [v.status for v in verdicts] == [VerdictStatus.VALID] * 6
    assert kimina.calls > 3


@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        (httpx.Response(500, text="boom"), "HTTP 500: boom"),
        (httpx.ConnectError("connection refused"), "cannot reach"),
        (httpx.ReadTimeout("read timed out"), "no answer"),
    ],
)
async def test_a_server_that_stays_down_gives_infra_errors(
    fault: httpx.Response | Exception, detail: str
) -> None:
    kimina = FakeKimina(_on_check(fault))
    async with _remote(kimina, chunk_size=4, max_attempts=3) as remote:
        verdicts = await remote.verify(_batch(8))
    assert [v.id for v in verdicts] == [f"p{i}" for i in range(8)]
    assert {v.status for v in verdicts} == {VerdictStatus.INFRA_ERROR}
    assert all(detail in v.detail and "after 3 attempts" in v.detail for v in verdicts)


async def test_a_server_going_away_mid_batch_loses_nothing() -> None:
    kimina = FakeKimina(_on_check(httpx.ConnectError("gone"), calls=set(range(4, 1000))))
    async with _remote(kimina, chunk_size=2, max_concurrency=1, max_attempts=2) as remote:
        verdicts = await remote.verify(_batch(10))
    statuses = [v.status for v in verdicts]
    assert statuses[:4] == [VerdictStatus.VALID] * 4
    assert statuses[4:] == [VerdictStatus.INFRA_ERROR] * 6
    assert [v.id for v in verdicts] == [f"p{i}" for i in range(10)]


async def test_an_item_that_breaks_the_server_fails_alone() -> None:
    def poison(n: int, request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(500, text="crash") if b"poison" in request.content else None

    codes = [VALID] * 7 + ["theorem poison : True := trivial"]
    async with _remote(FakeKimina(poison), chunk_size=8, max_attempts=4) as remote:
        verdicts = await remote.verify([VerifyRequest(c) for c in codes])
    assert [v.status for v in verdicts] == [VerdictStatus.VALID] * 7 + [VerdictStatus.INFRA_ERROR]


async def test_a_refused_api_key_is_not_retried() -> None:
    kimina = FakeKimina(_on_check(httpx.Response(401, json={"detail": "Invalid API key"})))
    async with _remote(kimina, chunk_size=5) as remote:
        verdicts = await remote.verify(_batch(5))
    assert kimina.calls == 2  # /health, then one chunk
    assert all("API key" in v.detail for v in verdicts)


async def test_a_result_missing_from_the_answer_is_an_infra_error() -> None:
    def drop_second(n: int, request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/api/check":
            return None
        return httpx.Response(200, json={"results": [{"id": "0", "response": {"env": 0}}]})

    async with _remote(FakeKimina(drop_second), check_axioms=False) as remote:
        first, second = await remote.verify(_batch(2))
    assert first.status is VerdictStatus.VALID
    assert second.status is VerdictStatus.INFRA_ERROR
    assert "left it out" in second.detail


# --- against our own server ---------------------------------------------------------


async def test_against_our_server_verdicts_round_trip_exactly() -> None:
    fake = fake_verifier()
    app = create_app(lambda: fake, api_key="s3cret")
    codes = ["ok", "x error", "y sorry", "z axiom", "w timeout", "v infra"]
    async with app.router.lifespan_context(app):
        config = RemoteConfig(url="http://ours.test", api_key="s3cret", **FAST)  # type: ignore[arg-type]
        async with RemoteServer(config, transport=httpx.ASGITransport(app=app)) as remote:
            verdicts = await remote.verify([VerifyRequest(c, id=c) for c in codes])
            assert remote.lean_version == LEAN_VERSION
    expected = [
        VerdictStatus.VALID,
        VerdictStatus.LEAN_ERROR,
        VerdictStatus.SORRY,
        VerdictStatus.UNSOUND,
        VerdictStatus.TIMEOUT,
        VerdictStatus.INFRA_ERROR,
    ]
    assert [v.status for v in verdicts] == expected
    assert [v.id for v in verdicts] == codes
    assert verdicts[3].axioms == ("propext", "bad_axiom")
    assert verdicts[3].response == {"env": 0}
    assert verdicts[1].errors[0].data == "unsolved goals"
    # our server judges axioms itself: nothing is appended to the code it receives
    assert [r.code for r in fake.requests] == codes


@pytest.mark.parametrize("endpoint", ["check", "verify"])
async def test_our_server_is_told_the_graded_theorem_and_statement(
    endpoint: Literal["check", "verify"],
) -> None:
    fake = fake_verifier()
    app = create_app(lambda: fake)
    statement = "import Mathlib\n\ntheorem t : True := by"
    request = VerifyRequest(f"{statement}\n  trivial", formal_statement=statement)
    async with app.router.lifespan_context(app):
        config = RemoteConfig(url="http://ours.test", endpoint=endpoint)
        async with RemoteServer(config, transport=httpx.ASGITransport(app=app)) as remote:
            await remote.verify([request])
    (seen,) = fake.requests
    assert (seen.theorem_name, seen.formal_statement) == ("t", statement)


async def test_a_kimina_server_gets_only_kiminas_fields() -> None:
    bodies: list[bytes] = []

    def record(n: int, request: httpx.Request) -> httpx.Response | None:
        bodies.append(request.content)
        return None

    kimina = FakeKimina(record)
    statement = "theorem t : True := by"
    async with _remote(kimina) as remote:
        await remote.verify([VerifyRequest(f"{statement}\n  trivial", formal_statement=statement)])
    snippets = json.loads(bodies[-1])["snippets"]
    assert len(snippets) == 2  # the proof, and the given statement checked on its own
    assert all(set(snippet) == {"id", "code"} for snippet in snippets)


async def test_without_health_our_server_is_treated_as_any_kimina_server() -> None:
    fake = fake_verifier()
    app = create_app(lambda: fake)
    transport = httpx.ASGITransport(app=app)

    async def no_health(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(503, text="down")
        return await transport.handle_async_request(request)

    async with app.router.lifespan_context(app):
        config = RemoteConfig(url="http://ours.test", **FAST)  # type: ignore[arg-type]
        async with RemoteServer(config, transport=httpx.MockTransport(no_health)) as remote:
            (verdict,) = await remote.verify([VerifyRequest("theorem t : True := trivial")])
    assert "#print axioms _root_.t" in fake.requests[0].code
    # the fake calls code mentioning "axiom" unsound; the kimina view of that carries an
    # error message, so a client that only sees the kimina view never calls it valid
    assert verdict.status is VerdictStatus.LEAN_ERROR


async def test_code_that_is_not_unicode_is_rejected_alone() -> None:
    kimina = FakeKimina()
    async with _remote(kimina) as remote:
        bad, good = await remote.verify(
            [VerifyRequest("theorem t : True := \ud800"), VerifyRequest(VALID)]
        )
    assert bad.status is VerdictStatus.REJECTED
    assert good.status is VerdictStatus.VALID
    assert len(kimina.snippets_seen) == 1


def test_the_verdict_scope_changes_with_every_setting_that_changes_verdicts() -> None:
    """Cached verdicts are never shared across servers, routes, axiom checking, or the rule
    positions are read by (earlier clients assumed one numbering)."""

    def scope(**changes: object) -> str:
        settings: dict[str, object] = {"url": "http://a.test", "lean_version": "v4.15", **changes}
        return RemoteServer(RemoteConfig(**settings)).verdict_scope  # type: ignore[arg-type]

    base = scope()
    variants = [
        scope(url="http://b.test"),
        scope(endpoint="verify"),
        scope(check_axioms=False),
        scope(lean_version="v4.19"),
    ]
    assert len({base, *variants}) == 1 + len(variants)
    assert "numbering=detected" in base
    assert "statement=probe" in base
    assert scope(lean_version="") == ""  # unknown version: nothing is cached
    assert scope(timeout_s=5.0, chunk_size=2) == base  # transport settings do not count


# --- a server with a per-request limit (HTTP 413), over real HTTP ------------------------

STANDIN_VALID = "theorem t : True := trivial"
STANDIN_SORRY = "theorem t : True := by\n  sorry"


def _standin_server(limits: ServerLimits) -> FastAPI:
    """``kimina-rl serve``'s app on the stand-in, with ``limits``."""
    options = VerifierSettings(backend="standin", cache_path=None)
    return create_app(lambda: open_verifier(options), limits=limits)


@pytest.mark.parametrize("endpoint", ["check", "verify"])
async def test_a_server_refusing_big_requests_still_judges_every_proof(
    endpoint: Literal["check", "verify"], caplog: pytest.LogCaptureFixture
) -> None:
    codes = [STANDIN_SORRY if i % 3 == 0 else STANDIN_VALID for i in range(7)]
    requests = [VerifyRequest(code, id=f"p{i}") for i, code in enumerate(codes)]
    expected = [VerdictStatus.SORRY if i % 3 == 0 else VerdictStatus.VALID for i in range(7)]
    with listening(_standin_server(ServerLimits(max_snippets=2))) as url:
        config = RemoteConfig(url=url, endpoint=endpoint, chunk_size=16, **FAST)  # type: ignore[arg-type]
        async with RemoteServer(config) as remote:
            first = await remote.verify(requests)
            assert remote.chunk_size == 2
            again = await remote.verify(requests)
    assert [v.status for v in first] == expected
    assert [v.status for v in again] == expected
    assert [v.id for v in first] == [r.id for r in requests]
    assert "HTTP 413" in caplog.text
    assert "--remote-batch-size 2" in caplog.text


async def test_a_proof_too_large_to_send_alone_is_rejected_and_the_rest_are_judged() -> None:
    huge = STANDIN_VALID + "\n-- " + "x" * 4000
    codes = [STANDIN_VALID, huge, STANDIN_SORRY]
    requests = [VerifyRequest(code, id=str(i)) for i, code in enumerate(codes)]
    with listening(_standin_server(ServerLimits(max_body_bytes=2048))) as url:
        async with RemoteServer(RemoteConfig(url=url, **FAST)) as remote:  # type: ignore[arg-type]
            verdicts = await remote.verify(requests)
    assert [v.status for v in verdicts] == [
        VerdictStatus.VALID,
        VerdictStatus.REJECTED,
        VerdictStatus.SORRY,
    ]
    assert "HTTP 413" in verdicts[1].detail
    assert "this proof alone" in verdicts[1].detail
    assert not verdicts[1].is_cacheable


def test_the_batch_size_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="--remote-batch-size"):
        VerifierSettings(backend="remote", remote_batch_size=0)


# --- the given statement, against recorded kimina servers ---------------------------------


def _statement_cases(server: str, endpoint: str) -> list[dict[str, str]]:
    """The recorded proofs sent with their given statement, one per case and header."""
    path = "/api/check" if endpoint == "check" else "/verify"
    fields = ("case", "header", "submitted", "theorem_name", "formal_statement")
    cases = {
        (p["case"], p["header"]): {f: p[f] for f in fields}
        for p in recording(server, statements=True)["pairs"]
        if p["endpoint"] == path
    }
    return list(cases.values())


@pytest.mark.parametrize("server", ["2.1.3", "main"])
@pytest.mark.parametrize("endpoint", ["check", "verify"])
async def test_a_kimina_server_checks_the_given_statement_in_the_same_request(
    server: str, endpoint: Literal["check", "verify"]
) -> None:
    cases = _statement_cases(server, endpoint)
    requests = [
        VerifyRequest(
            c["submitted"],
            id=f"{c['case']}/{c['header']}",
            theorem_name=c["theorem_name"],
            formal_statement=c["formal_statement"],
        )
        for c in cases
    ]
    replay = Replay(server, statements=True)
    config = RemoteConfig(url="http://kimina.test", endpoint=endpoint, **FAST)  # type: ignore[arg-type]
    async with RemoteServer(config, transport=replay.transport()) as remote:
        verdicts = await remote.verify(requests)
        first_call = len(replay.sent)
        again = await remote.verify(requests)
    assert replay.misses == []
    expected = {
        "honest": VerdictStatus.VALID,
        "changed": VerdictStatus.UNSOUND,
        "sorry": VerdictStatus.SORRY,
        "bad_statement": VerdictStatus.REJECTED,
    }
    assert {c["case"] for c in cases} == set(expected)
    assert [(v.id, v.status) for v in verdicts] == [
        (r.id, expected[c["case"]]) for r, c in zip(requests, cases, strict=True)
    ]
    assert [v.status for v in again] == [v.status for v in verdicts]
    for verdict, case in zip(verdicts, cases, strict=True):
        if case["case"] == "changed":
            assert "does not prove the given statement" in verdict.detail
        if case["case"] == "bad_statement":
            assert "does not elaborate" in verdict.detail
    # one more snippet per new statement; once known, a statement is not sent again, and
    # proofs of a statement that does not elaborate are not sent at all
    statements = {c["formal_statement"] for c in cases}
    assert first_call == len(requests) + len(statements)
    judged = [c for c in cases if c["case"] != "bad_statement"]
    assert len(replay.sent) - first_call == len(judged)


async def test_a_statement_printed_once_is_kept_in_the_verdict_cache(tmp_path: Path) -> None:
    cases = [c for c in _statement_cases("main", "check") if c["case"] in ("honest", "changed")]
    requests = [
        VerifyRequest(
            c["submitted"], theorem_name=c["theorem_name"], formal_statement=c["formal_statement"]
        )
        for c in cases
    ]
    config = RemoteConfig(url="http://kimina.test", lean_version="recorded", **FAST)  # type: ignore[arg-type]
    sent: list[int] = []
    for _ in range(2):  # two runs, one cache file
        replay = Replay("main", statements=True)
        cache = VerdictCache(tmp_path / "verdicts.sqlite")
        async with RemoteServer(config, transport=replay.transport(), statements=cache) as remote:
            verdicts = await remote.verify(requests)
        cache.close()
        assert [v.status for v in verdicts] == [
            VerdictStatus.VALID if c["case"] == "honest" else VerdictStatus.UNSOUND for c in cases
        ]
        sent.append(len(replay.sent))
    statements = {c["formal_statement"] for c in cases}
    assert sent == [len(requests) + len(statements), len(requests)]


async def test_a_server_that_accepts_but_never_answers_costs_one_deadline() -> None:
    """A real socket that answers /health and then holds every check request open: past
    the deadline each proof is an infra_error naming it, long before the HTTP timeouts
    (600 s × 4 attempts) would have given up."""
    held: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = await reader.readline()
        if b"/health" in request_line:
            body = b'{"status": "ok"}'
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n"
            writer.write(head.encode() + b"Content-Type: application/json\r\n\r\n" + body)
            await writer.drain()
        held.append(writer)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = RemoteConfig(url=f"http://127.0.0.1:{port}", deadline_s=0.5, chunk_size=2, **FAST)
    try:
        async with RemoteServer(config) as remote:
            verdicts = await remote.verify(_batch(4))
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
    assert [v.id for v in verdicts] == [f"p{i}" for i in range(4)]
    assert {v.status for v in verdicts} == {VerdictStatus.INFRA_ERROR}
    assert all("0.5 s deadline" in v.detail for v in verdicts)
    assert "--remote-deadline" in verdicts[0].detail


def test_the_deadline_is_a_verifier_setting() -> None:
    settings = VerifierSettings(backend="remote", url="http://x.test", remote_deadline_s=30.0)
    assert settings.remote_deadline_s == 30.0
    with pytest.raises(ConfigError, match="remote_deadline"):
        VerifierSettings(backend="remote", url="http://x.test", remote_deadline_s=0)
