"""The transformers backend with the tiny offline model: seeded, stops at EOS or the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.eval import GenerationRequest, SamplingConfig
from kimina_prover_rl.eval.hf_backend import HFGenerator

CONVERSATION = ({"role": "user", "content": "theorem t : 1 + 1 = 2 := by"},)


async def test_tiny_model_completions_are_seeded_and_bounded(tiny_model: Path) -> None:
    generator = HFGenerator(str(tiny_model), device="cpu")
    sampling = SamplingConfig(temperature=1.0, top_p=0.95, max_tokens=12)
    requests = [GenerationRequest(CONVERSATION, seed) for seed in (1, 2, 1)]
    first, second, again = await generator.generate(requests, sampling)
    assert first == again
    assert first.error is None
    assert first.finish_reason in ("stop", "length")
    assert generator.describe() == {"generator": "hf", "model": str(tiny_model), "device": "cpu"}
    assert first.text != second.text


def test_a_folder_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.json"):
        HFGenerator(str(tmp_path))
