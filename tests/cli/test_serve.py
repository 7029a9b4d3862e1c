"""`kimina-rl serve`: the app it runs answers kimina clients, over the stand-in."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import Result
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from kimina_prover_rl.lean import (
    RemoteConfig,
    RemoteServer,
    VerdictStatus,
    VerifyRequest,
    standin_command,
)
from kimina_prover_rl.lean.factory import SIMULATED_NOTE
from tests.server._asgi import running
from tests.server._kimina import analyze, check_payload, verify_payload
from tests.server._loopback import listening

runner = CliRunner()


def serve(monkeypatch: pytest.MonkeyPatch, *options: str) -> tuple[Result, dict[str, Any]]:
    """Run `serve` with uvicorn replaced by a recorder of what it would serve."""
    calls: dict[str, Any] = {}

    def fake_run(application: Any, **kwargs: Any) -> None:
        calls.update(kwargs, app=application)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return runner.invoke(app, ["serve", "--backend", "standin", "--no-cache", *options]), calls


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    result, calls = serve(monkeypatch, "--port", "8123", "--api-key", "k")
    assert result.exit_code == 0, result.output
    assert SIMULATED_NOTE in result.stderr
    assert "API key required" in result.stderr
    return calls


def test_serve_listens_where_asked(served: dict[str, Any]) -> None:
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)


async def test_a_kimina_client_gets_answers_from_the_standin(served: dict[str, Any]) -> None:
    payload = check_payload(
        [("ok", "theorem t : True := trivial"), ("holey", "theorem t : True := by\n  sorry")]
    )
    async with running(served["app"]) as client:
        refused = await client.post("/api/check", json=payload)
        reply = await client.post("/api/check", json=payload, headers={"Authorization": "Bearer k"})
    assert refused.status_code == 401
    assert [analyze(r) for r in reply.json()["results"]] == ["valid", "sorry"]


async def test_our_remote_client_round_trips_through_serve(served: dict[str, Any]) -> None:
    application = served["app"]
    async with application.router.lifespan_context(application):
        config = RemoteConfig(url="http://serve.test", api_key="k")
        transport = httpx.ASGITransport(app=application)
        async with RemoteServer(config, transport=transport) as remote:
            verdicts = await remote.verify(
                [
                    VerifyRequest("theorem t : True := trivial", id="a"),
                    VerifyRequest("example : True := by\n  apply?", id="b"),
                ]
            )
    assert [(v.id, v.status) for v in verdicts] == [
        ("a", VerdictStatus.VALID),
        ("b", VerdictStatus.SORRY),  # Lean warns on apply?'s sorryAx
    ]


async def test_bad_inputs_each_get_their_own_result(served: dict[str, Any]) -> None:
    huge = "theorem t : True := by\n" + "  -- padding\n" * 500_000
    snippets = [
        {"id": "surrogate", "code": "theorem t : True := by\n  exact \\ud800"},
        {"id": "huge", "code": huge},
        {"id": "import in body", "code": "theorem t : True := trivial\nimport Mathlib"},
        {"id": "fine", "code": "theorem t : True := trivial"},
    ]
    body = json.dumps({"snippets": snippets, "timeout": 10}).replace("\\\\ud800", "\\ud800")
    async with running(served["app"]) as client:
        reply = await client.post(
            "/api/check",
            content=body.encode(),
            headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
        )
    assert reply.status_code == 200
    statuses = {r["id"]: r["verdict"]["status"] for r in reply.json()["results"]}
    assert statuses == {
        "surrogate": "rejected",
        "huge": "rejected",
        "import in body": "lean_error",
        "fine": "valid",
    }


async def test_request_limits_are_options(monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = serve(monkeypatch, "--max-timeout", "1", "--max-snippets", "2")
    assert result.exit_code == 0, result.output
    assert "max timeout 1 s, max 2 proofs and" in " ".join(result.stderr.split())
    hung = ("hung", "theorem t : True := by\n  trivial -- standin: hang")
    three = [hung, ("a", "theorem a : True := trivial"), ("b", "theorem b : True := trivial")]
    async with running(calls["app"]) as client:
        health = (await client.get("/health")).json()
        refused = await client.post("/api/check", json=check_payload(three))
        clamped = await client.post("/api/check", json=check_payload([hung], timeout=3600))
    assert (health["max_timeout"], health["max_snippets"]) == (1, 2)
    assert refused.status_code == 413
    assert "limit of 2 per request" in refused.json()["detail"]
    (result_of_hung,) = clamped.json()["results"]
    assert analyze(result_of_hung) == "timeout_error"
    assert "within 1.0 s" in result_of_hung["verdict"]["detail"]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--max-timeout", "0"), ("--max-snippets", "0"), ("--max-body-bytes", "0")],
)
def test_bad_limits_are_refused_before_serving(
    monkeypatch: pytest.MonkeyPatch, option: str, value: str
) -> None:
    result, calls = serve(monkeypatch, option, value)
    assert result.exit_code == 2
    assert option in result.stderr
    assert not calls


async def test_serve_applies_its_body_limit_and_says_the_spares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = serve(monkeypatch, "--max-body-bytes", "2000", "--spares", "0")
    assert result.exit_code == 0, result.output
    stderr = " ".join(result.stderr.split())
    assert "2000 bytes per request" in stderr
    assert "4 workers + 0 warm spare(s)" in stderr
    big = check_payload([(str(i), "theorem t : True := trivial") for i in range(100)])
    async with running(calls["app"]) as client:
        health = (await client.get("/health")).json()
        refused = await client.post("/api/check", json=big)
    assert health["max_body_bytes"] == 2000
    assert refused.status_code == 413


@pytest.mark.parametrize("command", ["serve", "verify", "score"])
def test_help_says_what_a_warm_spare_costs(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--spares" in result.output
    assert "2-5 GiB" in result.output


async def test_serve_refuses_forbidden_constructs_and_unknown_theorem_names(
    served: dict[str, Any],
) -> None:
    kernel_off = (
        "set_option debug.skipKernelTC true\n\ntheorem t : (2 : Nat) + 2 = 5 := by\n  decide"
    )
    mismatched = {
        "id": "m",
        "code": "theorem t : True := trivial",
        "theorem_name": "u",
        "formal_statement": "theorem t : True := by\n  sorry",
    }
    auth = {"Authorization": "Bearer k"}
    async with running(served["app"]) as client:
        health = (await client.get("/health")).json()
        reply = await client.post(
            "/api/check", json=check_payload([("off", kernel_off)]), headers=auth
        )
        legacy = await client.post(
            "/verify", json=verify_payload([("off", kernel_off)]), headers=auth
        )
        bad = await client.post(
            "/api/check", json={"snippets": [mismatched], "timeout": 10}, headers=auth
        )
    assert health["self_check"]["state"] == "passed"
    assert health["self_check"]["cases"]["sorry_ax"] == {"expected": "sorry", "actual": "sorry"}
    for result in (reply.json()["results"][0], legacy.json()["results"][0]):
        assert result["verdict"]["status"] == "rejected"
        assert result["verdict"]["extra"]["refused_construct"] == "set_option debug.skipKernelTC"
        assert "set_option debug.skipKernelTC" in result["error"]
    assert bad.status_code == 400
    assert "theorem_name 'u' is not declared" in bad.json()["detail"]


def _starting(monkeypatch: pytest.MonkeyPatch, *options: str) -> Result:
    """Run `serve` with uvicorn replaced by its start-up: the lifespan, exit 3 if it fails."""

    def fake_run(application: Any, **kwargs: Any) -> None:
        async def start() -> None:
            async with application.router.lifespan_context(application):
                pass

        try:
            asyncio.run(start())
        except Exception:
            sys.exit(3)  # what uvicorn does when the application fails to start

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return runner.invoke(app, ["serve", "--no-cache", *options])


def test_serve_stops_when_the_self_check_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    repl = f"{shlex.join(standin_command())} --axioms-wording '{{name}} needs {{axioms}}'"
    result = _starting(monkeypatch, "--backend", "local", "--repl-cmd", repl)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1].startswith("what to do:")
    assert "\nverifier self-check failed: case 'valid'" in result.stderr
    started = _starting(monkeypatch, "--backend", "standin")
    assert started.exit_code == 0, started.output


def test_verify_against_serve_with_a_snippet_limit_judges_every_proof(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`verify --backend remote` meets `serve --max-snippets 2` over real HTTP."""
    started, calls = serve(monkeypatch, "--max-snippets", "2")
    assert started.exit_code == 0, started.output
    records = [{"id": str(i), "code": f"theorem t{i} : True := trivial"} for i in range(5)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with listening(calls["app"]) as url:
        for batch_size, refused in ((None, True), ("2", False)):
            caplog.clear()
            command = ["verify", str(source), "-o", str(out), "--backend", "remote", "--url", url]
            command += ["--no-cache"]
            command += [] if batch_size is None else ["--remote-batch-size", batch_size]
            result = runner.invoke(app, command)
            assert result.exit_code == 0, result.output
            lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            assert [(line["id"], line["status"]) for line in lines] == [
                (str(i), "valid") for i in range(5)
            ]
            assert ("HTTP 413" in caplog.text) is refused
