"""The launchers as a GPU user runs them: under `sh`, with their own data folders, the
reference defaults, the attention kernel, and the smoke test's argument handling."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.verl._config import compose

RECIPES = Path(__file__).resolve().parents[2] / "recipe" / "kimina_prover_rl"
LAUNCHERS = ["kimina_prover_1.7B.sh", "kimina_prover_0.6B.sh", "kimina_prover_1.7B_dry_run.sh"]
SH = shutil.which("dash") or "sh"
# The smoke test's least arguments: a model folder, a data folder to prepare, the stand-in.
SMOKE_ARGS = ["--model", "/", "--data", "/nonexistent", "--train", "t.jsonl", "--val", "v.jsonl"]


def _env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LEAN_", "KIMINA_", "RAY_"))}
    clean.pop("DATA_DIR", None)
    # The launchers need Lean named; the stand-in by name is enough to print the overrides.
    base = {"HOME": "/home/user", "KIMINA_PRINT_OVERRIDES": "1", "LEAN_BACKEND": "standin"}
    return {**clean, **base, **extra}


def run_launcher(
    name: str, *args: str, shell: str = SH, **env: str
) -> subprocess.CompletedProcess[str]:
    """A launcher started the way the seed's commands start it (`sh script`)."""
    return subprocess.run(
        [shell, str(RECIPES / name), *args],
        env=_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


def overrides_of(completed: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert completed.returncode == 0, completed.stderr
    return dict(line.split("=", 1) for line in completed.stdout.splitlines())


@pytest.mark.parametrize("name", [*LAUNCHERS, "smoke_test.sh"])
def test_every_launcher_runs_under_posix_sh(name: str) -> None:
    args = [*SMOKE_ARGS, "--standin"] if name == "smoke_test.sh" else []
    under_sh = run_launcher(name, *args)
    under_bash = run_launcher(name, *args, shell="bash")
    assert under_sh.returncode == 0, under_sh.stderr
    assert under_sh.stdout == under_bash.stdout
    assert "algorithm.adv_estimator=grpo" in under_sh.stdout.splitlines()


def test_the_dry_run_and_the_full_run_keep_separate_data_folders() -> None:
    full = overrides_of(run_launcher("kimina_prover_1.7B.sh"))
    dry = overrides_of(run_launcher("kimina_prover_1.7B_dry_run.sh"))
    assert Path(full["data.train_files"]).parent != Path(dry["data.train_files"]).parent
    assert full["data.train_files"] == "/home/user/data/kimina_prover_rl/train.parquet"
    assert dry["data.train_files"] == "/home/user/data/kimina_prover_rl_dry_run/train.parquet"


@pytest.mark.parametrize("name", ["kimina_prover_1.7B.sh", "kimina_prover_0.6B.sh"])
def test_full_recipes_carry_the_reference_schedule_and_sampling(name: str) -> None:
    config = compose([f"{k}={v}" for k, v in overrides_of(run_launcher(name)).items()])
    actor = config.actor_rollout_ref.actor
    assert actor.loss_scale_factor == config.data.max_response_length == 24576
    assert config.actor_rollout_ref.rollout.val_kwargs.top_p == 0.95
    assert (config.trainer.total_epochs, config.trainer.save_freq) == (15, 5)


def test_kimina_rl_train_with_no_override_is_the_reference_grpo() -> None:
    config = compose([])
    actor = config.actor_rollout_ref.actor
    assert config.algorithm.adv_estimator == "grpo"  # not verl's default gae
    assert config.algorithm.norm_adv_by_std_in_grpo is False
    assert config.algorithm.use_kl_in_reward is False
    assert actor.use_kl_loss is False
    assert actor.loss_agg_mode == "seq-mean-token-sum-norm"
    assert actor.loss_scale_factor == config.data.max_response_length  # a constant divisor
    assert (actor.clip_ratio_low, actor.clip_ratio_high) == (0.2, 0.3)
    assert actor.optim.lr == 2e-6
    assert config.actor_rollout_ref.rollout.val_kwargs.top_p == 0.95
    assert (config.trainer.total_epochs, config.trainer.save_freq) == (15, 5)


def test_the_recipes_keep_the_promptsets_duplicates() -> None:
    common = (RECIPES / "_common.sh").read_text(encoding="utf-8")
    dry = (RECIPES / "kimina_prover_1.7B_dry_run.sh").read_text(encoding="utf-8")
    assert "PREPARE_ARGS=${PREPARE_ARGS:---keep-duplicates}" in common
    assert "--keep-duplicates}" in dry


@pytest.mark.parametrize(
    ("flash", "kernel", "remove_padding"),
    [(True, "flash_attention_2", "True"), (False, "sdpa", "False")],
)
def test_the_attention_kernel_follows_flash_attn(
    tmp_path: Path, flash: bool, kernel: str, remove_padding: str
) -> None:
    python = tmp_path / "python3"
    python.write_text(f"#!/bin/sh\nexit {0 if flash else 1}\n", encoding="utf-8")
    python.chmod(0o755)
    completed = run_launcher("kimina_prover_1.7B.sh", PYTHON=str(python))
    found = overrides_of(completed)
    assert found["actor_rollout_ref.model.override_config.attn_implementation"] == kernel
    assert found["actor_rollout_ref.model.use_remove_padding"] == remove_padding
    assert f"attention {kernel}" in completed.stderr  # logged


def test_a_single_node_run_starts_its_own_ray_with_workers_at_normal_priority() -> None:
    found = overrides_of(run_launcher("kimina_prover_1.7B.sh"))
    assert found["ray_kwargs.ray_init.address"] == "local"  # even when a Ray already runs
    config = compose([f"{k}={v}" for k, v in found.items()])
    assert config.ray_kwargs.ray_init.runtime_env.env_vars.RAY_worker_niceness == "0"
    joined = overrides_of(run_launcher("kimina_prover_1.7B.sh", RAY_ADDRESS="head:6379"))
    assert "ray_kwargs.ray_init.address" not in joined


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "--model DIR is required"),
        (["--model", "/nonexistent/model", "--data", "/"], {}, "is not a folder"),
        (["--model", "/"], {}, "--data DIR is required"),
        (["--model", "/", "--data", "/"], {}, "no Lean"),
        (["--model", "/", "--data", "/nonexistent", "--standin"], {}, "--train SRC --val SRC"),
        (["--model", "/", "--data", "/", "--standin", "--bogus"], {}, "unknown option --bogus"),
    ],
)
def test_the_smoke_test_refuses_incomplete_arguments(
    args: list[str], env: dict[str, str], message: str
) -> None:
    completed = run_launcher("smoke_test.sh", *args, KIMINA_PRINT_OVERRIDES="0", **env)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert completed.stdout == ""  # nothing ran


def test_the_smoke_test_composes_two_offline_steps(tmp_path: Path) -> None:
    completed = run_launcher(
        "smoke_test.sh",
        "--model",
        str(tmp_path),
        "--data",
        str(tmp_path / "data"),
        "--train",
        "train.jsonl",
        "--val",
        "val.jsonl",
        "--lean-server",
        "http://lean:12332",
        "--out",
        str(tmp_path / "out"),
    )
    found = overrides_of(completed)
    config = compose([f"{k}={v}" for k, v in found.items()])
    assert config.trainer.total_training_steps == 2
    assert config.trainer.test_freq == 2
    assert config.trainer.val_before_train is True
    assert list(config.trainer.logger) == ["console", "file"]
    assert config.trainer.n_gpus_per_node == 1
    assert config.data.correction.rate == 1.0
    assert config.actor_rollout_ref.model.path == str(tmp_path)
    reward = config.reward.custom_reward_function.reward_kwargs
    assert (reward.backend, reward.url) == ("remote", "http://lean:12332")
    assert not (tmp_path / "out").exists()  # printing the overrides runs nothing


def test_the_stand_in_is_used_only_by_name() -> None:
    named = run_launcher("smoke_test.sh", *SMOKE_ARGS, "--standin")
    assert "SIMULATED" in named.stderr
    assert overrides_of(named)["reward.custom_reward_function.reward_kwargs.backend"] == "standin"
