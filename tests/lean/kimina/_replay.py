"""Replays of real kimina servers' answers (``tests/lean/kimina/fixtures``, see its README).

:class:`Replay` is an ``httpx`` transport that answers each snippet with what the recorded
server answered for exactly that code, whatever the batch it arrives in; a snippet never
recorded is written to ``misses`` and answered with HTTP 500, so a test can say that the
client now sends something else (and the recordings must be made again).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures"
SERVERS = {
    "2.1.3": "kimina_ast_server_2_1_3.json",
    "main": "kimina_lean_server_main.json",
}
"""Recorded servers: kimina-ast-server 2.1.3 (PyPI) and kimina-lean-server GitHub main."""

STATEMENT_RECORDINGS = {
    "2.1.3": "kimina_ast_server_2_1_3_statements.json",
    "main": "kimina_lean_server_main_statements.json",
}
"""The same servers answering proofs sent with their given statement (two snippets a request
when the statement is new: the proof, and the statement on its own)."""


@cache
def recording(server: str, *, statements: bool = False) -> dict[str, Any]:
    """The recorded exchanges with ``server`` (a key of :data:`SERVERS`); with
    ``statements``, those of proofs sent with their given statement."""
    name = (STATEMENT_RECORDINGS if statements else SERVERS)[server]
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def recorded_pairs(server: str, endpoint: str) -> list[dict[str, Any]]:
    """Every recorded exchange with ``server`` on ``/api/check`` or ``/verify``."""
    return [p for p in recording(server)["pairs"] if p["endpoint"] == endpoint]


def sent_code(pair: dict[str, Any]) -> str:
    """The code the client sent in a recorded exchange (one snippet per request)."""
    request = pair["request"]
    if "snippets" in request:
        return str(request["snippets"][0]["code"])
    code = request["codes"][0]
    return str(code.get("proof") or code.get("code"))


def recorded_result(pair: dict[str, Any]) -> dict[str, Any]:
    """The server's result object for the one snippet of a recorded exchange."""
    result: dict[str, Any] = pair["response"]["results"][0]
    return result


def _snippet_answers(pair: dict[str, Any]) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
    """Each snippet of a recorded exchange, keyed by route and code, with its result."""
    request = pair["request"]
    if "snippets" in request:
        sent = {str(s["id"]): str(s["code"]) for s in request["snippets"]}
        id_field = "id"
    else:
        sent = {str(c["custom_id"]): str(c.get("proof") or c.get("code")) for c in request["codes"]}
        id_field = "custom_id"
    for result in pair["response"]["results"]:
        yield (pair["endpoint"], sent[str(result[id_field])]), result


class Replay:
    """An ``httpx`` transport answering like the recorded ``server`` did; with
    ``statements``, from the recordings of proofs sent with their given statement."""

    def __init__(self, server: str, *, statements: bool = False) -> None:
        self.server = server
        self.misses: list[str] = []
        self.sent: list[str] = []
        """The code of every snippet received, in order."""
        self._answers = dict(
            answer
            for pair in recording(server, statements=statements)["pairs"]
            for answer in _snippet_answers(pair)
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/health":
            return httpx.Response(200, json=recording(self.server)["health"])
        body = json.loads(request.content)
        if path == "/api/check":
            items = [(s["id"], s["code"]) for s in body["snippets"]]
            id_field = "id"
        elif path == "/verify":
            items = [(c["custom_id"], c.get("proof") or c.get("code")) for c in body["codes"]]
            id_field = "custom_id"
        else:
            return httpx.Response(404, json={"detail": "Not Found"})
        results = []
        for item_id, code in items:
            self.sent.append(code)
            answer = self._answers.get((path, code))
            if answer is None:
                self.misses.append(code)
                return httpx.Response(500, json={"detail": "not recorded"})
            results.append({**answer, id_field: item_id})
        return httpx.Response(200, json={"results": results})
