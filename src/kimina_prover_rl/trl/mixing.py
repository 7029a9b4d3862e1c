"""Serving cached error-correction prompts in place of fresh prompts in a TRL batch.

TRL hands the trainer a generation batch in which each prompt appears ``num_generations``
times in a row (its ``RepeatSampler``). :func:`mix_corrections` draws from the
:class:`~kimina_prover_rl.reward.CorrectionCache` one decision per prompt group (the cache's
``rate``) and replaces the last groups of the batch with correction rows
(:func:`~kimina_prover_rl.reward.correction_row`), each repeated for the whole group, so
GRPO compares the answers to one correction with each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.reward import CorrectionCache, correction_row

__all__ = ["mix_corrections"]


def mix_corrections(
    inputs: Sequence[dict[str, Any]], cache: CorrectionCache, group_size: int
) -> list[dict[str, Any]]:
    """``inputs`` with some prompt groups replaced by cached corrections (a new list).

    A replacing row keeps the replaced row's other columns, so any dataset's rows collate.
    """
    if group_size < 1 or len(inputs) % group_size:
        raise ConfigError(
            f"a batch of {len(inputs)} rows cannot be split into groups of {group_size}: "
            "the batch size must be a multiple of num_generations"
        )
    groups = len(inputs) // group_size
    drawn = cache.draw(groups)
    out = list(inputs)
    for offset, prompt in enumerate(drawn):
        start = (groups - len(drawn) + offset) * group_size
        row = correction_row(prompt)
        for i in range(start, start + group_size):
            out[i] = {**inputs[i], **row}
    return out
