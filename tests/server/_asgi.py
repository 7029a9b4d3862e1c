"""Drive an ASGI app in-process: its lifespan, then an ``httpx.AsyncClient`` on it.

(Starlette's ``TestClient`` warns about httpx, and tests run with warnings as errors.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Start ``app`` (lifespan included) and yield a client talking to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kimina.test") as client:
            yield client
