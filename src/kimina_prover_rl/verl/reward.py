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

Settings come from ``reward.custom_reward_function.reward_kwargs``: every field of
:class:`~kimina_prover_rl.lean.VerifierSettings` (the same names, defaults and checks as
the command line's verifier options) plus the few of :class:`RewardKwargs`. Unknown keys
are refused with the valid ones listed, so a typo never silently falls back to a default.
``backend: auto`` is resolved by :func:`~kimina_prover_rl.lean.resolve_backend` (a
kimina-lean-server when ``url`` or ``LEAN_SERVER_API_URL`` is set, a local Lean project
when ``project_dir`` or ``repl_cmd`` is given, otherwise an error saying how to give one:
simulated Lean runs only as ``backend: standin``). Under Ray, local and stand-in pools run
as a pool actor on every node offering ``ray_resource``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import InstanceOf

from kimina_prover_rl._schema import (
    check_fields,
    check_value,
    setting,
    setting_fields,
    settings_from_mapping,
)
from kimina_prover_rl.data import (
    row_turn,
)
from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.lean import VerifierSettings, open_verifier, resolve_backend
from kimina_prover_rl.reward import (
    RewardConfig,
    RewardRecord,
    Sample,
    Scorer,
    reward_record,
)

__all__ = ["RewardKwargs", "compute_score", "verifier_settings"]

_logger = logging.getLogger(__name__)
# Passed by verl's reward managers when a reward model runs; not ours to interpret.
_VERL_KWARGS = frozenset({"reward_router_address", "reward_model_tokenizer"})


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardKwargs:
    """``reward_kwargs``: the verifier's settings plus what only verl's reward needs."""

    verifier: VerifierSettings = field(default_factory=VerifierSettings)
    format_score: float = setting(
        0.0, help="Partial credit for a well-formed answer whose proof fails."
    )
    verify_format_failures: bool = setting(
        False,
        help="Also send the proofs of answers that broke a format rule to Lean, so `acc` is the "
        "Lean validity of every answer (the reference's blog-comparable `acc`) while the reward "
        "stays format x statement x valid; costs Lean time, and those failures become "
        "corrections too.",
    )
    response_prefix: str = setting(
        "auto",
        help="Text the chat template writes before the model's answer (``<think>\\n`` when it "
        "opens the block); ``auto`` reads it from ``tokenizer``'s template, ``''`` means none.",
    )
    tokenizer: str | None = setting(
        None, help="Tokenizer (model) path for ``response_prefix: auto``."
    )
    chat_template_kwargs: InstanceOf[Mapping] | None = setting(  # type: ignore[type-arg]
        None,
        help="``data.apply_chat_template_kwargs``, so ``auto`` renders the template as verl does.",
    )

    def __post_init__(self) -> None:
        check_fields(self)
        if self.response_prefix == "auto" and self.tokenizer is None:
            raise ConfigError(
                "reward_kwargs.response_prefix is 'auto' but reward_kwargs.tokenizer is not set: "
                "set tokenizer=${actor_rollout_ref.model.path} (the kimina recipes do) or give "
                "response_prefix explicitly ('' when the template does not open <think>)"
            )

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> RewardKwargs:
        """``reward_kwargs`` read into the settings; unknown keys raise ``ConfigError``."""
        own = set(setting_fields(cls))
        values = {k: v for k, v in kwargs.items() if k not in _VERL_KWARGS}
        verifier = settings_from_mapping(
            VerifierSettings,
            {k: v for k, v in values.items() if k not in own},
            where="reward_kwargs",
            also_valid=own,
        )
        mine = {
            k: check_value(cls, k, values[k], label=f"reward_kwargs.{k}") for k in own & set(values)
        }
        template_kwargs = mine.get("chat_template_kwargs")
        if template_kwargs is not None:
            mine["chat_template_kwargs"] = _FrozenMapping(dict(template_kwargs))
        return cls(verifier=verifier, **mine)


def verifier_settings(settings: VerifierSettings, *, ray_running: bool) -> VerifierSettings:
    """``settings`` resolved for a reward worker: ``auto`` resolved, local pools on Ray.

    Under Ray, ``local`` and ``standin`` become a pool actor on each node offering
    ``ray_resource``; ``ray`` outside Ray is refused.
    """
    settings = resolve_backend(settings)
    if settings.backend == "ray" and not ray_running:
        raise ConfigError(
            "reward_kwargs.backend=ray needs a running Ray (verl's reward workers have one); "
            "use backend=local outside Ray"
        )
    if settings.backend in ("local", "standin") and ray_running:
        return replace(settings, backend="ray", ray_pool=settings.backend)
    return settings


class _FrozenMapping(dict[str, Any]):
    """A hashable dict, so settings holding template kwargs can key the scorer cache."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((k, repr(v)) for k, v in self.items())))


_scorers: dict[tuple[RewardKwargs, asyncio.AbstractEventLoop], Scorer] = {}
_prefixes: dict[RewardKwargs, str] = {}


def _scorer(settings: RewardKwargs) -> Scorer:
    """This loop's scorer for ``settings`` (verl's reward worker runs one loop per process).

    Verifiers hold connections and subprocesses bound to the loop that made them, so a
    second loop in the same process gets its own.
    """
    key = (settings, asyncio.get_running_loop())
    scorer = _scorers.get(key)
    if scorer is None:
        for stale in [k for k in _scorers if k[1].is_closed()]:
            del _scorers[stale]
        options = verifier_settings(settings.verifier, ray_running=_ray_running())
        if options.simulated:
            _logger.warning(
                "kimina reward: Lean is SIMULATED by the stand-in REPL (reward_kwargs.backend="
                "standin); no verdict is checked by Lean. Set LEAN_SERVER_API_URL or "
                "reward_kwargs.project_dir for real checks."
            )
        scorer = Scorer(
            open_verifier(options),
            RewardConfig(
                format_score=settings.format_score,
                verify_format_failures=settings.verify_format_failures,
            ),
        )
        _scorers[key] = scorer
    return scorer


def _prefix(settings: RewardKwargs) -> str:
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
    settings = RewardKwargs.from_kwargs(reward_kwargs)
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
