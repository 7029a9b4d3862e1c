"""Refuse request bodies over a size limit with HTTP 413, before they are read into memory.

FastAPI reads a JSON body whole before a route runs, so a size check inside a route comes
too late: a 20 MB request is already in memory, and nothing bounds a larger one. This
ASGI middleware sits in front of everything: a ``Content-Length`` over the limit is
refused without reading a byte, and a body sent without one (chunked) is counted as it
streams in and refused the moment it passes the limit; the application then sees a
disconnected client, and whatever it would have answered is replaced by the 413.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit"]


class BodyLimit:
    """ASGI middleware: at most ``max_bytes`` of request body per HTTP request."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _refuse(send, self._too_large(f"declares {declared} bytes (Content-Length)"))
            return
        state = _Stream(self.max_bytes, receive)

        async def guarded_send(message: Message) -> None:
            if state.over:
                return
            if message["type"] == "http.response.start":
                state.started = True
            await send(message)

        try:
            await self.app(scope, state.receive, guarded_send)
        except Exception:
            if not state.over:
                raise
        if state.over and not state.started:
            await _refuse(send, self._too_large(f"sent more than {self.max_bytes} bytes"))

    def _too_large(self, what: str) -> str:
        return (
            f"the request body {what}, over this server's limit of {self.max_bytes} bytes; "
            "send fewer proofs per request (or start the server with a larger "
            "--max-body-bytes)"
        )


class _Stream:
    """Counts the body as it is received; past the limit, reports a disconnected client."""

    def __init__(self, max_bytes: int, receive: Receive) -> None:
        self.max_bytes = max_bytes
        self.received = 0
        self.over = False
        self.started = False
        self._receive = receive

    async def receive(self) -> Message:
        if self.over:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                self.over = True
                return {"type": "http.disconnect"}
        return message


def _content_length(scope: Scope) -> int | None:
    """The declared body length, or None when there is none (or it is not a number,
    which the server in front of the app has already refused)."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
