"""Any OpenAI-compatible chat-completions server (vLLM, SGLang, ...) as a generator.

Requests run concurrently up to ``max_concurrency``; each has its own timeout. Connection
failures, timeouts, HTTP 408/429 and 5xx are retried with exponential backoff (a
``Retry-After`` header is honoured); other 4xx answers (unknown model, no chat template)
fail at once, with the server's message. The server applies the model's chat template.

Reasoning parsers (vLLM's ``--reasoning-parser``) move the ``<think>`` block out of
``content`` into ``reasoning_content``; it is put back as ``<think>…</think>`` in front of
the answer, so the answer is checked exactly as the model wrote it.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.eval.generator import (
    Generation,
    GenerationRequest,
    Generator,
    SamplingConfig,
)

__all__ = ["OpenAIConfig", "OpenAIGenerator"]

_RETRIED_STATUS = frozenset({408, 429})
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_BACKOFF_S = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenAIConfig:
    """Where the server is and how hard to try."""

    base_url: str
    """The API root, e.g. ``http://localhost:8000/v1`` (``/chat/completions`` is appended)."""
    model: str
    """The served model name (``--served-model-name`` of vLLM)."""
    api_key: str | None = None
    """Sent as a bearer token; default ``$OPENAI_API_KEY``."""
    max_concurrency: int = 64
    """Requests in flight at once."""
    timeout_s: float = 600.0
    """Per-request limit in seconds (long proofs take minutes)."""
    retries: int = 4
    """Further attempts after a retryable failure."""
    backoff_s: float = 1.0
    """First backoff; doubles after each retry (capped at a minute)."""

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"--base-url {self.base_url!r} is not an http(s) URL; pass the server's API "
                "root, e.g. http://localhost:8000/v1"
            )
        if not self.model:
            raise ConfigError("--model is empty; pass the model name the server serves")
        if self.max_concurrency < 1:
            raise ConfigError(f"max_concurrency={self.max_concurrency} must be >= 1")
        if not self.timeout_s > 0:
            raise ConfigError(f"timeout_s={self.timeout_s} must be > 0 (--request-timeout)")
        if self.retries < 0 or self.backoff_s < 0:
            raise ConfigError("retries and backoff_s must be >= 0")


class OpenAIGenerator(Generator):
    """Samples completions from a chat-completions endpoint (see the module docstring)."""

    def __init__(
        self,
        config: OpenAIConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        key = config.api_key if config.api_key is not None else os.environ.get("OPENAI_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.AsyncClient(
            base_url=config.base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(config.timeout_s),
            limits=httpx.Limits(max_connections=config.max_concurrency),
            transport=transport,
        )
        self._limit = asyncio.Semaphore(config.max_concurrency)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"<OpenAIGenerator {self.config.base_url} model={self.config.model!r}>"

    def describe(self) -> dict[str, Any]:
        return {"generator": "openai", "model": self.config.model, "base_url": self.config.base_url}

    async def generate(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        return list(await asyncio.gather(*(self._one(r, sampling) for r in requests)))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _one(self, request: GenerationRequest, sampling: SamplingConfig) -> Generation:
        body = {
            "model": self.config.model,
            "messages": [dict(m) for m in request.messages],
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
            "seed": request.seed,
            "n": 1,
        }
        delay = self.config.backoff_s
        error = ""
        for attempt in range(self.config.retries + 1):
            if attempt:
                await self._sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF_S)
            async with self._limit:
                try:
                    response = await self._client.post("/chat/completions", json=body)
                except httpx.TimeoutException:
                    error = f"no answer within {self.config.timeout_s:g} s (--request-timeout)"
                    continue
                except httpx.TransportError as exc:
                    error = f"cannot reach {self.config.base_url}: {exc!r}"
                    continue
            if response.status_code == 200:
                return _parse(response)
            error = f"HTTP {response.status_code}: {response.text[:500]}"
            if response.status_code not in _RETRIED_STATUS and response.status_code < 500:
                return Generation(error=error)
            delay = max(delay, _retry_after(response))
        attempts = self.config.retries + 1
        return Generation(error=f"{error} (after {attempts} attempts)")


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(float(response.headers.get("retry-after", 0)), _MAX_BACKOFF_S)
    except ValueError:
        return 0.0


def _parse(response: httpx.Response) -> Generation:
    """The first choice's text (reasoning put back in front), or a malformed-answer error."""
    try:
        data = response.json()
        choice = data["choices"][0]
        message = choice["message"]
        content = message.get("content") or ""
        reasoning = message.get("reasoning_content") or message.get("reasoning") or ""
        finish = choice.get("finish_reason")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return Generation(error=f"not a chat-completions answer: {response.text[:300]!r}")
    if not isinstance(content, str) or not isinstance(reasoning, str):
        return Generation(error=f"message content is not text: {response.text[:300]!r}")
    if reasoning and "<think>" not in content:
        content = f"<think>\n{reasoning}\n</think>\n{content}"
    # JSON can carry lone surrogates ("\ud800"), which no UTF-8 file can hold.
    content = _LONE_SURROGATE.sub("\ufffd", content)
    return Generation(text=content, finish_reason=finish if isinstance(finish, str) else None)
