"""The preflight before Ray starts: every problem found at once, each with what to fix."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.verl.preflight import preflight_problems, run_preflight
from tests.verl._config import compose


def config_for(model: Path, data: Path, *extra: str) -> Any:
    from omegaconf import OmegaConf

    config = compose(
        [
            f"actor_rollout_ref.model.path={model}",
            f"data.train_files={data}/train.parquet",
            f"data.val_files={data}/val.parquet",
            "data.train_batch_size=8",
            "trainer.n_gpus_per_node=1",
            "trainer.logger=['console']",
            "reward.custom_reward_function.reward_kwargs.backend=standin",
            *extra,
        ]
    )
    OmegaConf.resolve(config)
    return config


@pytest.fixture
def gpu_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """This node as a GPU node would look: one GPU, vllm and flash-attn importable."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return object() if name in ("vllm", "flash_attn") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_a_ready_gpu_node_passes(gpu_node: None, qwen3_dir: Path, prompt_set: Path) -> None:
    assert preflight_problems(config_for(qwen3_dir, prompt_set)) == []


def test_this_cpu_machine_is_told_what_it_lacks(qwen3_dir: Path, prompt_set: Path) -> None:
    if importlib.util.find_spec("vllm") or importlib.util.find_spec("flash_attn"):
        pytest.skip("vllm or flash-attn is installed here")
    with pytest.raises(ConfigError) as raised:
        run_preflight(config_for(qwen3_dir, prompt_set))
    message = str(raised.value)
    assert "GPUs visible but trainer.n_gpus_per_node=1" in message
    assert "vllm (pip install 'kimina-prover-rl[gpu]')" in message
    assert "flash-attn" in message
    assert "ATTENTION=sdpa" in message
    assert "before starting Ray" in message
    sdpa = "actor_rollout_ref.model.override_config.attn_implementation=sdpa"
    assert "flash-attn" not in " ".join(preflight_problems(config_for(qwen3_dir, prompt_set, sdpa)))


@pytest.mark.parametrize(
    ("extra", "env", "fragment"),
    [
        (["data.train_batch_size=256"], {}, "fewer than data.train_batch_size=256"),
        (
            ["actor_rollout_ref.model.path=org/not-downloaded"],
            {"HF_HUB_OFFLINE": "1"},
            "cannot be loaded from the hub cache",
        ),
        (["trainer.logger=['console','wandb']"], {"WANDB_API_KEY": ""}, "no WANDB_API_KEY"),
        (
            [
                "reward.custom_reward_function.reward_kwargs.backend=remote",
                "reward.custom_reward_function.reward_kwargs.url=http://127.0.0.1:9",
            ],
            {},
            "LEAN_SERVER_API_URL=http://127.0.0.1:9 does not answer",
        ),
        (
            [
                "reward.custom_reward_function.reward_kwargs.backend=local",
                "reward.custom_reward_function.reward_kwargs.project_dir=/no/lean/project",
            ],
            {},
            "set KIMINA_LEAN_PROJECT",
        ),
    ],
)
def test_each_problem_names_its_fix(
    gpu_node: None,
    qwen3_dir: Path,
    prompt_set: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    env: dict[str, str],
    fragment: str,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc with a wandb key
    monkeypatch.delenv("WANDB_MODE", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    problems = preflight_problems(config_for(qwen3_dir, prompt_set, *extra))
    assert len(problems) == 1
    assert fragment in problems[0]


def test_wandb_offline_needs_no_key(
    gpu_node: None, qwen3_dir: Path, prompt_set: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    config = config_for(qwen3_dir, prompt_set, "trainer.logger=['console','wandb']")
    assert preflight_problems(config) == []
