"""The one interface every generation backend implements, and its value types.

A backend turns a batch of :class:`GenerationRequest` (a chat conversation plus a seed)
into one :class:`Generation` per request, in input order, never dropping one: a request
that failed (a server error after retries, a timeout) comes back with ``error`` set, so
the evaluation can keep it apart from the model's own failures. A backend raises
:class:`~kimina_prover_rl.errors.GenerationError` only when it cannot work at all.
"""

from __future__ import annotations

import abc
import asyncio
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from kimina_prover_rl.errors import ConfigError

__all__ = ["BlockingGenerator", "Generation", "GenerationRequest", "Generator", "SamplingConfig"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SamplingConfig:
    """How completions are sampled; the same for every backend."""

    temperature: float = 1.0
    top_p: float = 0.95
    max_tokens: int = 8192

    def __post_init__(self) -> None:
        if not self.temperature >= 0:
            raise ConfigError(f"temperature={self.temperature!r} must be >= 0 (--temperature)")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p={self.top_p!r} must be in (0, 1] (--top-p)")
        if not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise ConfigError(f"max_tokens={self.max_tokens!r} must be a positive integer")

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (recorded with the run)."""
        return {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens}


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """One completion to sample: the conversation so far (ending with a user turn)."""

    messages: tuple[Mapping[str, str], ...]
    seed: int


@dataclass(frozen=True, slots=True)
class Generation:
    """One completion, or why there is none (``error``: the backend's fault, not the model's).

    ``finish_reason`` is ``stop`` or ``length`` (cut at ``max_tokens``) when known.
    """

    text: str = ""
    finish_reason: str | None = None
    error: str | None = None

    @property
    def truncated(self) -> bool:
        """Whether the completion was cut off at the token limit."""
        return self.finish_reason == "length"


class Generator(abc.ABC):
    """Samples chat completions from one model."""

    @abc.abstractmethod
    async def generate(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        """One :class:`Generation` per request, in input order."""

    @abc.abstractmethod
    def describe(self) -> dict[str, Any]:
        """The backend and model, for the run's reproducibility record."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections and models. Idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class BlockingGenerator(Generator):
    """A generator around a blocking engine (vLLM, transformers).

    Subclasses implement :meth:`generate_blocking`; it runs in a worker thread, one batch
    at a time, so the event loop (and the Lean checks on it) keeps running meanwhile.
    """

    def __init__(self) -> None:
        self._engine_lock = threading.Lock()

    @abc.abstractmethod
    def generate_blocking(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        """One :class:`Generation` per request, in input order (runs in a worker thread)."""

    async def generate(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        return await asyncio.to_thread(self._locked, requests, sampling)

    def _locked(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        with self._engine_lock:
            return self.generate_blocking(requests, sampling)
