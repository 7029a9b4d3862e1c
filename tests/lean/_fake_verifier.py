"""A scripted :class:`MockVerifier` for testing wrappers, the server and clients.

The verdict depends only on the code: ``sorry`` in it gives SORRY, ``error`` LEAN_ERROR,
``axiom`` UNSOUND, ``infra`` INFRA_ERROR, ``timeout`` TIMEOUT, anything else VALID. It
records every request it checks, answers in reverse order (so callers must reorder), and
can hold its answers until ``release`` is set.
"""

from __future__ import annotations

import asyncio

from kimina_prover_rl.lean import LeanMessage, MockVerifier, Verdict, VerdictStatus, VerifyRequest

LEAN_VERSION = "v4.99.0-fake+mathlib.test"


def scripted_verdict(request: VerifyRequest, lean_version: str = LEAN_VERSION) -> Verdict:
    """What the fake says about ``request``."""
    code = request.code
    messages: tuple[LeanMessage, ...] = ()
    axioms: tuple[str, ...] = ()
    if "infra" in code:
        status = VerdictStatus.INFRA_ERROR
    elif "timeout" in code:
        status = VerdictStatus.TIMEOUT
    elif "error" in code:
        status = VerdictStatus.LEAN_ERROR
        messages = (LeanMessage("error", "unsolved goals", line=1, column=0),)
    elif "sorry" in code:
        status = VerdictStatus.SORRY
        messages = (LeanMessage("warning", "declaration uses 'sorry'", line=1, column=8),)
    elif "axiom" in code:
        status = VerdictStatus.UNSOUND
        axioms = ("propext", "bad_axiom")
    else:
        status = VerdictStatus.VALID
    response = {"env": 0, "messages": [m.to_repl() for m in messages]} if messages else {"env": 0}
    if status is VerdictStatus.INFRA_ERROR or status is VerdictStatus.TIMEOUT:
        response = None
    return Verdict(
        status,
        id=request.id,
        messages=messages,
        axioms=axioms,
        detail=f"scripted {status.value}",
        time_s=0.01,
        response=response,
        lean_version=lean_version,
    )


def fake_verifier(
    *,
    lean_version: str = LEAN_VERSION,
    release: asyncio.Event | None = None,
    delay_s: float = 0.0,
) -> MockVerifier:
    """Answers with :func:`scripted_verdict`, each after ``delay_s`` and once ``release``
    (if given) is set, last to first."""

    async def handler(request: VerifyRequest) -> Verdict:
        if delay_s:
            await asyncio.sleep(delay_s)
        if release is not None:
            await release.wait()
        return scripted_verdict(request, lean_version)

    return MockVerifier(handler, lean_version=lean_version, reverse=True)
