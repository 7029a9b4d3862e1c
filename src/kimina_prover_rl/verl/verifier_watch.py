"""Stop training on a dead verifier: too many infrastructure failures, step after step.

When the Lean server or the REPL pools fail, every answer scores 0 with
``infra_failure=1``: advantages are all zero and the run burns GPU hours learning nothing,
with only a metric to show it. :class:`VerifierWatch` counts the steps in a row whose
share of infrastructure failures exceeds ``max_infra_share``; after ``steps`` of them the
trainer saves a checkpoint and stops with :class:`~kimina_prover_rl.errors.BackendError`.
Settings: ``kimina.dead_verifier.{max_infra_share,steps}`` (``steps: 0`` turns it off).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.reward import ScoredSample

__all__ = ["VerifierWatch", "describe_verifier"]


@dataclass(slots=True)
class VerifierWatch:
    """Counts consecutive steps whose infrastructure-failure share is over the threshold."""

    max_infra_share: float = 0.5
    """A step is bad when more than this share of its answers are infrastructure failures."""
    steps: int = 3
    """Bad steps in a row that stop training (0: never stop)."""
    bad_steps: int = field(default=0, init=False)
    last_error: str = field(default="", init=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_infra_share < 1.0:
            raise ConfigError(
                f"kimina.dead_verifier.max_infra_share={self.max_infra_share!r}: give a share "
                "in [0, 1), e.g. 0.5"
            )
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 0:
            raise ConfigError(
                f"kimina.dead_verifier.steps={self.steps!r}: give an integer >= 0 (0 disables)"
            )

    @classmethod
    def from_config(cls, node: Mapping[str, Any] | None) -> VerifierWatch:
        """The watch from ``kimina.dead_verifier`` (defaults for missing keys)."""
        settings = dict(node or {})
        unknown = sorted(set(settings) - {"max_infra_share", "steps"})
        if unknown:
            raise ConfigError(
                f"unknown kimina.dead_verifier keys {', '.join(unknown)}; "
                "use max_infra_share, steps"
            )
        return cls(
            max_infra_share=float(settings.get("max_infra_share", 0.5)),
            steps=settings.get("steps", 3),
        )

    def observe(self, scored: Sequence[ScoredSample]) -> bool:
        """Take one step's scored answers; True when training must stop."""
        failed = [s for s in scored if s.infra_failure]
        if failed:
            last = failed[-1]
            status = "" if last.status is None else last.status.value
            self.last_error = f"{status}: {last.detail or last.feedback or ''}".strip(": ")
        share = len(failed) / len(scored) if scored else 0.0
        self.bad_steps = self.bad_steps + 1 if share > self.max_infra_share else 0
        return self.steps > 0 and self.bad_steps >= self.steps


def describe_verifier(reward_kwargs: Mapping[str, Any]) -> str:
    """The verifier ``reward_kwargs`` points at, for an error message (never the API key)."""
    backend = str(reward_kwargs.get("backend", "auto"))
    where = (
        reward_kwargs.get("url")
        or reward_kwargs.get("project_dir")
        or os.environ.get("LEAN_SERVER_API_URL", "")
    )
    return f"backend={backend}" + (f" at {where}" if where else "")
