"""verl's dataset with error-correction turns: ``data.custom_cls.path=pkg://kimina_prover_rl.verl.dataset``.

:class:`CorrectionDataset` is verl's ``RLHFDataset`` plus a
:class:`~kimina_prover_rl.reward.CorrectionCache`. The trainer's step hook adds each
step's failed answers to the cache; when the data loader asks for a row, a share
``data.correction.rate`` of the slots is served from the cache instead (the replaced
first-turn row is skipped this epoch). A served correction is the very item verl built
for that slot with its fields replaced by :func:`~kimina_prover_rl.reward.correction_row`,
so its keys are exactly a normal item's and batches collate.

The cache is saved with verl's checkpoints: ``StatefulDataLoader`` stores the dataset's
:meth:`~CorrectionDataset.state_dict` in ``data.pt`` and restores it on resume.

Settings (``data.correction``, all optional): ``rate`` (0.5), ``capacity`` (4096),
``seed`` (0), ``max_turns`` (2), ``max_feedback_chars`` (3000). The cache lives in the
trainer process, so ``data.dataloader_num_workers`` must be 0 (worker processes would each
hold a copy the hook never reaches); the constructor refuses anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verl.utils.dataset.rl_dataset import RLHFDataset

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.reward import (
    CorrectionCache,
    CorrectionConfig,
    CorrectionPrompt,
    PromptRow,
    SkipReason,
    correction_row,
)
from kimina_prover_rl.verl.think import check_think_survives

__all__ = ["CorrectionDataset"]

_SETTINGS = ("rate", "capacity", "seed", "max_turns", "max_feedback_chars")


class CorrectionDataset(RLHFDataset):
    """``RLHFDataset`` that mixes cached error-correction rows into the batches it serves."""

    def __init__(
        self,
        data_files: str | list[str],
        tokenizer: Any,
        config: Any,
        processor: Any = None,
        max_samples: int = -1,
    ) -> None:
        settings = _settings(config)
        self.cache = CorrectionCache(
            capacity=settings.get("capacity", 4096),
            rate=settings.get("rate", 0.5),
            seed=settings.get("seed", 0),
        )
        self.correction_config = CorrectionConfig(
            max_turns=settings.get("max_turns", 2),
            max_feedback_chars=settings.get("max_feedback_chars", 3000),
        )
        workers = config.get("dataloader_num_workers", 0)
        if workers and self.cache.rate > 0:
            raise ConfigError(
                f"data.dataloader_num_workers={workers}: error-correction rows live in the "
                "trainer process, which loader workers never see; set data.dataloader_num_workers=0"
                " (or data.correction.rate=0 to train without corrections)"
            )
        check_think_survives(tokenizer)
        self.agent_name: str | None = None
        super().__init__(
            data_files=data_files,
            tokenizer=tokenizer,
            config=config,
            processor=processor,
            max_samples=max_samples,
        )

    def __getitem__(self, item: int) -> dict[str, Any]:
        """verl's item for ``item``, or a cached correction in its place."""
        row: dict[str, Any] = super().__getitem__(item)  # type: ignore[no-untyped-call]
        drawn = self.cache.draw(1)
        if drawn:
            row = self._as_item(row, correction_row(drawn[0]))
        if self.agent_name is not None:
            row["agent_name"] = self.agent_name
        return row

    def add(self, item: CorrectionPrompt | SkipReason) -> bool:
        """Store a correction (True) or count why a sample was skipped (False)."""
        return self.cache.add(item)

    def state_dict(self) -> dict[str, Any]:
        """The cache and counters, saved by ``StatefulDataLoader`` into verl's checkpoint."""
        return {"cache": self.cache.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` (called by ``StatefulDataLoader`` on resume)."""
        self.cache.load_state_dict(state["cache"])

    def _as_item(self, item: dict[str, Any], row: PromptRow) -> dict[str, Any]:
        """``item`` with the fields a correction row changes; raises if keys would differ."""
        fields = {
            **row,
            self.prompt_key: row["prompt"],
            "raw_prompt": row["prompt"],
            "index": row["extra_info"]["index"],
            "tools_kwargs": {},
            "interaction_kwargs": {},
        }
        unknown = sorted(set(fields) - set(item))
        if unknown:
            raise ConfigError(
                f"correction rows carry {', '.join(unknown)} that the prepared data lacks: "
                "train on data written by `kimina-rl prepare`"
            )
        return {**item, **fields}


def _settings(config: Any) -> dict[str, Any]:
    raw = config.get("correction") or {}
    settings = dict(raw.items()) if isinstance(raw, Mapping) or hasattr(raw, "items") else None
    if settings is None:
        raise ConfigError(f"data.correction={raw!r} must be a mapping of {', '.join(_SETTINGS)}")
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        raise ConfigError(
            f"unknown data.correction keys {', '.join(unknown)}; use {', '.join(_SETTINGS)}"
        )
    return settings
