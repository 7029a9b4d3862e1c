"""``POST /verify``: kimina-lean-server's legacy batch endpoint (``codes`` / ``custom_id``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kimina_prover_rl.lean.kimina.wire import VerifyRequestBody, VerifyResponse
from kimina_prover_rl.lean.verdict import VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier
from kimina_prover_rl.server.convert import backward_result
from kimina_prover_rl.server.deps import get_limits, get_verifier, require_api_key
from kimina_prover_rl.server.limits import ServerLimits

__all__ = ["router"]

router = APIRouter(tags=["verify"], dependencies=[Depends(require_api_key)])


@router.post("/verify", response_model=VerifyResponse, response_model_exclude_none=True)
@router.post(
    "/one_pass_verify_batch",
    response_model=VerifyResponse,
    response_model_exclude_none=True,
    include_in_schema=False,
)
async def verify(
    body: VerifyRequestBody,
    verifier: Annotated[Verifier, Depends(get_verifier)],
    limits: Annotated[ServerLimits, Depends(get_limits)],
) -> VerifyResponse:
    """Check every proof; ``custom_id`` is echoed as a string, as kimina does.

    Limits as for ``/api/check``: too many codes is HTTP 413, a long ``timeout`` is lowered.
    """
    limits.check_count(len(body.codes), field="codes")
    timeout = limits.timeout_for(body.timeout)
    ids = [str(c.custom_id) for c in body.codes]
    requests = [
        VerifyRequest(
            c.content,
            id=i,
            timeout_s=timeout,
            theorem_name=c.theorem_name,
            formal_statement=c.formal_statement,
        )
        for c, i in zip(body.codes, ids, strict=True)
    ]
    verdicts = await verifier.verify(requests)
    return VerifyResponse(
        results=[backward_result(v, i) for v, i in zip(verdicts, ids, strict=True)]
    )
