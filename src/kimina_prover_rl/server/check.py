"""``POST /api/check``: kimina-lean-server's batch check, one result per snippet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kimina_prover_rl.lean.kimina.wire import CheckRequest, CheckResponse
from kimina_prover_rl.lean.verdict import VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier
from kimina_prover_rl.server.convert import repl_result
from kimina_prover_rl.server.deps import get_limits, get_verifier, require_api_key
from kimina_prover_rl.server.limits import ServerLimits

__all__ = ["router"]

router = APIRouter(tags=["check"], dependencies=[Depends(require_api_key)])


@router.post("/api/check", response_model=CheckResponse, response_model_exclude_none=True)
@router.post(
    "/api/check/",
    response_model=CheckResponse,
    response_model_exclude_none=True,
    include_in_schema=False,
)
async def check(
    body: CheckRequest,
    verifier: Annotated[Verifier, Depends(get_verifier)],
    limits: Annotated[ServerLimits, Depends(get_limits)],
) -> CheckResponse:
    """Check every snippet; a failure of one snippet is that snippet's result only.

    Too many snippets is HTTP 413; a ``timeout`` over the server's maximum is lowered to it.
    """
    limits.check_count(len(body.snippets), field="snippets")
    timeout = limits.timeout_for(body.timeout)
    requests = [
        VerifyRequest(
            s.code,
            id=s.id,
            timeout_s=timeout,
            theorem_name=s.theorem_name,
            formal_statement=s.formal_statement,
        )
        for s in body.snippets
    ]
    verdicts = await verifier.verify(requests)
    return CheckResponse(
        results=[repl_result(v, s.id) for v, s in zip(verdicts, body.snippets, strict=True)]
    )
