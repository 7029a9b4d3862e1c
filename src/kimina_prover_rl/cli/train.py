"""`kimina-rl train`: GRPO on stock verl 0.9.1, forwarding Hydra overrides to our entry point."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import typer

from kimina_prover_rl.cli._app import app
from kimina_prover_rl.errors import ConfigError

__all__ = ["ENTRY_MODULE", "train_command"]

ENTRY_MODULE = "kimina_prover_rl.verl.main"
"""What ``kimina-rl train`` runs: ``python -m kimina_prover_rl.verl.main OVERRIDES...``."""


@app.command(
    "train",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def train_command(ctx: typer.Context) -> None:
    """Train with verl 0.9.1 (GPU nodes): every argument is a Hydra override for verl's config.

    Runs `python -m kimina_prover_rl.verl.main ARGS...`: verl's `ppo_trainer` config plus
    ours (error-correction dataset, Lean reward, validation second turn, step-hook
    trainer). Arguments are verl keys, e.g. `data.train_files=out/train.parquet
    actor_rollout_ref.model.path=AI-MO/Kimina-Prover-Distill-1.7B`; `--cfg job` prints
    the composed config and starts nothing. The recipes in `recipe/kimina_prover_rl/`
    hold the reference hyper-parameters. The Lean reward uses `LEAN_SERVER_API_URL` /
    `LEAN_SERVER_API_KEY` when set, else
    `reward.custom_reward_function.reward_kwargs.project_dir=PATH` (a Lean project with
    Mathlib); with neither it stops before training and says so. Simulated Lean (the
    stand-in REPL) runs only when named: `...reward_kwargs.backend=standin`. Needs the verl
    extra.
    """
    if importlib.util.find_spec("verl") is None:
        raise ConfigError(
            "kimina-rl train needs verl 0.9.1: on GPU nodes pip install 'kimina-prover-rl[gpu]' "
            "(verl with vllm and CUDA torch); for CPU tests pip install 'kimina-prover-rl[verl]' "
            "(see recipe/kimina_prover_rl)"
        )
    completed = subprocess.run([sys.executable, "-m", ENTRY_MODULE, *ctx.args], check=False)
    raise typer.Exit(completed.returncode)
