"""verl's dataset with error-correction turns: ``data.custom_cls.path=pkg://kimina_prover_rl.verl.dataset``.

:class:`CorrectionDataset` is verl's ``RLHFDataset`` plus a
:class:`~kimina_prover_rl.reward.CorrectionCache`. The trainer's step hook adds each
step's failed answers to the cache; when the data loader asks for a row, a share
``data.correction.rate`` of the slots is served from the cache instead (the replaced
first-turn row is skipped this epoch). A served correction is the very item verl built
for that slot with its fields replaced by :func:`~kimina_prover_rl.reward.correction_row`,
so its keys are exactly a normal item's and batches collate. A correction whose prompt,
rendered with the chat template, is longer than ``data.max_prompt_length`` tokens is
dropped and counted (``correction/skipped/prompt_too_long``): verl would cut its start.

The cache is saved with verl's checkpoints: ``StatefulDataLoader`` stores the dataset's
:meth:`~CorrectionDataset.state_dict` in ``data.pt`` and restores it on resume.

Settings: ``data.correction``, read into :class:`~kimina_prover_rl.reward.CorrectionSettings`
(its fields, all optional; unknown keys refused: :func:`correction_settings`). The cache
lives in the trainer process, so ``data.dataloader_num_workers`` must be 0 (worker
processes would each hold a copy the hook never reaches); the constructor refuses
anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from verl.utils.dataset.rl_dataset import RLHFDataset

from kimina_prover_rl._schema import settings_from_mapping
from kimina_prover_rl.data import (
    PromptRow,
)
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.reward import (
    CorrectionCache,
    CorrectionPrompt,
    CorrectionSettings,
    SkipReason,
    correction_row,
)
from kimina_prover_rl.verl.prompt_length import prompt_tokens
from kimina_prover_rl.verl.think import check_think_survives

__all__ = ["CorrectionDataset", "correction_settings"]


class _BudgetedCache(CorrectionCache):
    """A correction cache that counts a prompt over the budget as ``prompt_too_long``.

    The check sits in the cache so that whoever fills it (the dataset's ``add`` or
    ``reward.finish_step`` from the trainer's hook) drops the same prompts.
    """

    def __init__(
        self, settings: CorrectionSettings, *, fits: Callable[[CorrectionPrompt], bool]
    ) -> None:
        super().__init__(settings)
        self._fits = fits

    def add(self, item: CorrectionPrompt | SkipReason) -> bool:
        """Store a correction that fits (True); count it, or why there is none (False)."""
        if isinstance(item, CorrectionPrompt) and not self._fits(item):
            item = SkipReason.PROMPT_TOO_LONG
        return super().add(item)


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
        self.cache: CorrectionCache = _BudgetedCache(
            correction_settings(config), fits=lambda prompt: not self.too_long(prompt)
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
        """Store a correction (True) or count why a sample was skipped (False).

        A correction over the prompt budget is counted as ``prompt_too_long``, not stored.
        """
        return self.cache.add(item)

    def too_long(self, prompt: CorrectionPrompt) -> bool:
        """Whether ``prompt`` renders to more than ``data.max_prompt_length`` tokens."""
        length = prompt_tokens(self.tokenizer, prompt.messages, self.apply_chat_template_kwargs)
        return length > int(self.max_prompt_length)

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


def correction_settings(data_config: Any) -> CorrectionSettings:
    """``data.correction`` of verl's ``data`` config as settings (unknown keys refused)."""
    raw = data_config.get("correction") or {}
    if not (isinstance(raw, Mapping) or hasattr(raw, "items")):
        raise ConfigError(
            f"data.correction={raw!r} must be a mapping of CorrectionSettings fields "
            "(rate, max_turns, max_feedback_chars, capacity, seed, template)"
        )
    return settings_from_mapping(CorrectionSettings, dict(raw.items()), where="data.correction")
