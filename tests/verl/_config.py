"""Compose the trainer config exactly as ``python -m kimina_prover_rl.verl.main`` does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kimina_prover_rl.verl.main import CONFIG_DIR


def compose(overrides: Sequence[str] = ()) -> Any:
    """verl's ppo_trainer + kimina_trainer.yaml + ``overrides`` (Hydra's compose API)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
        return hydra_compose(config_name="kimina_trainer", overrides=list(overrides))


def cpu_overrides(model_dir: str, data_dir: str) -> list[str]:
    """What a CPU test needs: the tiny model folder, the prepared data, few workers."""
    return [
        f"actor_rollout_ref.model.path={model_dir}",
        f"data.train_files={data_dir}/train.parquet",
        f"data.val_files={data_dir}/val.parquet",
        "data.max_prompt_length=2048",
        "data.max_response_length=512",
        "actor_rollout_ref.rollout.prompt_length=2048",
        "actor_rollout_ref.rollout.response_length=512",
        "actor_rollout_ref.rollout.agent.num_workers=1",
        "reward.num_workers=2",
        "transfer_queue.backend.SimpleStorage.num_data_storage_units=1",
    ]


def standin_config(model_dir: Path, data_dir: Path, cache_dir: Path, *extra: str) -> Any:
    """The resolved CPU test config with the stand-in verifier and ``extra`` overrides."""
    from omegaconf import OmegaConf

    config = compose(
        [
            *cpu_overrides(str(model_dir), str(data_dir)),
            f"+data.cache_dir={cache_dir}",
            "reward.custom_reward_function.reward_kwargs.backend=standin",
            *extra,
        ]
    )
    OmegaConf.resolve(config)
    return config
