"""A client for kimina-lean-server compatible HTTP servers, as a :class:`Verifier`.

Speaks ``POST /api/check`` (``snippets`` -> ``results`` by ``id``) or the legacy
``POST /verify`` (``codes`` -> ``results`` by ``custom_id``), with the API key as
``Authorization: Bearer KEY``; the bodies are built from the models ``kimina-rl serve``
validates (:mod:`kimina_prover_rl.lean.kimina.wire`).

A batch is cut into chunks of ``chunk_size`` proofs sent concurrently. A chunk that fails
(connection error, HTTP 5xx, 429, no answer in time) is retried with exponential backoff,
in halves, so an item that breaks the server ends up alone and fails alone; every other
item still gets its verdict. Once an item's attempts are spent it gets an ``infra_error``
verdict: nothing is raised, nothing is lost. A chunk the server refuses as too large
(HTTP 413: kimina's and ``serve``'s per-request limits) is sent again at once in halves,
without spending an attempt; the largest size answered after such a split becomes this
client's chunk size, and a proof refused alone is ``rejected``.

kimina-lean-server judges a proof by errors and listed sorries only; answers are judged
here by the local pool's rules instead, with the pool's checks appended (see
:mod:`kimina_prover_rl.lean.kimina._results`). A server that is ``kimina-rl serve`` (its
``/health`` says so) judges proofs itself and its verdicts are used as they are.

Message positions come back relative to the submitted code whichever of kimina's three
line numberings the server uses: each answer reveals its own through the appended check
(:mod:`kimina_prover_rl.lean.kimina._numbering`), what it revealed is remembered for
answers that cannot tell, and each verdict records the numbering it was read with in
``extra["positions"]``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import random
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from kimina_prover_rl.errors import ConfigError, PoolClosed
from kimina_prover_rl.lean._axiom_check import CHECK_RULES_VERSION
from kimina_prover_rl.lean._statement_check import (
    ReferenceCommand,
    ReferenceFailed,
    StatementStore,
    StatementUnavailable,
    reference_command,
    statement_key,
)
from kimina_prover_rl.lean.kimina._numbering import LineNumbering, learn
from kimina_prover_rl.lean.kimina._results import (
    SentProof,
    SentReference,
    prepare_proof,
    prepare_reference,
    printed_statement,
    rejection,
    verdict_from_result,
)
from kimina_prover_rl.lean.kimina.wire import (
    SERVER_NAME,
    CheckRequest,
    Code,
    Snippet,
    VerifyRequestBody,
)
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["DEFAULT_SERVER_URL", "RemoteConfig", "RemoteServer"]

DEFAULT_SERVER_URL = "http://localhost:8000"
"""Where kimina's own client looks when neither an URL nor ``LEAN_SERVER_API_URL`` is set."""

_logger = logging.getLogger(__name__)
_HEALTH_TIMEOUT_S = 10.0
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_EXCERPT = 200
_POSITIONS_RULE = "numbering=detected/1"
"""Names how message positions are mapped back; cached verdicts read by an older rule
(which assumed one numbering) are never reused."""
_STATEMENT_RULE = "statement=probe/1"
"""Names how the given statement is checked; cached verdicts of older clients (which did
not check it against a plain kimina server) are never reused."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteConfig:
    """How to reach a kimina-lean-server compatible server and how hard to try."""

    url: str | None = None
    """Base URL; None reads ``LEAN_SERVER_API_URL`` (default ``http://localhost:8000``)."""
    api_key: str | None = None
    """Sent as ``Authorization: Bearer KEY``; None reads ``LEAN_SERVER_API_KEY``."""
    endpoint: Literal["check", "verify"] = "check"
    """``check`` for ``/api/check``, ``verify`` for the legacy ``/verify``."""
    timeout_s: float = 60.0
    """Per-proof Lean time limit sent to the server (rounded up to whole seconds)."""
    chunk_size: int = 16
    """Proofs per HTTP request (fewer once the server refuses this many with HTTP 413)."""
    max_concurrency: int = 8
    """HTTP requests in flight at once (shared by every call on this client)."""
    max_attempts: int = 4
    """Tries per proof before it gets an ``infra_error`` verdict."""
    backoff_s: float = 0.5
    """First retry delay; doubled per attempt, with jitter, up to ``max_backoff_s``."""
    max_backoff_s: float = 10.0
    http_timeout_s: float = 600.0
    """How long to wait for one HTTP answer (a chunk of proofs) before retrying."""
    deadline_s: float = 900.0
    """Longest a chunk may take from its first send, retries and backoff included; past it
    its proofs get ``infra_error``, so a server that accepts but never answers cannot stall
    a training step for ``max_attempts × http_timeout_s``."""
    check_axioms: bool = True
    """Append ``#print axioms`` to each proof so the verdict is as sound as the local pool's."""
    lean_version: str = ""
    """The server's Lean/Mathlib version, for the verdict cache; empty = ask ``/health``."""
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("chunk_size", "max_concurrency", "max_attempts"):
            value = getattr(self, name)
            if value < 1:
                raise ConfigError(f"RemoteConfig.{name} must be >= 1, got {value}")
        for name in ("timeout_s", "http_timeout_s", "deadline_s"):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigError(f"RemoteConfig.{name} must be > 0 seconds, got {value}")
        if self.backoff_s < 0 or self.max_backoff_s < self.backoff_s:
            raise ConfigError(
                f"RemoteConfig.backoff_s={self.backoff_s} and max_backoff_s={self.max_backoff_s}"
                " must satisfy 0 <= backoff_s <= max_backoff_s"
            )
        if self.endpoint not in ("check", "verify"):
            raise ConfigError(
                f"RemoteConfig.endpoint must be 'check' or 'verify', got {self.endpoint!r}"
            )

    def resolved_url(self) -> str:
        """The base URL without a trailing slash (argument, then environment, then default)."""
        url = self.url or os.environ.get("LEAN_SERVER_API_URL") or DEFAULT_SERVER_URL
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"server URL {url!r} must start with http:// or https:// "
                "(pass --url or set LEAN_SERVER_API_URL)"
            )
        return url.rstrip("/")

    def resolved_api_key(self) -> str | None:
        """The API key: argument, then ``LEAN_SERVER_API_KEY``."""
        return self.api_key or os.environ.get("LEAN_SERVER_API_KEY") or None


@dataclass(frozen=True, slots=True)
class _Failure:
    """A chunk that got no usable answer."""

    detail: str
    retryable: bool
    retry_after_s: float | None = None
    too_large: bool = False
    """The server refused the request's size (HTTP 413): smaller requests may pass."""


@dataclass(frozen=True, slots=True)
class _Batch:
    """One ``verify_stream`` call's requests that share a time limit, and where verdicts go."""

    requests: Sequence[VerifyRequest]
    prepared: list[SentProof]
    references: list[ReferenceCommand | None]
    limit_s: int
    emit: Callable[[int, Verdict], None]


class RemoteServer(Verifier):
    """Checks proofs on a kimina-lean-server compatible server (or ``kimina-rl serve``).

    ``transport`` replaces the network (tests pass ``httpx.MockTransport`` or
    ``httpx.ASGITransport``). ``statements`` (a
    :class:`~kimina_prover_rl.lean.cache.VerdictCache` fits) keeps how Lean printed each
    given statement across runs; without it they are kept in memory.
    """

    def __init__(
        self,
        config: RemoteConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        statements: StatementStore | None = None,
    ) -> None:
        self.config = config or RemoteConfig()
        self.url = self.config.resolved_url()
        headers = {"Content-Type": "application/json", **self.config.extra_headers}
        api_key = self.config.resolved_api_key()
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.AsyncClient(
            base_url=self.url,
            headers=headers,
            timeout=self.config.http_timeout_s,
            transport=transport,
        )
        self._semaphore = asyncio.Semaphore(self.config.max_concurrency)
        self._lean_version = self.config.lean_version
        self._probed = False
        self._probe_lock = asyncio.Lock()
        self._server_judges = False
        self._numbering: frozenset[LineNumbering] = frozenset()
        self._accepted_after_413 = 0
        self._store = statements
        self._statements: dict[ReferenceCommand, str | ReferenceFailed] = {}
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<RemoteServer {self.url} /{self.config.endpoint} {state}>"

    @property
    def lean_version(self) -> str:
        return self._lean_version

    @property
    def chunk_size(self) -> int:
        """Proofs per request now: the configured size, or the largest this server
        answered after refusing a larger request (HTTP 413)."""
        return self._accepted_after_413 or self.config.chunk_size

    @property
    def learned_numbering(self) -> frozenset[LineNumbering]:
        """The line numberings this server's answers have fitted so far (empty: none told)."""
        return self._numbering

    @property
    def verdict_scope(self) -> str:
        """What this client's verdicts depend on: the server's Lean version, URL and route,
        whether axioms are checked, the version of the appended checks, and the rules
        positions are read and the statement is checked by; empty until the version is
        known (then nothing is cached)."""
        if not self._lean_version:
            return ""
        checks = "server" if self._server_judges else str(self.config.check_axioms)
        return json.dumps(
            [
                self._lean_version,
                self.url,
                self.config.endpoint,
                checks,
                CHECK_RULES_VERSION,
                _POSITIONS_RULE,
                _STATEMENT_RULE,
            ]
        )

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._client.aclose()

    async def health(self, *, timeout_s: float = _HEALTH_TIMEOUT_S) -> dict[str, Any]:
        """The server's ``GET /health`` answer; raises ``httpx.HTTPError`` if unreachable."""
        response = await self._client.get("/health", timeout=timeout_s)
        response.raise_for_status()
        data = response.json()
        return data if isinstance(data, dict) else {"status": data}

    async def _probe(self) -> None:
        """Ask ``/health`` once who serves: ``kimina-rl serve`` reports its Lean version and
        judges proofs itself (no axiom check is appended then)."""
        async with self._probe_lock:
            if self._probed:
                return
            self._probed = True
            try:
                health = await self.health()
            except (httpx.HTTPError, ValueError):
                return
            self._server_judges = health.get("server") == SERVER_NAME
            version = health.get("lean_version")
            if isinstance(version, str) and not self._lean_version:
                self._lean_version = version

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        if self._closed:
            raise PoolClosed(f"RemoteServer for {self.url} was closed; create a new one")
        await self._probe()
        queue: asyncio.Queue[tuple[int, Verdict]] = asyncio.Queue()
        prepared: list[SentProof] = []
        references = [self._reference_of(request) for request in requests]
        await self._recall(references)
        by_timeout: dict[int, list[int]] = {}
        for index, request in enumerate(requests):
            reference = references[index]
            prepared.append(
                prepare_proof(
                    request.code,
                    check_axioms=self.config.check_axioms and not self._server_judges,
                    theorem_name=request.theorem_name,
                    check_statement=reference is not None,
                )
            )
            reason = rejection(request.code)
            known = None if reference is None else self._statements.get(reference)
            if isinstance(known, ReferenceFailed):
                reason = str(known)
            if reason is not None:
                rejected = Verdict(
                    VerdictStatus.REJECTED,
                    id=request.id,
                    detail=reason,
                    lean_version=self._lean_version if known is not None else "",
                )
                queue.put_nowait((index, rejected))
                continue
            limit = request.timeout_s if request.timeout_s is not None else self.config.timeout_s
            by_timeout.setdefault(max(1, math.ceil(limit)), []).append(index)
        size = self.chunk_size
        tasks = [
            asyncio.create_task(
                self._run_chunk(
                    _Batch(
                        requests,
                        prepared,
                        references,
                        limit_s,
                        lambda i, v: queue.put_nowait((i, v)),
                    ),
                    indices[start : start + size],
                    attempt=1,
                )
            )
            for limit_s, indices in by_timeout.items()
            for start in range(0, len(indices), size)
        ]
        try:
            for _ in range(len(requests)):
                yield await queue.get()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run_chunk(
        self,
        batch: _Batch,
        indices: list[int],
        *,
        attempt: int,
        split: bool = False,
        deadline: float | None = None,
    ) -> None:
        """Send one chunk; retry what failed (in halves) until its attempts or its deadline
        (``deadline_s`` from its first send, on the loop's clock) are spent.

        ``split``: the chunk is half of one the server refused as too large."""
        requests, prepared, emit = batch.requests, batch.prepared, batch.emit
        probes = self._probes(batch, indices)
        loop = asyncio.get_running_loop()
        async with self._semaphore:
            if deadline is None:
                deadline = loop.time() + self.config.deadline_s
            try:
                async with asyncio.timeout_at(deadline):
                    answer = await self._post(
                        [prepared[i].code for i in indices] + [p.code for p in probes],
                        [self._graded(requests[i]) for i in indices] + [{} for _ in probes],
                        batch.limit_s,
                    )
            except TimeoutError:
                answer = _Failure(self._past_deadline(), False)
            except Exception as exc:  # a bug must cost these proofs a verdict, not a hang
                _logger.exception("RemoteServer: sending %d proofs failed", len(indices))
                answer = _Failure(f"the client failed: {type(exc).__name__}: {exc}", False)
        retry: list[int] = []
        if isinstance(answer, _Failure) and answer.too_large:
            await self._split_refused(batch, indices, answer, attempt=attempt, deadline=deadline)
            return
        if split and not isinstance(answer, _Failure):
            self._learn_size(len(indices))
        if isinstance(answer, _Failure):
            if not answer.retryable or attempt >= self.config.max_attempts:
                for index in indices:
                    emit(index, self._infra(requests[index], answer.detail, attempt))
                return
            retry = indices
        else:
            unavailable = await self._read_probes(probes, answer, first=len(indices))
            retry = self._emit_verdicts(batch, indices, answer, unavailable, attempt=attempt)
            if not retry:
                return
        pause = self._backoff(attempt, answer)
        if loop.time() + pause >= deadline:
            for index in retry:
                emit(index, self._infra(requests[index], self._past_deadline(), attempt))
            return
        await asyncio.sleep(pause)
        half = max(1, (len(retry) + 1) // 2)
        await asyncio.gather(
            *(
                self._run_chunk(batch, retry[i : i + half], attempt=attempt + 1, deadline=deadline)
                for i in range(0, len(retry), half)
            )
        )

    def _emit_verdicts(
        self,
        batch: _Batch,
        indices: list[int],
        answer: dict[int, dict[str, Any]],
        unavailable: Mapping[ReferenceCommand, str],
        *,
        attempt: int,
    ) -> list[int]:
        """Emit the verdict of every proof of an answered chunk; return those to retry
        (the server was overloaded, or their given statement could not be checked)."""
        requests, emit = batch.requests, batch.emit
        retry: list[int] = []
        for position, index in enumerate(indices):
            result = answer.get(position)
            if result is None:
                missing = "the server's answer left it out"
                emit(index, self._infra(requests[index], missing, attempt))
                continue
            reference = batch.references[index]
            printed = None if reference is None else self._statements.get(reference)
            if isinstance(printed, ReferenceFailed):
                emit(index, self._rejected(requests[index], str(printed)))
                continue
            if reference is not None and printed is None:
                if attempt < self.config.max_attempts:
                    retry.append(index)
                else:
                    why = unavailable.get(reference, "the server's answer left it out")
                    emit(index, self._infra(requests[index], why, attempt))
                continue
            verdict, numbering = verdict_from_result(
                requests[index],
                batch.prepared[index],
                result,
                lean_version=self._lean_version,
                learned=self._numbering,
                reference=printed,
            )
            if numbering is not None:
                self._numbering = learn(self._numbering, numbering)
            if verdict.status is VerdictStatus.OVERLOADED and attempt < self.config.max_attempts:
                retry.append(index)
            else:
                emit(index, verdict)
        return retry

    def _reference_of(self, request: VerifyRequest) -> ReferenceCommand | None:
        """The given statement's own check, when this client checks it (a server that
        judges checks it itself; so does nothing when axioms are not checked)."""
        if self._server_judges or not self.config.check_axioms:
            return None
        if request.theorem_name is None or request.formal_statement is None:
            return None
        return reference_command(request.formal_statement, request.theorem_name)

    async def _recall(self, references: Sequence[ReferenceCommand | None]) -> None:
        """Read the printed statements not in memory from the store, if there is one."""
        scope = self.verdict_scope
        if self._store is None or not scope:
            return
        for reference in dict.fromkeys(r for r in references if r is not None):
            if reference in self._statements:
                continue
            key = statement_key(scope, reference)
            printed = await asyncio.to_thread(self._store.get_statement, key)
            if printed is not None:
                self._statements[reference] = printed

    def _probes(self, batch: _Batch, indices: list[int]) -> list[SentReference]:
        """One snippet per given statement these proofs need and this client lacks."""
        needed = (batch.references[i] for i in indices)
        unknown = (r for r in needed if r is not None and r not in self._statements)
        return [prepare_reference(reference) for reference in dict.fromkeys(unknown)]

    async def _read_probes(
        self, probes: list[SentReference], answer: dict[int, dict[str, Any]], *, first: int
    ) -> dict[ReferenceCommand, str]:
        """Keep what Lean printed for each statement sent (answers from position ``first``);
        return why each statement that got no usable answer is still unknown."""
        unavailable: dict[ReferenceCommand, str] = {}
        for position, probe in enumerate(probes, start=first):
            result = answer.get(position)
            if result is None:
                unavailable[probe.reference] = "the server's answer left the statement out"
                continue
            printed, numbering = printed_statement(probe, result, learned=self._numbering)
            if numbering is not None:
                self._numbering = learn(self._numbering, numbering)
            if isinstance(printed, StatementUnavailable):
                unavailable[probe.reference] = str(printed)
                continue
            self._statements[probe.reference] = printed
            scope = self.verdict_scope
            if isinstance(printed, str) and self._store is not None and scope:
                key = statement_key(scope, probe.reference)
                await asyncio.to_thread(self._store.put_statement, key, printed)
        return unavailable

    def _rejected(self, request: VerifyRequest, detail: str) -> Verdict:
        return Verdict(
            VerdictStatus.REJECTED, id=request.id, detail=detail, lean_version=self._lean_version
        )

    async def _split_refused(
        self,
        batch: _Batch,
        indices: list[int],
        refusal: _Failure,
        *,
        attempt: int,
        deadline: float,
    ) -> None:
        """Send a chunk refused as too large again, in halves, at once and without spending
        an attempt; a proof refused alone is ``rejected`` (it cannot be sent smaller)."""
        if len(indices) == 1:
            request = batch.requests[indices[0]]
            detail = (
                f"{refusal.detail}; the server refuses a request holding this proof alone, "
                "so it is larger than the server accepts (raise the server's request size "
                "limit, e.g. `kimina-rl serve --max-body-bytes`)"
            )
            batch.emit(indices[0], self._rejected(request, detail))
            return
        half = (len(indices) + 1) // 2
        await asyncio.gather(
            *(
                self._run_chunk(
                    batch, indices[i : i + half], attempt=attempt, split=True, deadline=deadline
                )
                for i in range(0, len(indices), half)
            )
        )

    def _learn_size(self, size: int) -> None:
        """Remember the largest request answered after a 413, and say so once it changes."""
        if size <= self._accepted_after_413:
            return
        self._accepted_after_413 = size
        _logger.warning(
            "%s refused a request as too large (HTTP 413); sending at most %d proofs per "
            "request from now on (--remote-batch-size %d starts there)",
            self.url,
            size,
            size,
        )

    def _backoff(self, attempt: int, answer: _Failure | dict[int, dict[str, Any]]) -> float:
        delay = min(self.config.max_backoff_s, self.config.backoff_s * 2.0 ** (attempt - 1))
        delay *= random.uniform(0.5, 1.0)
        if isinstance(answer, _Failure) and answer.retry_after_s is not None:
            delay = max(delay, min(answer.retry_after_s, self.config.max_backoff_s))
        return delay

    def _past_deadline(self) -> str:
        return (
            f"no verdict from {self.url} within the {self.config.deadline_s:g} s deadline "
            "(retries included): the server accepts requests but does not answer; check it "
            "(`kimina-rl doctor`), or raise --remote-deadline for very slow proofs"
        )

    def _graded(self, request: VerifyRequest) -> dict[str, str]:
        """What ``kimina-rl serve`` needs to check the graded statement (other servers
        get nothing extra: the client checks their answers itself)."""
        if not self._server_judges:
            return {}
        fields = {
            "theorem_name": request.theorem_name,
            "formal_statement": request.formal_statement,
        }
        return {name: value for name, value in fields.items() if value is not None}

    async def _post(
        self, codes: list[str], extras: list[dict[str, str]], limit_s: int
    ) -> dict[int, dict[str, Any]] | _Failure:
        """One HTTP request; httpx errors and bad answers become a :class:`_Failure` here."""
        ids = [str(i) for i in range(len(codes))]
        items = list(zip(ids, codes, extras, strict=True))
        body: CheckRequest | VerifyRequestBody
        if self.config.endpoint == "check":
            path, id_field = "/api/check", "id"
            body = CheckRequest(
                snippets=[Snippet(id=i, code=c, **x) for i, c, x in items],
                timeout=limit_s,
                debug=False,
                reuse=True,
                infotree=None,
            )
        else:
            path, id_field = "/verify", "custom_id"
            body = VerifyRequestBody(
                codes=[Code(custom_id=i, proof=c, **x) for i, c, x in items],
                timeout=limit_s,
                infotree_type=None,
                disable_cache=False,
            )
        payload = body.model_dump(mode="json", exclude_unset=True)
        where = f"{self.url}{path}"
        try:
            response = await self._client.post(path, json=payload)
        except httpx.TimeoutException:
            return _Failure(
                f"no answer from {where} within {self.config.http_timeout_s:g} s "
                "(raise http_timeout_s or lower chunk_size)",
                retryable=True,
            )
        except httpx.TransportError as exc:
            return _Failure(f"cannot reach {where}: {type(exc).__name__}: {exc}", retryable=True)
        status = response.status_code
        if status != 200:
            return _http_failure(where, response)
        try:
            data = response.json()
        except ValueError:
            return _Failure(
                f"{where} answered with something that is not JSON: {response.text[:_EXCERPT]!r}",
                retryable=True,
            )
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            return _Failure(
                f"{where} answered without a results list: {str(data)[:_EXCERPT]}", True
            )
        by_id = {str(r.get(id_field)): r for r in results if isinstance(r, dict) and id_field in r}
        return {position: by_id[i] for position, i in enumerate(ids) if i in by_id}

    def _infra(self, request: VerifyRequest, detail: str, attempts: int) -> Verdict:
        tries = f" (after {attempts} attempt{'s' if attempts != 1 else ''})"
        return Verdict(
            VerdictStatus.INFRA_ERROR,
            id=request.id,
            detail=detail + tries,
            lean_version=self._lean_version,
        )


def _http_failure(where: str, response: httpx.Response) -> _Failure:
    status = response.status_code
    body = response.text[:_EXCERPT]
    if status == 413:
        return _Failure(
            f"{where} refused the request as too large (HTTP 413: {body})",
            retryable=False,
            too_large=True,
        )
    if status in (401, 403):
        return _Failure(
            f"{where} refused the API key (HTTP {status}: {body}); "
            "pass --api-key or set LEAN_SERVER_API_KEY",
            retryable=False,
        )
    retry_after: float | None = None
    header = response.headers.get("Retry-After")
    if header is not None:
        try:
            retry_after = float(header)
        except ValueError:
            retry_after = None
    return _Failure(
        f"{where} answered HTTP {status}: {body}",
        retryable=status in _RETRY_STATUSES,
        retry_after_s=retry_after,
    )
