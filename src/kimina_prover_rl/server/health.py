"""``GET /health``: liveness, as in kimina-lean-server, plus the Lean version and limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from kimina_prover_rl.lean.kimina.wire import HealthResponse
from kimina_prover_rl.lean.self_check import self_check_report
from kimina_prover_rl.lean.verifier import Verifier
from kimina_prover_rl.server.deps import get_limits, get_verifier
from kimina_prover_rl.server.limits import ServerLimits

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
@router.get("/health/", response_model=HealthResponse, include_in_schema=False)
async def health(
    verifier: Annotated[Verifier, Depends(get_verifier)],
    limits: Annotated[ServerLimits, Depends(get_limits)],
    response: Response,
) -> HealthResponse:
    """``{"status": "ok", "lean_version": ...}``, the per-request limits and the
    self-check, while up; ``unavailable`` with HTTP 503 while Lean does not answer the
    self-check (no working Lean is never reported ``ok``)."""
    report = self_check_report(verifier)
    working = report is None or report.state not in ("unavailable", "failed")
    if not working:
        response.status_code = 503
    return HealthResponse(
        status="ok" if working else "unavailable",
        lean_version=verifier.lean_version,
        max_timeout=limits.max_timeout_s,
        max_snippets=limits.max_snippets,
        max_body_bytes=limits.max_body_bytes,
        self_check=None if report is None else report.to_dict(),
    )
