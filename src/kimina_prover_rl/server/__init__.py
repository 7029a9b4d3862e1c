"""``kimina-rl serve``: a kimina-lean-server compatible HTTP API over any verifier.

Imports FastAPI; import it only when serving (``kimina_prover_rl.lean`` does not).
"""

from __future__ import annotations

from kimina_prover_rl.server.app import ERROR_STATUS, create_app
from kimina_prover_rl.server.deps import (
    ApiKeyRejected,
    get_limits,
    get_verifier,
    require_api_key,
)
from kimina_prover_rl.server.limits import BatchTooLarge, ServerLimits

__all__ = [
    "ERROR_STATUS",
    "ApiKeyRejected",
    "BatchTooLarge",
    "ServerLimits",
    "create_app",
    "get_limits",
    "get_verifier",
    "require_api_key",
]
