"""vLLM's offline engine as a generator: the fastest way to evaluate on local GPUs.

One ``LLM.chat`` call per batch (the model's own chat template, one seeded
``SamplingParams`` per request) in a worker thread. vLLM is imported only when this
backend is built; without it the error says how to install it or use a server instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.eval.generator import (
    BlockingGenerator,
    Generation,
    GenerationRequest,
    SamplingConfig,
)

__all__ = ["VLLMGenerator"]


class VLLMGenerator(BlockingGenerator):
    """Samples with ``vllm.LLM`` on this machine's GPUs."""

    def __init__(self, model: str, *, engine_options: dict[str, Any] | None = None) -> None:
        try:
            vllm = importlib.import_module("vllm")
        except ImportError as exc:
            raise ConfigError(
                f"--generator vllm needs vLLM on a GPU machine ({exc}): pip install vllm, "
                "or serve the model elsewhere (vllm serve MODEL) and pass "
                "--generator openai --base-url http://HOST:8000/v1"
            ) from exc
        super().__init__()
        self.model_name = model
        self._vllm = vllm
        self._options = dict(engine_options or {})
        self._llm = vllm.LLM(model=model, **self._options)

    def __repr__(self) -> str:
        return f"<VLLMGenerator {self.model_name!r}>"

    def describe(self) -> dict[str, Any]:
        return {
            "generator": "vllm",
            "model": self.model_name,
            "vllm": getattr(self._vllm, "__version__", "unknown"),
            "engine_options": self._options,
        }

    def generate_blocking(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        if not requests:
            return []
        params = [
            self._vllm.SamplingParams(
                n=1,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=sampling.max_tokens,
                seed=request.seed,
            )
            for request in requests
        ]
        conversations = [[dict(m) for m in request.messages] for request in requests]
        outputs = self._llm.chat(conversations, sampling_params=params, use_tqdm=False)
        results: list[Generation] = []
        for output in outputs:
            if not output.outputs:
                results.append(Generation(error="vLLM returned no completion for this request"))
                continue
            first = output.outputs[0]
            results.append(Generation(text=first.text, finish_reason=first.finish_reason))
        return results
