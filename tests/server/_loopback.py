"""Serve an app over real HTTP on a free loopback port, with uvicorn in a thread.

For clients that must meet the server as they would in use (sockets, status codes, body
limits enforced on the wire), not through an in-process transport.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

_START_LIMIT_S = 120.0
"""Generous: a loaded machine may take long to start the server; the limit is not tested."""


@contextmanager
def listening(app: FastAPI) -> Iterator[str]:
    """Run ``app`` (lifespan included) on ``127.0.0.1`` and yield its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", loop="asyncio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="loopback-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_LIMIT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the loopback server did not start; see the log above")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(_START_LIMIT_S)
