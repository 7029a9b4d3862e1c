"""``python -m kimina_prover_rl.verl.main [overrides]``: GRPO on stock verl 0.9.1, our pieces in.

The same Hydra entry point as verl's ``verl.trainer.main_ppo``, composed from verl's own
``ppo_trainer`` config plus ``config/kimina_trainer.yaml`` (dataset, reward, validation
agent loop), and the same ``run_ppo``; only the Ray task runner differs. It installs
``kimina.trainer`` (default :class:`~kimina_prover_rl.verl.trainer.CorrectionTrainer`) as
verl's ``sync`` v1 trainer inside the runner's process, so the mode verl runs is unchanged
and the step hook feeds the error-correction cache. ``--cfg job`` prints the composed
config without starting anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf

from kimina_prover_rl.errors import ConfigError

__all__ = [
    "CONFIG_DIR",
    "check_config",
    "ignored_settings",
    "install_trainer",
    "main",
    "run",
    "task_runner_class",
]

CONFIG_DIR = Path(__file__).resolve().parent / "config"
"""Our Hydra configs (``kimina_trainer.yaml``) and the agent-loop registry file."""


def _packaged_file(name: str) -> str:
    path = CONFIG_DIR / name
    if not path.is_file():
        raise ConfigError(
            f"${{kimina_file:{name}}}: no such file in {CONFIG_DIR}; reinstall kimina-prover-rl"
        )
    return str(path)


OmegaConf.register_new_resolver("kimina_file", _packaged_file, replace=True)


def install_trainer(fqn: str) -> type[Any]:
    """Make ``fqn`` verl's ``sync`` v1 trainer in this process and return it.

    The class must subclass verl's ``PPOTrainerSync``: registering it under a new name
    and selecting that name would make verl treat it as an asynchronous mode.
    """
    from verl.trainer.ppo.v1 import trainer_base
    from verl.trainer.ppo.v1.trainer_sync import PPOTrainerSync
    from verl.utils.import_utils import load_class_from_fqn

    trainer_cls = load_class_from_fqn(fqn, "trainer")
    if not (isinstance(trainer_cls, type) and issubclass(trainer_cls, PPOTrainerSync)):
        raise ConfigError(
            f"kimina.trainer={fqn!r} is not a subclass of verl's PPOTrainerSync; pass "
            "kimina_prover_rl.verl.trainer.CorrectionTrainer or a subclass of it"
        )
    trainer_base.TRAINER_REGISTRY["sync"] = trainer_cls
    return trainer_cls


def task_runner_class() -> Any:
    """verl's v1 task runner (a Ray actor) that installs ``kimina.trainer`` before running."""
    import ray
    from verl.trainer.main_ppo import TaskRunnerV1

    base: type[Any] = TaskRunnerV1.__ray_metadata__.modified_class  # type: ignore[attr-defined]

    class KiminaTaskRunner(base):  # type: ignore[misc]
        """Runs verl's v1 training with our trainer in the registry's ``sync`` slot."""

        def run(self, config: DictConfig) -> None:
            install_trainer(str(config.kimina.trainer))
            super().run(config)

    return ray.remote(KiminaTaskRunner)


# Sections verl 0.9.1 still parses but never reads on the v1 path, with what replaced them.
_IGNORED_SECTIONS = {
    "custom_reward_function": "reward.custom_reward_function",
    "reward_model": "reward.reward_manager / reward.reward_model / reward.num_workers",
}


def ignored_settings(config: DictConfig) -> list[str]:
    """Keys set in sections verl 0.9.1 ignores (a reference-era launch script sets them)."""
    found: list[str] = []
    for section in _IGNORED_SECTIONS:
        node = config.get(section)
        if node is not None:
            found.extend(_set_keys(OmegaConf.to_container(node, resolve=False), section))
    return found


def _set_keys(node: Any, prefix: str) -> list[str]:
    if isinstance(node, dict):
        return [key for k, v in node.items() for key in _set_keys(v, f"{prefix}.{k}")]
    return [] if node is None else [prefix]


def check_config(config: DictConfig) -> None:
    """Refuse settings our pieces cannot work with, naming the key and the fix."""
    ignored = ignored_settings(config)
    if ignored:
        moved = "; ".join(f"{old} -> {new}" for old, new in _IGNORED_SECTIONS.items())
        raise ConfigError(
            f"{', '.join(ignored)} would be ignored by verl 0.9.1 (the run would silently use "
            f"verl's default scorer); use the new keys: {moved}"
        )
    if not config.trainer.use_v1:
        raise ConfigError(
            "trainer.use_v1=false selects verl's deprecated RayPPOTrainer, which our step hook "
            "does not extend; remove the override (v1 is verl 0.9.1's default)"
        )
    if config.trainer.v1.trainer_mode != "sync":
        raise ConfigError(
            f"trainer.v1.trainer_mode={config.trainer.v1.trainer_mode!r}: kimina's trainer "
            "extends the sync mode (error-correction prompts need the finished batch); use sync"
        )
    workers = config.data.dataloader_num_workers
    if workers and config.data.correction.rate > 0:
        raise ConfigError(
            f"data.dataloader_num_workers={workers}: correction rows live in the trainer "
            "process; set data.dataloader_num_workers=0"
        )
    _check_reward_kwargs(config)


def _check_reward_kwargs(config: DictConfig) -> None:
    """Read ``reward_kwargs`` as the reward will, and stop a run with no Lean before it starts."""
    from kimina_prover_rl.lean import resolve_backend
    from kimina_prover_rl.verl.reward import RewardKwargs

    node = config.reward.custom_reward_function.get("reward_kwargs")
    kwargs = OmegaConf.to_container(node, resolve=True) if node is not None else {}
    if not isinstance(kwargs, dict):
        raise ConfigError(
            f"reward.custom_reward_function.reward_kwargs={kwargs!r} must be a mapping of "
            "settings (see kimina_trainer.yaml)"
        )
    resolve_backend(RewardKwargs.from_kwargs({str(k): v for k, v in kwargs.items()}).verifier)


def run(config: DictConfig) -> None:
    """Validate ``config`` as verl's ``main_ppo`` does, then train with our task runner."""
    from verl.trainer.main_ppo import run_ppo
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config
    from verl.utils.device import auto_set_device

    from kimina_prover_rl.verl.preflight import check_data, run_preflight

    check_config(config)
    OmegaConf.resolve(config)
    if config.kimina.get("preflight", True):
        run_preflight(config)
    else:
        check_data(config)
    if config.kimina.get("preflight_only", False):
        print("kimina preflight: every check passed; kimina.preflight_only=true, not training")
        return
    auto_set_device(config)
    validate_config(
        config=config,
        use_reference_policy=need_reference_policy(config),
        use_critic=need_critic(config),
    )
    run_ppo(config, task_runner_class=task_runner_class())


@hydra.main(config_path="config", config_name="kimina_trainer", version_base=None)
def main(config: DictConfig) -> None:
    """Hydra entry point (``python -m kimina_prover_rl.verl.main``)."""
    run(config)


if __name__ == "__main__":
    main()
