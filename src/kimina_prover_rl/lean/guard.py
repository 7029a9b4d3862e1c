"""The forbidden-construct checks run inside the verifier, so that it is sound by itself.

``verify``, ``serve``, the remote client and the Ray backend are used without the reward's
text checks in front of them; without this layer ``set_option debug.skipKernelTC true``
followed by a kernel-only proof of a false fact would come back ``valid``. Every request
is scanned with the text layer's own rules (:func:`kimina_prover_rl.proof.integrity.
scan_code`: code that runs at check time or extends the parser, kernel and message tricks,
``set_option`` outside the allow-list, refused attributes, lexing hazards, a trailing
``… in``) before it reaches Lean. The answer-format rules (think blocks, fences, the
statement as written) are not applied: they are about model answers, not Lean code.

A refused request gets a ``rejected`` verdict whose detail names the construct, its line
and why, and ``extra["refused_construct"]`` holds the construct. ``native_decide`` is left
to Lean's axiom check (it depends on the request's policy). Trusted code may skip the
scan (``VerifierSettings.trusted_code``, ``--trusted-code``).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence

from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.verifier import WrappingVerifier
from kimina_prover_rl.proof import parse_lean_code
from kimina_prover_rl.proof.integrity import ConstructUse, scan_code

__all__ = ["ConstructGuard", "refused_construct"]


def refused_construct(request: VerifyRequest) -> ConstructUse | None:
    """The first forbidden construct in ``request.code`` (None: nothing to refuse).

    When the request gives the statement, the graded theorem's statement (as the code
    writes it) is exempt from the lexing-hazard rule, as the reward's check exempts the
    given statement; Lean's own statement check covers it.
    """
    return _scan(request.code, request.theorem_name if request.formal_statement else None)


@functools.lru_cache(maxsize=4096)
def _scan(code: str, graded: str | None) -> ConstructUse | None:
    parsed = parse_lean_code(code, graded)
    if graded is not None and parsed.name == graded:
        start = len(parsed.header) + len(parsed.prelude)
        end = start + len(parsed.statement)
    else:
        start = end = len(parsed.header)
    return scan_code(code, start, end, prelude_start=start).forbidden


class ConstructGuard(WrappingVerifier):
    """Refuses requests holding a forbidden construct; passes the rest to ``inner``."""

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        passed: list[int] = []
        for index, request in enumerate(requests):
            use = refused_construct(request)
            if use is None:
                passed.append(index)
                continue
            yield index, _refusal(request, use, self.lean_version)
        if not passed:
            return
        async for position, verdict in self._inner.verify_stream([requests[i] for i in passed]):
            yield passed[position], verdict


def _refusal(request: VerifyRequest, use: ConstructUse, lean_version: str) -> Verdict:
    return Verdict(
        VerdictStatus.REJECTED,
        id=request.id,
        detail=(
            f"refused before Lean: forbidden construct {use.describe()}; remove it (the "
            "verifier refuses it for every request; for code you trust, start the verifier "
            "with --trusted-code)"
        ),
        lean_version=lean_version,
        extra={"refused_construct": use.construct, "refused_line": use.line},
    )
