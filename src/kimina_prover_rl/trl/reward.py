"""The TRL reward function: the project's scorer, then the step's end shared with verl.

TRL calls a reward function with ``prompts``, ``completions``, ``completion_ids`` and every
dataset column as keyword arguments (``extra_info``, ``data_source``, ...), one entry per
completion. :class:`LeanReward` reads each row with
:meth:`~kimina_prover_rl.reward.Sample.from_row`, scores the batch, and hands the scored
answers to :func:`~kimina_prover_rl.reward.finish_step` (failed answers become corrections
in the :class:`~kimina_prover_rl.reward.CorrectionCache`; the step's metrics are kept for
the run's log), as verl's step hook does. An answer whose check failed for infrastructure
reasons gets ``None``: TRL leaves it out of the advantage, so the model is never punished
for a broken verifier.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from kimina_prover_rl.data import (
    row_turn,
)
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.reward import (
    CorrectionCache,
    CorrectionSettings,
    FinishedAnswer,
    Sample,
    Scorer,
    finish_step,
)

__all__ = ["LeanReward"]


class LeanReward:
    """An async TRL reward function (``reward_funcs=[LeanReward(...)]``) over a :class:`Scorer`.

    TRL's ``GRPOTrainer`` awaits async reward functions on its own background loop, so the
    scorer's verifier lives on that loop; :meth:`close` closes it there once training is
    over. After each call, :attr:`metrics` holds that batch's metrics (reward, format
    errors by type, verdicts, accuracy by turn, response length in tokens, cache counters).
    """

    __name__ = "lean_reward"

    def __init__(
        self,
        scorer: Scorer,
        cache: CorrectionCache,
        *,
        correction: CorrectionSettings | None = None,
    ) -> None:
        self.scorer = scorer
        self.cache = cache
        self.correction = correction or CorrectionSettings()
        self.metrics: dict[str, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(
        self,
        prompts: Sequence[Sequence[Mapping[str, str]] | str],
        completions: Sequence[Sequence[Mapping[str, str]] | str],
        completion_ids: Sequence[Sequence[int]] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        extra_infos = columns.get("extra_info")
        if extra_infos is None or len(extra_infos) != len(completions):
            raise InputError(
                "the TRL dataset has no 'extra_info' column with formal_statement and turn: "
                "build it from `kimina-rl prepare` output or the built-in problem set"
            )
        rows = [
            {
                "data_source": _column(columns, "data_source", i, "correction"),
                "ability": _column(columns, "ability", i, "theorem_proving"),
                "prompt": [] if isinstance(prompt, str) else list(prompt),
                "extra_info": extra_infos[i],
            }
            for i, prompt in enumerate(prompts)
        ]
        responses = [_text(c) for c in completions]
        samples = [Sample.from_row(row, r) for row, r in zip(rows, responses, strict=True)]
        self._loop = asyncio.get_running_loop()
        scored = await self.scorer.score_batch(samples)
        lengths = (
            [len(ids) for ids in completion_ids]
            if completion_ids is not None
            else [len(r) for r in responses]
        )
        answers = [
            FinishedAnswer(row, sample, result, turn=row_turn(row), length=length)
            for row, sample, result, length in zip(rows, samples, scored, lengths, strict=True)
        ]
        self.metrics = finish_step(self.cache, answers, config=self.correction)
        return [None if s.infra_failure else s.score for s in scored]

    def close(self) -> None:
        """Close the scorer's verifier on the loop the reward ran on (TRL's, still running
        after ``train``), or on a loop of its own if it never ran. Call it from outside
        that loop, once training is over."""
        loop, self._loop = self._loop, None
        if loop is None:
            asyncio.run(self._aclose())
        elif loop.is_running():
            asyncio.run_coroutine_threadsafe(self._aclose(), loop).result()

    async def _aclose(self) -> None:
        await self.scorer.aclose()
        await self.scorer.verifier.aclose()


def _column(columns: Mapping[str, Any], name: str, index: int, default: str) -> str:
    values = columns.get(name)
    return default if values is None else str(values[index])


def _text(completion: Sequence[Mapping[str, str]] | str) -> str:
    """The assistant's text from TRL's conversational (or plain) completion."""
    if isinstance(completion, str):
        return completion
    return "".join(str(m.get("content", "")) for m in completion)
