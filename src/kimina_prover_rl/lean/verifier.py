"""The one interface every verification backend implements.

A backend implements :meth:`Verifier.verify_stream`; ``verify`` (whole batch, input
order) is derived from it. Backends: the local REPL pool, a remote kimina-lean-server
compatible server, and a Ray actor that owns a pool. Wrappers (dedup, cache) are
verifiers too, so they stack.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Self

from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest

__all__ = ["Verifier", "WrappingVerifier", "with_default_timeout"]


def with_default_timeout(
    requests: Sequence[VerifyRequest], timeout_s: float | None
) -> Sequence[VerifyRequest]:
    """``requests`` with ``timeout_s`` as the limit of each one that sets none.

    The outermost wrapper of a stack calls it once, so every layer below it (dedup and
    cache keys, the backend's deadline) sees the same effective limit on the request.
    """
    if timeout_s is None:
        return requests
    return [r if r.timeout_s is not None else replace(r, timeout_s=timeout_s) for r in requests]


class Verifier(abc.ABC):
    """Checks Lean proofs; one :class:`Verdict` per request, never dropped."""

    @abc.abstractmethod
    def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        """Yield ``(index, verdict)`` pairs as proofs finish, in completion order.

        Every index of ``requests`` is yielded exactly once, even when the backend fails.
        """

    async def verify(self, requests: Sequence[VerifyRequest]) -> list[Verdict]:
        """Check a batch and return the verdicts in input order."""
        results: list[Verdict | None] = [None] * len(requests)
        async for index, verdict in self.verify_stream(requests):
            results[index] = verdict
        return [
            verdict
            if verdict is not None
            else Verdict(
                VerdictStatus.INFRA_ERROR,
                id=requests[i].id,
                detail="the backend ended its stream without a verdict for this proof",
            )
            for i, verdict in enumerate(results)
        ]

    @property
    def lean_version(self) -> str:
        """The Lean (and Mathlib) version this backend checks against, when known."""
        return ""

    @property
    def verdict_scope(self) -> str:
        """Everything besides the request that this backend's verdicts depend on.

        Verdicts are shared (dedup keys, the on-disk cache) only between requests with the
        same scope: the Lean version, and for backends that judge with their own settings
        (project, REPL command, limits, ``native_decide`` policy) those settings too.
        Empty while unknown; nothing is cached then.
        """
        return self.lean_version

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most backends override
        """Release processes and connections. Idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class WrappingVerifier(Verifier):
    """A verifier that adds behaviour around another (dedup, cache) and judges as it does.

    It reports the inner verifier's Lean version and verdict scope; entering it enters the
    inner verifier, and closing it closes the inner verifier.
    """

    def __init__(self, inner: Verifier) -> None:
        self._inner = inner

    @property
    def inner(self) -> Verifier:
        """The verifier that does the checking."""
        return self._inner

    @property
    def lean_version(self) -> str:
        return self._inner.lean_version

    @property
    def verdict_scope(self) -> str:
        return self._inner.verdict_scope

    async def __aenter__(self) -> Self:
        """Enter the inner verifier too (the self-check runs when it is entered)."""
        await self._inner.__aenter__()
        return self

    async def aclose(self) -> None:
        await self._inner.aclose()
