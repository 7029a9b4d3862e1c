"""One way to build any generator from options: :class:`GeneratorOptions` -> :func:`open_generator`.

Each backend's heavy library (vLLM, transformers and torch) is imported only when that
backend is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.eval.generator import Generator

__all__ = ["GeneratorKind", "GeneratorOptions", "open_generator"]

GeneratorKind = Literal["vllm", "openai", "hf", "replay"]
_KINDS: tuple[str, ...] = get_args(GeneratorKind)


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneratorOptions:
    """Which generator to build (the ``eval`` command's model options map here)."""

    kind: GeneratorKind = "openai"
    model: str
    """A served model name (``openai``), a local folder or hub id (``vllm``, ``hf``), or
    an answers JSON Lines file (``replay``)."""
    base_url: str | None = None
    """The OpenAI-compatible API root (``openai``)."""
    api_key: str | None = None
    max_concurrency: int = 64
    request_timeout_s: float = 600.0
    retries: int = 4
    device: str | None = None
    """``hf`` only: ``cpu``, ``cuda``, ... (default: CUDA when available)."""
    engine_options: dict[str, Any] | None = None
    """``vllm`` only: keyword arguments for ``vllm.LLM`` (``tensor_parallel_size``, ...)."""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ConfigError(f"generator {self.kind!r} is not one of {', '.join(_KINDS)}")
        if not self.model:
            raise ConfigError("--model is empty: pass a model name, folder or hub id")
        if self.kind == "openai" and not self.base_url:
            raise ConfigError(
                "--generator openai needs --base-url, the server's API root, e.g. "
                "http://localhost:8000/v1 (start one with: vllm serve MODEL)"
            )


def open_generator(options: GeneratorOptions) -> Generator:
    """The generator ``options`` describe; close it with ``aclose()`` (or ``async with``)."""
    if options.kind == "openai":
        from kimina_prover_rl.eval.openai_compat import OpenAIConfig, OpenAIGenerator

        assert options.base_url is not None
        return OpenAIGenerator(
            OpenAIConfig(
                base_url=options.base_url,
                model=options.model,
                api_key=options.api_key,
                max_concurrency=options.max_concurrency,
                timeout_s=options.request_timeout_s,
                retries=options.retries,
            )
        )
    if options.kind == "replay":
        from pathlib import Path

        from kimina_prover_rl.eval.replay import ReplayGenerator

        return ReplayGenerator(Path(options.model))
    if options.kind == "hf":
        from kimina_prover_rl.eval.hf_backend import HFGenerator

        return HFGenerator(options.model, device=options.device)
    from kimina_prover_rl.eval.vllm_backend import VLLMGenerator

    return VLLMGenerator(options.model, engine_options=options.engine_options)
