"""Checks before Ray starts, so a GPU run fails in seconds with what to fix, not after minutes.

``kimina-rl train`` runs them on the composed config before verl starts Ray
(``kimina.preflight: true``); ``kimina-rl train kimina.preflight_only=true ...`` runs them
alone. Each problem found is one line naming the setting or the package to fix; all of them
are reported together in one ``ConfigError``:

* the prompt set: files present, at least one training step (:func:`check_data`);
* GPUs seen on this node against ``trainer.n_gpus_per_node`` (single-node runs);
* vllm importable (``rollout.name=vllm``), flash-attn importable when the model asks for
  ``flash_attention_2``;
* the model folder (or, offline, the hub cache) holding a config and a tokenizer;
* wandb: a key or an offline mode when it logs there;
* the Lean verifier: the server answers ``/health``, or the Lean project folder exists.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from kimina_prover_rl.errors import ConfigError

__all__ = ["check_data", "preflight_problems", "run_preflight"]

_OFFLINE = ("1", "true", "yes", "on")


def _files(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def check_data(config: Any) -> int:
    """Refuse missing data files or a prompt set too small for one step; return the rows.

    verl drops the last incomplete batch, so fewer training rows than
    ``data.train_batch_size`` would validate and stop without a single step.
    """
    import pyarrow.parquet as pq

    for key in ("train_files", "val_files"):
        for path in _files(config.data[key]):
            if not Path(path).is_file():
                raise ConfigError(
                    f"data.{key}: {path} does not exist; write it with `kimina-rl prepare --out "
                    f"{Path(path).parent}` (the recipes do, into DATA_DIR)"
                )
    rows = sum(int(pq.ParquetFile(p).metadata.num_rows) for p in _files(config.data.train_files))
    limit = config.data.get("train_max_samples", -1)
    if limit is not None and int(limit) > 0:
        rows = min(rows, int(limit))
    batch = int(config.data.train_batch_size)
    if rows // batch == 0:
        raise ConfigError(
            f"data.train_files holds {rows} prompts, fewer than data.train_batch_size={batch}: "
            "verl would run 0 training steps. Prepare the full prompt set (a dry run's set "
            "lives in its own DATA_DIR), or lower data.train_batch_size (TRAIN_BATCH in the "
            "recipes)"
        )
    return rows


def _problem(check: Callable[[Any], str | None], config: Any) -> list[str]:
    try:
        found = check(config)
    except ConfigError as exc:
        return [str(exc)]
    return [] if found is None else [found]


def _data(config: Any) -> str | None:
    check_data(config)
    return None


def _gpus(config: Any) -> str | None:
    if int(config.trainer.nnodes) != 1:
        return None  # other nodes' GPUs are Ray's to count
    wanted = int(config.trainer.n_gpus_per_node)
    try:
        import torch
    except ImportError:
        return "torch does not import: pip install 'kimina-prover-rl[gpu]'"
    seen = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if seen != wanted:
        return (
            f"this node has {seen} GPUs visible but trainer.n_gpus_per_node={wanted}: set "
            f"GPUS_PER_NODE={seen} (trainer.n_gpus_per_node) or CUDA_VISIBLE_DEVICES"
        )
    return None


def _packages(config: Any) -> str | None:
    missing = []
    if config.actor_rollout_ref.rollout.name == "vllm" and not importlib.util.find_spec("vllm"):
        missing.append("vllm (pip install 'kimina-prover-rl[gpu]')")
    attention = config.actor_rollout_ref.model.get("override_config", {}).get(
        "attn_implementation", "flash_attention_2"
    )
    if attention == "flash_attention_2" and not importlib.util.find_spec("flash_attn"):
        missing.append(
            "flash-attn for attn_implementation=flash_attention_2 (pip install flash-attn "
            "--no-build-isolation, or ATTENTION=sdpa / "
            "actor_rollout_ref.model.override_config.attn_implementation=sdpa)"
        )
    return f"missing: {'; '.join(missing)}" if missing else None


def _model(config: Any) -> str | None:
    path = str(config.actor_rollout_ref.model.path)
    if Path(path).is_dir():
        if not (Path(path) / "config.json").is_file():
            return f"actor_rollout_ref.model.path={path} has no config.json: not a model folder"
        return None
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in _OFFLINE
    try:
        from transformers import AutoConfig

        AutoConfig.from_pretrained(path, local_files_only=offline)
    except Exception as exc:  # transformers raises OSError, ValueError, HTTP errors
        where = "the hub cache (HF_HUB_OFFLINE is set)" if offline else "the hub"
        return (
            f"actor_rollout_ref.model.path={path} cannot be loaded from {where}: "
            f"{type(exc).__name__}; download it (huggingface-cli download {path} --local-dir "
            "DIR) and pass the folder (MODEL=DIR)"
        )
    return None


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=5.0):
            return True
    except OSError:
        return False


def _wandb(config: Any) -> str | None:
    loggers = list(config.trainer.logger or [])
    if "wandb" not in loggers:
        return None
    if os.environ.get("WANDB_MODE", "").lower() in ("offline", "disabled", "dryrun"):
        return None
    netrc = Path.home() / ".netrc"
    has_key = bool(os.environ.get("WANDB_API_KEY")) or (
        netrc.is_file() and "api.wandb.ai" in netrc.read_text(encoding="utf-8", errors="ignore")
    )
    if not has_key:
        return (
            "trainer.logger includes wandb but no WANDB_API_KEY (or `wandb login`) is set: "
            "log in, set WANDB_MODE=offline, or LOGGER=\"['console']\""
        )
    if not _reachable("api.wandb.ai", 443):
        return (
            "trainer.logger includes wandb but api.wandb.ai is unreachable: set "
            "WANDB_MODE=offline or LOGGER=\"['console']\""
        )
    return None


def _verifier(config: Any) -> str | None:
    kwargs = config.reward.custom_reward_function.get("reward_kwargs") or {}
    backend = str(kwargs.get("backend", "auto"))
    url = kwargs.get("url") or os.environ.get("LEAN_SERVER_API_URL")
    project = kwargs.get("project_dir")
    if backend == "remote" or (backend == "auto" and url):
        if not url:
            return "reward_kwargs.backend=remote without a URL: set LEAN_SERVER_API_URL"
        return _server(str(url))
    if backend in ("auto", "local") and project and not Path(str(project)).is_dir():
        return (
            f"reward_kwargs.project_dir={project} is not a folder: set KIMINA_LEAN_PROJECT to "
            "a Lean project with Mathlib and the REPL (kimina-rl doctor checks it)"
        )
    return None


def _server(url: str) -> str | None:
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=10.0)
    except httpx.HTTPError as exc:
        host = urlparse(url).netloc or url
        return (
            f"the Lean server LEAN_SERVER_API_URL={url} does not answer ({type(exc).__name__}: "
            f"{exc}); start it or fix the URL (is {host} reachable from this node?)"
        )
    if response.status_code >= 500:
        return f"the Lean server {url} answers /health with HTTP {response.status_code}: fix it"
    return None


_CHECKS: tuple[Callable[[Any], str | None], ...] = (
    _data,
    _gpus,
    _packages,
    _model,
    _wandb,
    _verifier,
)


def preflight_problems(config: Any) -> list[str]:
    """Every problem the checks find in the resolved ``config`` (empty when all is well)."""
    return [p for check in _CHECKS for p in _problem(check, config)]


def run_preflight(config: Any) -> None:
    """Raise one ``ConfigError`` listing every problem, before Ray starts."""
    problems = preflight_problems(config)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(
            f"preflight found {len(problems)} problem(s) before starting Ray:\n{lines}\n"
            "(kimina.preflight=false skips these checks)"
        )
