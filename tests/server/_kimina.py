"""kimina-lean-server's documented JSON, for compatibility tests.

``check_payload`` / ``verify_payload`` are what kimina's clients send (``kimina-client``'s
``CheckRequest(...).model_dump()`` and the legacy ``/verify`` body); ``analyze`` applies
kimina-client's ``ReplResponse.analyze`` rules to one result; ``FakeKimina`` answers in
kimina-lean-server's JSON (``#print axioms`` reported as an info message) behind an
``httpx.MockTransport``, scripted by keywords, for retries, faults and routes. Its positions
count from the top of the code, whatever the import lines: how real kimina servers number
lines is tested against their recorded answers (``tests/lean/kimina/_replay.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx


def check_payload(snippets: list[tuple[str, str]], *, timeout: int = 60) -> dict[str, Any]:
    return {
        "snippets": [{"id": i, "code": c} for i, c in snippets],
        "timeout": timeout,
        "debug": False,
        "reuse": True,
        "infotree": None,
    }


def verify_payload(codes: list[tuple[str | int, str]], *, timeout: int = 300) -> dict[str, Any]:
    return {
        "codes": [{"custom_id": i, "proof": c} for i, c in codes],
        "timeout": timeout,
        "infotree_type": None,
        "disable_cache": False,
    }


def analyze(result: dict[str, Any]) -> str:
    """kimina-client's status of one ``/api/check`` result."""
    error, response = result.get("error"), result.get("response")
    assert bool(error) != (response is not None), "kimina requires exactly one of error/response"
    if error:
        return "timeout_error" if "timed out" in error else "server_error"
    assert isinstance(response, dict)
    if "message" in response:
        return "repl_error"
    messages = response.get("messages") or []
    if any(m["severity"] == "error" for m in messages):
        return "lean_error"
    return "sorry" if response.get("sorries") else "valid"


def _line_of(code: str, needle: str) -> int:
    return code[: code.index(needle)].count("\n") + 1


def kimina_result(snippet_id: str, code: str, timeout: int) -> dict[str, Any]:
    """What kimina-lean-server answers for one snippet, scripted by keywords in the code."""
    if "slowpoke" in code:
        return {
            "id": snippet_id,
            "time": timeout,
            "error": f"Lean REPL command timed out in {timeout} seconds",
        }
    messages: list[dict[str, Any]] = []
    sorries: list[dict[str, Any]] = []
    if "oops" in code:
        line = _line_of(code, "oops")
        messages.append(
            {
                "severity": "error",
                "pos": {"line": line, "column": 2},
                "endPos": {"line": line, "column": 6},
                "data": "unknown identifier 'oops'",
            }
        )
    if "sorry" in code.split("#print axioms", maxsplit=1)[0]:
        line = _line_of(code, "sorry")
        sorries.append(
            {
                "pos": {"line": line, "column": 2},
                "endPos": {"line": line, "column": 7},
                "goal": "⊢ True",
            }
        )
        messages.append(
            {
                "severity": "warning",
                "pos": {"line": 1, "column": 8},
                "data": "declaration uses 'sorry'",
            }
        )
    if "spoof" in code:
        line = _line_of(code, "spoof")
        messages.append(
            {
                "severity": "info",
                "pos": {"line": line, "column": 0},
                "data": "'t' depends on axioms: [propext]",
            }
        )
    for match in re.finditer(r"#print axioms (\S+)", code):
        line = code[: match.start()].count("\n") + 1
        name = match.group(1).removeprefix("_root_.")  # Lean reports the resolved name
        axioms = "propext, Classical.choice, Quot.sound"
        if "cheat" in code:
            axioms += ", cheat"
        messages.append(
            {
                "severity": "info",
                "pos": {"line": line, "column": 0},
                "endPos": {"line": line, "column": 13},
                "data": f"'{name}' depends on axioms: [{axioms}]",
            }
        )
    response: dict[str, Any] = {"env": 0}
    if messages:
        response["messages"] = messages
    if sorries:
        response["sorries"] = sorries
    return {"id": snippet_id, "time": 0.25, "response": response}


class FakeKimina:
    """A kimina-lean-server stand-in; ``fault(n)`` may raise or answer instead (n = call number)."""

    def __init__(
        self, fault: Callable[[int, httpx.Request], httpx.Response | None] | None = None
    ) -> None:
        self.calls = 0
        self.snippets_seen: list[str] = []
        self.auth: list[str | None] = []
        self._fault = fault

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.auth.append(request.headers.get("Authorization"))
        if self._fault is not None:
            faulty = self._fault(self.calls, request)
            if faulty is not None:
                return faulty
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        body = json.loads(request.content)
        if request.url.path == "/api/check":
            results = []
            for snippet in body["snippets"]:
                self.snippets_seen.append(snippet["code"])
                results.append(kimina_result(snippet["id"], snippet["code"], body["timeout"]))
            return httpx.Response(200, json={"results": results})
        if request.url.path == "/verify":
            results = []
            for code in body["codes"]:
                self.snippets_seen.append(code["proof"])
                r = kimina_result(str(code["custom_id"]), code["proof"], body["timeout"])
                out: dict[str, Any] = {"custom_id": r["id"], "error": r.get("error")}
                if "response" in r:
                    out["response"] = {**r["response"], "time": r["time"]}
                results.append(out)
            return httpx.Response(200, json={"results": results})
        return httpx.Response(404, json={"detail": "Not Found"})
