"""A test double: a :class:`Verifier` that answers each request with a function of it.

Like ``httpx.MockTransport``, the behaviour is one handler, so a test says in a line what
"Lean" answers, and everything that takes a verifier (wrappers, the scorer, the server, the
trainers' rewards) runs its real code around it. Nothing here runs Lean.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from kimina_prover_rl.lean.verdict import Verdict, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["Handler", "MockVerifier"]

Handler = Callable[[VerifyRequest], Verdict | Awaitable[Verdict | None] | None]
"""Answers one request: a verdict, or None to leave it unanswered (a backend breaking the
contract, for testing what wraps it); may be async, and what it raises reaches the caller."""


class MockVerifier(Verifier):
    """Answers every request with ``handler(request)``, one at a time, and records the calls.

    ``reverse`` yields each batch's verdicts last to first (after all are decided), so a
    caller that forgets to put them back in input order is caught.
    """

    def __init__(self, handler: Handler, *, lean_version: str = "", reverse: bool = False) -> None:
        self._handler = handler
        self._lean_version = lean_version
        self._reverse = reverse
        self.batches: list[list[VerifyRequest]] = []
        """Every ``verify_stream`` call's requests, recorded when the call starts."""
        self.closed = False

    def __repr__(self) -> str:
        return f"<MockVerifier {self._handler!r} batches={len(self.batches)}>"

    @property
    def requests(self) -> list[VerifyRequest]:
        """Every request received so far, in the order received."""
        return [request for batch in self.batches for request in batch]

    @property
    def lean_version(self) -> str:
        return self._lean_version

    async def aclose(self) -> None:
        self.closed = True

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        self.batches.append(list(requests))
        if not self._reverse:
            for index, request in enumerate(requests):
                verdict = await self._answer(request)
                if verdict is not None:
                    yield index, verdict
            return
        answers = [await self._answer(request) for request in requests]
        for index in reversed(range(len(requests))):
            answer = answers[index]
            if answer is not None:
                yield index, answer

    async def _answer(self, request: VerifyRequest) -> Verdict | None:
        answer = self._handler(request)
        if inspect.isawaitable(answer):
            return await answer
        return answer
