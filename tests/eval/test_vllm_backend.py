"""The vLLM backend's seam, without vLLM: a clear error, and how requests are handed over."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.eval import (
    GenerationRequest,
    GeneratorOptions,
    SamplingConfig,
    open_generator,
)

CONVERSATION = ({"role": "user", "content": "prove it"},)


def test_missing_vllm_says_how_to_install_it_or_use_a_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)
    with pytest.raises(ConfigError, match=r"pip install vllm.*--generator openai"):
        open_generator(GeneratorOptions(kind="vllm", model="m"))


@dataclass
class _Completion:
    text: str
    finish_reason: str


@dataclass
class _Output:
    outputs: list[_Completion]


async def test_one_chat_call_per_batch_with_a_seeded_sampling_params_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []

    class LLM:
        def __init__(self, model: str, **options: Any) -> None:
            calls.append({"model": model, **options})

        def chat(
            self, conversations: list[Any], *, sampling_params: list[Any], use_tqdm: bool
        ) -> Any:
            calls.append({"conversations": conversations, "params": sampling_params})
            return [_Output([_Completion(f"seed {p.seed}", "length")]) for p in sampling_params]

    class SamplingParams:
        def __init__(self, **fields: Any) -> None:
            self.__dict__.update(fields)

    fake = types.ModuleType("vllm")
    fake.LLM = LLM  # type: ignore[attr-defined]
    fake.SamplingParams = SamplingParams  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", fake)
    options = GeneratorOptions(kind="vllm", model="m", engine_options={"tensor_parallel_size": 2})
    generator = open_generator(options)
    sampling = SamplingConfig(temperature=0.6, top_p=0.9, max_tokens=99)
    results = await generator.generate(
        [GenerationRequest(CONVERSATION, s) for s in (4, 5)], sampling
    )
    assert [r.text for r in results] == ["seed 4", "seed 5"]
    assert all(r.truncated for r in results)
    assert calls[0] == {"model": "m", "tensor_parallel_size": 2}
    params = calls[1]["params"]
    assert [(p.seed, p.temperature, p.top_p, p.max_tokens, p.n) for p in params] == [
        (4, 0.6, 0.9, 99, 1),
        (5, 0.6, 0.9, 99, 1),
    ]
    assert calls[1]["conversations"] == [list(CONVERSATION), list(CONVERSATION)]
