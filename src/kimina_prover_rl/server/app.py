"""The application factory: routers, the verifier's lifespan, and the error table.

The verifier is created when the server starts and closed when it stops, so REPL
processes live exactly as long as the server. Domain errors (the hierarchy in
:mod:`kimina_prover_rl.errors`) become HTTP answers in one table here; routes never
raise ``HTTPException``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kimina_prover_rl.errors import (
    BackendError,
    ConfigError,
    InputError,
    KiminaError,
    LeanError,
    PoolClosed,
)
from kimina_prover_rl.lean.verifier import Verifier
from kimina_prover_rl.server import check, health, verify
from kimina_prover_rl.server.body_limit import BodyLimit
from kimina_prover_rl.server.deps import ApiKeyRejected
from kimina_prover_rl.server.limits import BatchTooLarge, ServerLimits

__all__ = ["ERROR_STATUS", "create_app"]

_logger = logging.getLogger(__name__)

ERROR_STATUS: dict[type[KiminaError], int] = {
    ApiKeyRejected: 401,
    BatchTooLarge: 413,
    ConfigError: 400,
    InputError: 400,
    PoolClosed: 503,
    BackendError: 502,
    LeanError: 503,
    KiminaError: 500,
}
"""HTTP status per error class; an error takes the entry of its nearest listed ancestor."""


def _status_of(exc: KiminaError) -> int:
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 500


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KiminaError)
    status = _status_of(exc)
    if status >= 500:
        _logger.error("%s %s failed: %s", request.method, request.url.path, exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


def create_app(
    open_verifier: Callable[[], Verifier],
    *,
    api_key: str | None = None,
    limits: ServerLimits | None = None,
) -> FastAPI:
    """A kimina-lean-server compatible app over the verifier ``open_verifier()`` returns.

    ``open_verifier`` runs at startup; the verifier is entered as an async context manager
    and closed at shutdown. With ``api_key``, ``/api/check`` and ``/verify`` require it.
    ``limits`` (default :class:`ServerLimits`) caps each request's timeout, proof count
    and body size.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_verifier() as verifier:
            app.state.verifier = verifier
            yield

    app = FastAPI(
        title="kimina-prover-rl Lean verifier",
        description="kimina-lean-server compatible API: /api/check, /verify, /health",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
    )
    app.state.api_key = api_key or None
    app.state.limits = limits or ServerLimits()
    app.add_middleware(BodyLimit, max_bytes=app.state.limits.max_body_bytes)
    for error in ERROR_STATUS:
        app.add_exception_handler(error, _domain_error)
    app.include_router(check.router)
    app.include_router(verify.router)
    app.include_router(health.router)
    return app
