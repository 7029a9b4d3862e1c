"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, in a thread.

It answers ``POST /v1/chat/completions`` in the shape vLLM's server uses (``choices[0]``
with ``message.content``, ``finish_reason``, ``usage``), from a ``reply`` function the
test gives it, and records every request body it received.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """What the server sends for one request: a completion, or an HTTP error."""

    content: str = ""
    finish_reason: str = "stop"
    status: int = 200
    error: str = ""
    reasoning: str | None = None
    delay_s: float = 0.0
    raw: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ChatServer:
    """The running server: its API root, the bodies it got, and the most requests at once."""

    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)


@contextlib.contextmanager
def chat_server(reply: Callable[[dict[str, Any]], Reply]) -> Iterator[ChatServer]:
    """Serve ``reply(body)`` for every chat-completions request until the block ends."""
    state: ChatServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length))
            with state._lock:
                state.requests.append(body)
                state._in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state._in_flight)
            try:
                answer = reply(body)
                if answer.delay_s:
                    time.sleep(answer.delay_s)
            finally:
                with state._lock:
                    state._in_flight -= 1
            if self.path != "/v1/chat/completions":
                self._send(404, json.dumps({"detail": "Not Found"}), {})
            elif answer.raw is not None:
                self._send(answer.status, answer.raw, answer.headers)
            elif answer.status != 200:
                error = {"object": "error", "message": answer.error, "code": answer.status}
                self._send(answer.status, json.dumps(error), answer.headers)
            else:
                message: dict[str, Any] = {"role": "assistant", "content": answer.content}
                if answer.reasoning is not None:
                    message["reasoning_content"] = answer.reasoning
                completion = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model"),
                    "choices": [
                        {"index": 0, "message": message, "finish_reason": answer.finish_reason}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self._send(200, json.dumps(completion), answer.headers)

        def _send(self, status: int, text: str, headers: dict[str, str]) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = ChatServer(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
