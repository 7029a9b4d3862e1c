"""In-flight deduplication: identical proofs submitted concurrently are checked once.

GRPO samples several answers per prompt and small models repeat themselves, so a batch
often holds the same proof many times. :class:`DedupVerifier` sends each distinct proof
(same code, options and verdict scope, see :func:`proof_key`) to the inner verifier once,
across every concurrent call, and answers each duplicate with its own copy of the verdict.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace

from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier, WrappingVerifier, with_default_timeout

__all__ = ["DedupStats", "DedupVerifier", "proof_key"]

_KEY_VERSION = 3


def proof_key(request: VerifyRequest, *, scope: str, default_timeout_s: float | None = None) -> str:
    """A hex digest naming what checking ``request`` depends on.

    The code (header and body), the effective time limit, ``allow_native_decide``, the
    graded theorem's name and given statement, and the verifier's
    :attr:`~kimina_prover_rl.lean.verifier.Verifier.verdict_scope` (Lean version, project,
    limits): two requests with the same key get the same verdict.
    """
    timeout = request.timeout_s if request.timeout_s is not None else default_timeout_s
    material = json.dumps(
        [
            _KEY_VERSION,
            scope,
            timeout,
            request.allow_native_decide,
            request.theorem_name,
            request.formal_statement,
            request.code,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(slots=True)
class DedupStats:
    """Counters since the verifier was created: how much work deduplication saved."""

    submitted: int = 0
    """Requests received."""
    checked: int = 0
    """Requests passed on to the inner verifier."""

    @property
    def deduplicated(self) -> int:
        """Requests answered from another request's check."""
        return self.submitted - self.checked


class DedupVerifier(WrappingVerifier):
    """Checks each distinct proof in flight once and copies the verdict to its duplicates.

    Duplicates are found within a batch and across concurrent calls (for example several
    reward workers' micro-batches). A follower whose leader's call is cancelled checks the
    proof itself, so cancelling one caller never costs another its verdict. With
    ``default_timeout_s`` (the outermost wrapper of a stack), requests that set no time
    limit are passed on with that one.
    """

    def __init__(self, inner: Verifier, *, default_timeout_s: float | None = None) -> None:
        super().__init__(inner)
        self._default_timeout_s = default_timeout_s
        self._in_flight: dict[str, asyncio.Future[Verdict | None]] = {}
        self.stats = DedupStats()

    def __repr__(self) -> str:
        return (
            f"<DedupVerifier in_flight={len(self._in_flight)} submitted={self.stats.submitted} "
            f"checked={self.stats.checked} inner={self._inner!r}>"
        )

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        requests = with_default_timeout(requests, self._default_timeout_s)
        scope = self._inner.verdict_scope
        keys = [proof_key(r, scope=scope) for r in requests]
        leaders: list[int] = []
        own: dict[str, asyncio.Future[Verdict | None]] = {}
        followers: dict[str, list[int]] = {}
        foreign: list[int] = []
        loop = asyncio.get_running_loop()
        for index, key in enumerate(keys):
            if key in own:
                followers.setdefault(key, []).append(index)
            elif key in self._in_flight:
                foreign.append(index)
            else:
                future: asyncio.Future[Verdict | None] = loop.create_future()
                own[key] = self._in_flight[key] = future
                leaders.append(index)
        self.stats.submitted += len(requests)
        self.stats.checked += len(leaders)

        queue: asyncio.Queue[tuple[int, Verdict] | Exception] = asyncio.Queue()
        tasks = [asyncio.create_task(self._lead(requests, keys, leaders, own, queue))]
        tasks += [
            asyncio.create_task(self._follow(i, requests[i], self._in_flight[keys[i]], queue))
            for i in foreign
        ]
        leader_set = set(leaders)
        remaining = len(requests)
        try:
            while remaining:
                item = await queue.get()
                if isinstance(item, Exception):
                    raise item
                index, verdict = item
                yield index, verdict
                remaining -= 1
                for follower in followers.get(keys[index], ()) if index in leader_set else ():
                    yield follower, verdict.with_id(requests[follower].id)
                    remaining -= 1
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for key, future in own.items():
                self._resolve(key, future, None)

    def _resolve(
        self, key: str, future: asyncio.Future[Verdict | None], verdict: Verdict | None
    ) -> None:
        """Answer the followers of ``key`` (None: they must check it themselves)."""
        if not future.done():
            future.set_result(verdict)
        if self._in_flight.get(key) is future:
            del self._in_flight[key]

    async def _lead(
        self,
        requests: Sequence[VerifyRequest],
        keys: list[str],
        leaders: list[int],
        own: dict[str, asyncio.Future[Verdict | None]],
        queue: asyncio.Queue[tuple[int, Verdict] | Exception],
    ) -> None:
        """Check the distinct proofs this call leads and publish each verdict."""
        answered: set[int] = set()
        try:
            async for position, answer in self._inner.verify_stream([requests[i] for i in leaders]):
                index = leaders[position]
                if index in answered:
                    continue
                answered.add(index)
                verdict = answer if answer.code_hash else replace(answer, code_hash=keys[index])
                self._resolve(keys[index], own[keys[index]], verdict)
                queue.put_nowait((index, verdict))
        except Exception as exc:  # handed to the consumer, which re-raises it
            queue.put_nowait(exc)
            return
        for index in leaders:
            if index not in answered:
                verdict = Verdict(
                    VerdictStatus.INFRA_ERROR,
                    id=requests[index].id,
                    detail="the backend ended its stream without a verdict for this proof",
                )
                self._resolve(keys[index], own[keys[index]], verdict)
                queue.put_nowait((index, verdict))

    async def _follow(
        self,
        index: int,
        request: VerifyRequest,
        future: asyncio.Future[Verdict | None],
        queue: asyncio.Queue[tuple[int, Verdict] | Exception],
    ) -> None:
        """Wait for another call's check of the same proof; check it here if that call quits."""
        try:
            verdict = await asyncio.shield(future)
            if verdict is None:
                self.stats.checked += 1
                verdict = (await self._inner.verify([request]))[0]
        except Exception as exc:  # handed to the consumer, which re-raises it
            queue.put_nowait(exc)
            return
        queue.put_nowait((index, verdict.with_id(request.id)))
