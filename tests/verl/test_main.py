"""The entry point's config and the recipes: every override composes against verl 0.9.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.verl.main import check_config, ignored_settings
from tests.verl._config import compose

RECIPES = Path(__file__).resolve().parents[2] / "recipe" / "kimina_prover_rl"
LAUNCHERS = ["kimina_prover_1.7B.sh", "kimina_prover_0.6B.sh", "kimina_prover_1.7B_dry_run.sh"]


def recipe_overrides(name: str, **env: str) -> list[str]:
    """The Hydra overrides a launcher would pass to ``kimina-rl train``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LEAN_", "KIMINA_", "RAY_"))}
    completed = subprocess.run(
        ["bash", str(RECIPES / name), "trainer.logger=['console']"],
        env={**clean, "KIMINA_PRINT_OVERRIDES": "1", "DATA_DIR": "/data/set", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.splitlines()


@pytest.mark.parametrize("name", LAUNCHERS)
def test_every_recipe_composes_with_no_unknown_or_ignored_key(name: str) -> None:
    overrides = recipe_overrides(name, LEAN_BACKEND="standin")
    assert not [o for o in overrides if o.startswith(("+", "~"))], "only existing keys"
    config = compose(overrides)  # Hydra refuses any key verl 0.9.1's config lacks
    assert ignored_settings(config) == []
    check_config(config)
    assert config.data.custom_cls.path == "pkg://kimina_prover_rl.verl.dataset"
    assert config.reward.custom_reward_function.path == "pkg://kimina_prover_rl.verl.reward"
    assert config.kimina.trainer == "kimina_prover_rl.verl.trainer.CorrectionTrainer"
    assert config.data.train_files == "/data/set/train.parquet"
    assert config.trainer.logger == ["console"]  # extra arguments come last and win


@pytest.mark.parametrize("name", ["kimina_prover_1.7B.sh", "kimina_prover_0.6B.sh"])
def test_full_recipes_carry_the_reference_hyper_parameters(name: str) -> None:
    config = compose(recipe_overrides(name, LEAN_BACKEND="standin"))
    actor = config.actor_rollout_ref.actor
    rollout = config.actor_rollout_ref.rollout
    assert config.algorithm.adv_estimator == "grpo"
    assert config.algorithm.norm_adv_by_std_in_grpo is False
    assert config.algorithm.use_kl_in_reward is False
    assert actor.use_kl_loss is False
    assert actor.loss_agg_mode == "seq-mean-token-sum-norm"
    assert (actor.clip_ratio_low, actor.clip_ratio_high) == (0.2, 0.3)
    assert actor.optim.lr == 2e-6
    assert (config.data.train_batch_size, rollout.n, actor.ppo_mini_batch_size) == (256, 8, 32)
    assert (config.data.max_prompt_length, config.data.max_response_length) == (8192, 24576)
    assert config.data.max_prompt_length + config.data.max_response_length == 32768
    assert rollout.temperature == 1.0
    assert config.data.correction.rate == 0.5
    assert config.trainer.test_freq == 5
    assert config.data.dataloader_num_workers == 0
    assert rollout.val_kwargs.n == 8


def test_the_dry_run_fits_a_small_machine() -> None:
    config = compose(recipe_overrides("kimina_prover_1.7B_dry_run.sh", LEAN_BACKEND="standin"))
    assert config.transfer_queue.backend.SimpleStorage.num_data_storage_units == 1
    assert config.data.dataloader_num_workers == 0
    assert config.trainer.n_gpus_per_node == 1
    assert config.reward.num_workers == 1
    assert config.trainer.total_training_steps == 4


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LEAN_BACKEND": "standin"}, {"backend": "standin"}),
        (
            {"LEAN_SERVER_API_URL": "http://lean:12332", "LEAN_SERVER_API_KEY": "secret"},
            {"backend": "remote", "url": "http://lean:12332"},
        ),
        (
            {"KIMINA_LEAN_PROJECT": "/opt/mathlib4"},
            {"backend": "local", "project_dir": "/opt/mathlib4"},
        ),
        (
            {"KIMINA_LEAN_PROJECT": "/opt/mathlib4"},
            {"backend": "local", "sandbox": "auto"},
        ),
        (
            {"KIMINA_LEAN_PROJECT": "/opt/mathlib4", "KIMINA_SANDBOX": "required"},
            {"backend": "local", "sandbox": "required"},
        ),
        (
            {"KIMINA_LEAN_PROJECT": "/opt/mathlib4", "KIMINA_LEAN_REPL": "lake env /opt/repl"},
            {"backend": "local", "project_dir": "/opt/mathlib4", "repl_cmd": "lake env /opt/repl"},
        ),
        (  # the deprecated name still works (and warns)
            {"LEAN_PROJECT_DIR": "/opt/mathlib4"},
            {"backend": "local", "project_dir": "/opt/mathlib4"},
        ),
    ],
)
def test_recipes_read_the_lean_server_as_the_reference_does(
    env: dict[str, str], expected: dict[str, str]
) -> None:
    overrides = recipe_overrides("kimina_prover_1.7B.sh", **env)
    assert not any("secret" in o for o in overrides)  # the key never reaches the logged config
    kwargs = compose(overrides).reward.custom_reward_function.reward_kwargs
    for key, value in expected.items():
        assert kwargs[key] == value


@pytest.mark.parametrize("name", LAUNCHERS)
def test_a_recipe_with_no_lean_stops_before_any_work_and_says_how_to_give_one(
    name: str, tmp_path: Path
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LEAN_", "KIMINA_", "RAY_"))}
    bin_dir = tmp_path / "bin"  # a kimina-rl that records being called: it must not be
    bin_dir.mkdir()
    called = tmp_path / "called"
    (bin_dir / "kimina-rl").write_text(f'#!/bin/sh\necho "$@" >> {called}\n')
    (bin_dir / "kimina-rl").chmod(0o755)
    completed = subprocess.run(
        ["bash", str(RECIPES / name)],
        env={**clean, "PATH": f"{bin_dir}:{clean['PATH']}", "DATA_DIR": str(tmp_path / "d")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert not called.exists()  # neither `prepare` nor `train` ran
    for way in ("LEAN_SERVER_API_URL", "KIMINA_LEAN_PROJECT", "LEAN_BACKEND=standin"):
        assert way in completed.stderr


def test_training_with_no_lean_is_refused_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LEAN_SERVER_API_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no Lean is configured"):
        check_config(compose([]))
    check_config(compose(["reward.custom_reward_function.reward_kwargs.backend=standin"]))


def test_the_yaml_reward_kwargs_and_correction_are_the_settings_defaults() -> None:
    from kimina_prover_rl.reward import CorrectionSettings
    from kimina_prover_rl.verl.dataset import correction_settings
    from kimina_prover_rl.verl.reward import RewardKwargs

    config = compose([])
    assert correction_settings(config.data) == CorrectionSettings()
    kwargs = config.reward.custom_reward_function.reward_kwargs
    settings = RewardKwargs.from_kwargs(
        {k: v for k, v in kwargs.items() if k not in ("tokenizer", "chat_template_kwargs")}
        | {"tokenizer": "model"}
    )
    assert settings == RewardKwargs(tokenizer="model")


@pytest.mark.parametrize(
    ("env", "slots"),
    [
        ({"LEAN_BACKEND": "standin"}, {"lean_slots": 32}),  # verl starts Ray: this node runs it
        ({"KIMINA_LEAN_PROJECT": "/opt/mathlib4", "LEAN_WORKERS": "12"}, {"lean_slots": 12}),
        ({"LEAN_PROJECT_DIR": "/opt/mathlib4", "NNODES": "2"}, None),  # `ray start` declares
        ({"LEAN_PROJECT_DIR": "/opt/mathlib4", "RAY_ADDRESS": "head:6379"}, None),
        ({"LEAN_SERVER_API_URL": "http://lean:12332"}, None),  # no local pool at all
    ],
)
def test_a_single_node_run_offers_its_lean_slots_to_ray(
    env: dict[str, str], slots: dict[str, int] | None
) -> None:
    config = compose(recipe_overrides("kimina_prover_1.7B.sh", **env))
    resources = config.ray_kwargs.ray_init.resources
    assert (None if resources is None else dict(resources)) == slots
    assert config.reward.custom_reward_function.reward_kwargs.ray_resource == "lean_slots"


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("custom_reward_function.path=reward.py", "custom_reward_function.path would be ignored"),
        ("reward_model.reward_manager=batch", "reward_model.reward_manager would be ignored"),
        ("trainer.use_v1=False", "trainer.use_v1=false"),
        ("trainer.v1.trainer_mode=separate_async", "use sync"),
        ("data.dataloader_num_workers=4", "data.dataloader_num_workers=0"),
    ],
)
def test_settings_verl_would_ignore_or_we_cannot_honour_are_refused(
    override: str, fragment: str
) -> None:
    with pytest.raises(ConfigError, match=fragment):
        check_config(compose([override]))


def test_a_removed_reference_key_fails_composition() -> None:
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException):
        compose(["reward_model.launch_reward_fn_async=True"])


def test_cfg_job_prints_the_config_with_our_pieces_plugged_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from kimina_prover_rl.verl.main import main

    monkeypatch.chdir(tmp_path)  # Hydra may create its output folder here
    monkeypatch.setattr(sys, "argv", ["kimina_prover_rl.verl.main", "--cfg", "job"])
    main()
    out = capsys.readouterr().out
    assert "path: pkg://kimina_prover_rl.verl.dataset" in out
    assert "name: CorrectionDataset" in out
    assert "path: pkg://kimina_prover_rl.verl.reward" in out
    assert "trainer: kimina_prover_rl.verl.trainer.CorrectionTrainer" in out
    assert "agent_loop_config_path: ${kimina_file:agent_loops.yaml}" in out


@pytest.mark.slow
def test_the_task_runner_is_a_ray_actor_verl_can_start(ray_session: Any) -> None:
    from kimina_prover_rl.verl.main import task_runner_class

    runner = task_runner_class().options(num_cpus=0).remote()
    try:
        assert ray_session.get(runner.__ray_ready__.remote(), timeout=600)
    finally:
        ray_session.kill(runner)


def test_a_prompt_set_giving_zero_steps_is_refused_before_ray_starts(prompt_set: Path) -> None:
    from omegaconf import OmegaConf

    from kimina_prover_rl.verl.preflight import check_data

    def config(batch: int, **data: Any) -> Any:
        return OmegaConf.create(
            {
                "data": {
                    "train_files": str(prompt_set / "train.parquet"),
                    "val_files": [str(prompt_set / "val.parquet")],
                    "train_batch_size": batch,
                    **data,
                }
            }
        )

    assert check_data(config(8)) == 8  # the fixture's 8 prompts make one step
    with pytest.raises(
        ConfigError, match=r"holds 8 prompts, fewer than data\.train_batch_size=256"
    ):
        check_data(config(256))
    with pytest.raises(ConfigError, match="holds 4 prompts"):
        check_data(config(8, train_max_samples=4))
    missing = config(8, train_files="/nowhere/train.parquet")
    with pytest.raises(ConfigError, match=r"/nowhere/train\.parquet does not exist.*kimina-rl"):
        check_data(missing)
