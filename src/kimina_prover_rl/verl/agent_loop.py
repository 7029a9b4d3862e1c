"""Validation with a second turn: accuracy before and after error correction.

:class:`CorrectionAgentLoop` is a verl agent loop (registered as ``kimina_correction`` by
``config/agent_loops.yaml``; validation rows select it through ``agent_name``). Per row::

    generate ─► score (our reward) ─► valid? ─ yes ─► acc_after_ec = 1
                                     └─ no: the failed answer + Lean feedback become the
                                        next user turn ─► generate ─► score ─► acc_after_ec

It returns the *first* answer with its reward, so verl's ``val-core/<source>/acc/...``
is the first-turn accuracy (``best@k`` is the reference's "before error correction"), and
``reward_extra_info`` adds ``acc_after_ec`` / ``score_after_ec`` (logged by verl's
unchanged ``_validate`` as ``val-aux/<source>/acc_after_ec/...``, "after") and
``ec_attempted`` (1.0 when a second turn ran) and ``ec_prompt_too_long`` (1.0 when the
correction prompt exceeded ``data.max_prompt_length`` tokens and was dropped, as training
drops it). An answer that cannot be corrected (an infrastructure failure, no proof, no
feedback, a prompt over the budget) keeps its first-turn result.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

from verl.experimental.agent_loop.agent_loop import (
    AgentLoopBase,
    AgentLoopMetrics,
    AgentLoopOutput,
)

from kimina_prover_rl.reward import (
    CorrectionPrompt,
    FinishedAnswer,
    RewardRecord,
    next_turn,
)
from kimina_prover_rl.verl.dataset import correction_settings
from kimina_prover_rl.verl.reward import compute_score
from kimina_prover_rl.verl.think import response_prefix

__all__ = ["CorrectionAgentLoop"]


class CorrectionAgentLoop(AgentLoopBase):
    """Generate, verify, and on failure generate once more with Lean's feedback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.response_length = int(self.rollout_config.response_length)
        reward = self.config.reward.custom_reward_function
        self.reward_kwargs = dict(reward.get("reward_kwargs") or {})
        self.correction_config = correction_settings(self.config.data)
        self.prefix = response_prefix(self.tokenizer, self.apply_chat_template_kwargs)
        self.max_prompt_length = int(self.config.data.max_prompt_length)

    async def run(self, sampling_params: dict[str, Any], **kwargs: Any) -> AgentLoopOutput:
        """One validation row: the first answer's output, with before/after metrics."""
        messages = [dict(m) for m in kwargs["raw_prompt"]]
        self._timing = {"generate_sequences": 0.0, "compute_score": 0.0}
        prompt_ids = await self.ct_build_initial_tokens(messages)
        response_ids, fields = await self._generate(prompt_ids, sampling_params)
        text = await self._decode(response_ids)
        record = await self._score(kwargs, text)
        after, attempted, too_long = record, 0.0, 0.0
        if record["acc"] < 1.0:
            row = {k: kwargs.get(k) for k in ("data_source", "ability", "extra_info")}
            answer = FinishedAnswer.from_record(row, self.prefix + text, record)
            turn = next_turn(answer, self.correction_config)
            second_prompt: list[int] = []
            if isinstance(turn, CorrectionPrompt):
                second_prompt = list(await self.ct_build_initial_tokens(list(turn.messages)))
                too_long = float(len(second_prompt) > self.max_prompt_length)
            if isinstance(turn, CorrectionPrompt) and not too_long:
                second_ids, _ = await self._generate(second_prompt, sampling_params)
                second_text = await self._decode(second_ids)
                extra = {**dict(kwargs.get("extra_info") or {}), "turn": turn.turn}
                after, attempted = (
                    await self._score({**kwargs, "extra_info": extra}, second_text),
                    1.0,
                )
        info = {
            **record,
            "acc_after_ec": float(max(record["acc"], after["acc"])),
            "score_after_ec": float(max(record["score"], after["score"])),
            "ec_attempted": attempted,
            "ec_prompt_too_long": too_long,
        }
        return AgentLoopOutput(
            prompt_ids=list(prompt_ids),
            response_ids=response_ids[: self.response_length],
            response_mask=[1] * min(len(response_ids), self.response_length),
            reward_score=float(record["score"]),
            num_turns=2 + 2 * int(attempted),
            metrics=AgentLoopMetrics(
                generate_sequences=self._timing["generate_sequences"],
                compute_score=self._timing["compute_score"],
            ),
            extra_fields={
                **fields,
                "reward_extra_info": info,
                "turn_scores": [],
                "tool_rewards": [],
            },
        )

    async def _generate(
        self, prompt_ids: list[int], sampling_params: dict[str, Any]
    ) -> tuple[list[int], dict[str, Any]]:
        started = time.perf_counter()
        output = await self.server_manager.generate(
            request_id=uuid4().hex, prompt_ids=prompt_ids, sampling_params=sampling_params
        )
        self._timing["generate_sequences"] += time.perf_counter() - started
        return list(output.token_ids), dict(output.extra_fields or {})

    async def _decode(self, ids: list[int]) -> str:
        tokenizer: Any = self.tokenizer
        text: str = await self.loop.run_in_executor(
            None, lambda: tokenizer.decode(ids, skip_special_tokens=True)
        )
        return text

    async def _score(self, fields: dict[str, Any], text: str) -> RewardRecord:
        reward_model = fields.get("reward_model") or {}
        started = time.perf_counter()
        try:
            return await self._compute(fields, text, reward_model)
        finally:
            self._timing["compute_score"] += time.perf_counter() - started

    async def _compute(
        self, fields: dict[str, Any], text: str, reward_model: dict[str, Any]
    ) -> RewardRecord:
        return await compute_score(
            data_source=str(fields.get("data_source")),
            solution_str=text,
            ground_truth=str(reward_model.get("ground_truth", "")),
            extra_info=fields.get("extra_info") or {},
            **self.reward_kwargs,
        )
