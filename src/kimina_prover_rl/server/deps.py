"""FastAPI dependencies: the verifier and limits the app was started with, the API key check.

Tests replace :func:`get_verifier` through ``app.dependency_overrides``.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from kimina_prover_rl.errors import KiminaError
from kimina_prover_rl.lean.verifier import Verifier
from kimina_prover_rl.server.limits import ServerLimits

__all__ = ["ApiKeyRejected", "get_limits", "get_verifier", "require_api_key"]


class ApiKeyRejected(KiminaError):
    """The request carried no API key, or the wrong one (HTTP 401)."""


def get_verifier(request: Request) -> Verifier:
    """The verifier created in the app's lifespan."""
    verifier: Verifier = request.app.state.verifier
    return verifier


def get_limits(request: Request) -> ServerLimits:
    """The per-request limits the app was created with."""
    limits: ServerLimits = request.app.state.limits
    return limits


def require_api_key(request: Request) -> None:
    """Accept the request if the server has no key, or the request carries it.

    The key is read from ``Authorization: Bearer KEY`` (what kimina's clients send) or
    ``X-Auth-Token`` (what some kimina-lean-server versions read), and compared in
    constant time.
    """
    expected: str | None = request.app.state.api_key
    if expected is None:
        return
    given = request.headers.get("Authorization") or request.headers.get("X-Auth-Token")
    if not given:
        raise ApiKeyRejected("missing API key: send `Authorization: Bearer <key>`")
    token = given.removeprefix("Bearer ").strip()
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiKeyRejected("invalid API key")
