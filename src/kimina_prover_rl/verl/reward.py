"""verl's reward function: ``reward.custom_reward_function.path=pkg://kimina_prover_rl.verl.reward``.

verl 0.9.1 calls :func:`compute_score` once per sample, concurrently, inside its
``RewardLoopWorker`` actors (``reward.num_workers`` of them). Each call scores one answer
with the shared :class:`~kimina_prover_rl.reward.Scorer` and returns the
:func:`~kimina_prover_rl.reward.reward_record` (``score`` is the reward; every key goes to
verl's ``reward_extra_info``, the same keys for every sample)::

    RewardLoopWorker ─ compute_score ─► Scorer (one per worker process)
                                          └─ MicroBatcher: concurrent calls ─► one batch
                                               └─ verifier: the Lean pools of the Ray
                                                  cluster (one actor per node offering
                                                  ``lean_slots``) or a remote server

Settings come from ``reward.custom_reward_function.reward_kwargs`` (:class:`RewardSettings`;
unknown keys are refused, so a typo never silently falls back to a default). The verifier
is chosen in this order when ``backend`` is ``auto``: a kimina-lean-server when ``url`` or
``LEAN_SERVER_API_URL`` is set; a local Lean project when ``project_dir`` or ``repl_cmd``
is given (served by a pool actor on every Ray node offering ``ray_resource``); otherwise
the stand-in REPL, announced on stderr and in the log, because its verdicts are simulated.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.lean import VerifierOptions, open_verifier
from kimina_prover_rl.lean.sandbox import SandboxMode
from kimina_prover_rl.reward import (
    RewardConfig,
    RewardRecord,
    Sample,
    Scorer,
    reward_record,
    row_turn,
)

__all__ = ["RewardSettings", "compute_score"]

_logger = logging.getLogger(__name__)
_BACKENDS = ("auto", "local", "standin", "remote", "ray")
# Passed by verl's reward managers when a reward model runs; not ours to interpret.
_VERL_KWARGS = frozenset({"reward_router_address", "reward_model_tokenizer"})


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardSettings:
    """What ``reward_kwargs`` may set (all optional)."""

    backend: str = "auto"
    """``auto``, ``remote``, ``local`` (a Lean project), ``standin`` or ``ray``."""
    url: str | None = None
    """kimina-lean-server URL; default ``$LEAN_SERVER_API_URL``."""
    api_key: str | None = None
    """kimina-lean-server key; default ``$LEAN_SERVER_API_KEY``."""
    project_dir: str | None = None
    """The Lean project with Mathlib that local REPLs run in."""
    repl_cmd: str | None = None
    """REPL command line; default ``lake env repl`` in ``project_dir``."""
    sandbox: SandboxMode = "auto"
    """Run each REPL in bubblewrap: ``auto`` when available, ``required``, or ``off``."""
    workers: int = 8
    """REPL processes of a pool outside Ray; under Ray each node runs one per unit of
    ``ray_resource`` it offers (the recipes give a single node ``workers`` units)."""
    ray_resource: str = "lean_slots"
    """The Ray resource marking the nodes that run Lean pools, one REPL per unit."""
    timeout_s: float = 60.0
    """Lean time limit per proof."""
    cache_path: str | None = None
    """SQLite verdict cache shared by the node's pool; none by default."""
    format_score: float = 0.0
    """Partial credit for a well-formed answer whose proof fails."""
    response_prefix: str = "auto"
    """Text the chat template writes before the model's answer (``"<think>\\n"`` when it opens
    the block); ``auto`` reads it from ``tokenizer``'s template, ``""`` means none."""
    tokenizer: str | None = None
    """Tokenizer (model) path for ``response_prefix: auto``."""
    chat_template_kwargs: Mapping[str, Any] | None = None
    """``data.apply_chat_template_kwargs``, so ``auto`` renders the template as verl does."""

    def __post_init__(self) -> None:
        if self.backend not in _BACKENDS:
            raise ConfigError(
                f"reward_kwargs.backend={self.backend!r} is not one of {', '.join(_BACKENDS)}"
            )
        if self.response_prefix == "auto" and self.tokenizer is None:
            raise ConfigError(
                "reward_kwargs.response_prefix is 'auto' but reward_kwargs.tokenizer is not set: "
                "set tokenizer=${actor_rollout_ref.model.path} (the kimina recipes do) or give "
                "response_prefix explicitly ('' when the template does not open <think>)"
            )

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> RewardSettings:
        """Settings from ``reward_kwargs``; unknown keys raise ``ConfigError`` naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known - _VERL_KWARGS)
        if unknown:
            raise ConfigError(
                f"unknown reward_kwargs {', '.join(unknown)}; kimina_prover_rl.verl.reward "
                f"accepts {', '.join(sorted(known))}"
            )
        values = {k: v for k, v in kwargs.items() if k in known}
        template_kwargs = values.get("chat_template_kwargs")
        if template_kwargs is not None:
            values["chat_template_kwargs"] = _FrozenMapping(dict(template_kwargs))
        return cls(**values)

    def verifier_options(self, *, ray_running: bool) -> VerifierOptions:
        """The verifier these settings describe (see the module docstring for ``auto``)."""
        backend = self.backend
        if backend == "auto":
            if self.url or os.environ.get("LEAN_SERVER_API_URL"):
                backend = "remote"
            elif self.project_dir or self.repl_cmd:
                backend = "local"
            else:
                backend = "standin"
        if backend == "ray" and not ray_running:
            raise ConfigError(
                "reward_kwargs.backend=ray needs a running Ray (verl's reward workers have one); "
                "use backend=local outside Ray"
            )
        pool = "standin" if backend == "standin" else "local"
        if backend in ("local", "standin") and ray_running:
            backend = "ray"
        common: dict[str, Any] = {
            "workers": self.workers,
            "timeout_s": self.timeout_s,
            "cache_path": None if self.cache_path is None else Path(self.cache_path),
        }
        if backend == "remote":
            return VerifierOptions(backend="remote", url=self.url, api_key=self.api_key, **common)
        return VerifierOptions(
            backend="ray" if backend == "ray" else pool,  # type: ignore[arg-type]
            ray_pool=pool,  # type: ignore[arg-type]
            project_dir=None if self.project_dir is None else Path(self.project_dir),
            repl_cmd=self.repl_cmd,
            sandbox=self.sandbox,
            ray_resource=self.ray_resource,
            **common,
        )


class _FrozenMapping(dict[str, Any]):
    """A hashable dict, so settings holding template kwargs can key the scorer cache."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((k, repr(v)) for k, v in self.items())))


_scorers: dict[tuple[RewardSettings, asyncio.AbstractEventLoop], Scorer] = {}
_prefixes: dict[RewardSettings, str] = {}


def _scorer(settings: RewardSettings) -> Scorer:
    """This loop's scorer for ``settings`` (verl's reward worker runs one loop per process).

    Verifiers hold connections and subprocesses bound to the loop that made them, so a
    second loop in the same process gets its own.
    """
    key = (settings, asyncio.get_running_loop())
    scorer = _scorers.get(key)
    if scorer is None:
        for stale in [k for k in _scorers if k[1].is_closed()]:
            del _scorers[stale]
        options = settings.verifier_options(ray_running=_ray_running())
        if options.simulated:
            _logger.warning(
                "kimina reward: Lean is SIMULATED by the stand-in REPL; no verdict is checked by "
                "Lean. Set LEAN_SERVER_API_URL or reward_kwargs.project_dir for real checks."
            )
        scorer = Scorer(open_verifier(options), RewardConfig(format_score=settings.format_score))
        _scorers[key] = scorer
    return scorer


def _prefix(settings: RewardSettings) -> str:
    if settings.response_prefix != "auto":
        return settings.response_prefix
    prefix = _prefixes.get(settings)
    if prefix is None:
        from transformers import AutoTokenizer

        from kimina_prover_rl.verl.think import response_prefix

        tokenizer = AutoTokenizer.from_pretrained(settings.tokenizer)
        prefix = response_prefix(tokenizer, settings.chat_template_kwargs)
        _prefixes[settings] = prefix
    return prefix


def _ray_running() -> bool:
    try:
        import ray
    except ImportError:
        return False
    return bool(ray.is_initialized())


async def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str,
    extra_info: Mapping[str, Any] | None = None,
    **reward_kwargs: Any,
) -> RewardRecord:
    """Score one answer for verl; returns the reward record (``score`` is the reward).

    The row's fields are read by :meth:`~kimina_prover_rl.reward.Sample.from_row`: the
    statement from ``extra_info.formal_statement`` (else ``ground_truth``), the answer's
    turn from ``extra_info.turn`` (1 for rows written by ``kimina-rl prepare``). A row
    without a statement is a bad ``data.train_files``/``data.val_files`` setting.
    """
    settings = RewardSettings.from_kwargs(reward_kwargs)
    row = {
        "data_source": data_source,
        "reward_model": {"ground_truth": ground_truth},
        "extra_info": extra_info or {},
    }
    try:
        sample = Sample.from_row(row, _prefix(settings) + solution_str)
        turn = row_turn(row)
    except InputError as exc:
        raise ConfigError(str(exc)) from exc
    scored = await _scorer(settings).score(sample)
    return reward_record(scored, turn=turn)
