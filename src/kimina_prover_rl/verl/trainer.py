"""The trainer step hook: each step's failed answers become error-correction prompts.

verl 0.9.1's v1 trainer never calls the dataset's ``on_batch_end``. :class:`CorrectionTrainer`
is verl's ``PPOTrainerSync`` whose :meth:`~CorrectionTrainer.step` runs verl's step
unchanged, then reads the finished batch back from TransferQueue and hands every answer
to :func:`feed_corrections`::

    PPOTrainerSync.step ─► finished batch (TransferQueue keys)
        └─ kv_batch_get: data_source, ability, extra_info, responses, reward records
             └─ FinishedAnswer.from_record ─► feed_corrections ─► reward.finish_step
                  ├─ corrections ─► the dataset's cache ─► next step's batch
                  └─► step metrics (reward/…, format/…, verdict/…, correction/…)

In sync mode the next step's batch is fetched after this hook, so a failure at step ``t``
can be corrected at step ``t + 1``. The hook also watches the verifier
(:class:`~kimina_prover_rl.verl.verifier_watch.VerifierWatch`): after too many steps of
infrastructure failures in a row it saves a checkpoint and stops training. It is
installed as verl's ``sync`` trainer by ``kimina_prover_rl.verl.main``'s task runner;
validation rows are routed to the ``kimina.val_agent_loop`` agent loop here, when the
datasets are built.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from verl.trainer.ppo.v1.trainer_sync import PPOTrainerSync

from kimina_prover_rl.errors import BackendError, ConfigError
from kimina_prover_rl.reward import FinishedAnswer, finish_step
from kimina_prover_rl.verl.dataset import CorrectionDataset
from kimina_prover_rl.verl.think import response_prefix
from kimina_prover_rl.verl.verifier_watch import VerifierWatch, describe_verifier

__all__ = ["CorrectionTrainer", "feed_corrections"]

_logger = logging.getLogger(__name__)
_FIELDS = ["data_source", "ability", "extra_info", "responses", "extra_fields"]


def feed_corrections(
    dataset: CorrectionDataset, answers: Sequence[FinishedAnswer]
) -> dict[str, float]:
    """Add every failed answer's next turn to ``dataset``'s cache; return the step metrics."""
    return finish_step(dataset.cache, answers, config=dataset.cache.settings)


class CorrectionTrainer(PPOTrainerSync):
    """verl's sync v1 trainer plus the error-correction step hook and validation routing."""

    def _init_dataloader(self) -> None:
        super()._init_dataloader()  # type: ignore[no-untyped-call]
        if not isinstance(self.train_dataset, CorrectionDataset):
            raise ConfigError(
                f"data.custom_cls builds {type(self.train_dataset).__name__}, but the kimina "
                "trainer needs kimina_prover_rl.verl.dataset.CorrectionDataset; keep "
                "data.custom_cls.path=pkg://kimina_prover_rl.verl.dataset"
            )
        if self.steps_per_epoch == 0:
            raise ConfigError(
                f"{len(self.train_dataset)} training prompts remain after verl's filtering "
                f"(data.filter_overlong_prompts), fewer than data.train_batch_size="
                f"{self.config.data.train_batch_size}: 0 steps per epoch. Prepare more prompts "
                "or lower data.train_batch_size (TRAIN_BATCH in the recipes)"
            )
        self.verifier_watch = VerifierWatch.from_config(self.config.kimina.get("dead_verifier"))
        agent = self.config.kimina.get("val_agent_loop")
        if agent and isinstance(self.val_dataset, CorrectionDataset):
            self.val_dataset.agent_name = str(agent)
        self._response_prefix = response_prefix(
            self.tokenizer, self.config.data.get("apply_chat_template_kwargs") or {}
        )

    def step(self, metrics: dict[str, Any], timing_raw: dict[str, Any]) -> Any:
        """verl's step, then this step's answers go to the correction cache.

        Raises ``BackendError`` after saving a checkpoint when the verifier looks dead.
        """
        batch = super().step(metrics, timing_raw)
        answers = self.finished_answers(batch)
        metrics.update(feed_corrections(self.train_dataset, answers))
        if self.verifier_watch.observe([a.scored for a in answers]):
            self.stop_on_dead_verifier()
        return batch

    def stop_on_dead_verifier(self) -> None:
        """Save a checkpoint, then raise ``BackendError`` naming the verifier and its error."""
        watch = self.verifier_watch
        self._save_checkpoint()  # type: ignore[no-untyped-call]
        kwargs = self.config.reward.custom_reward_function.get("reward_kwargs") or {}
        raise BackendError(
            f"the Lean verifier ({describe_verifier(kwargs)}) failed for more than "
            f"{watch.max_infra_share:.0%} of the answers in {watch.bad_steps} steps in a row "
            f"(last error: {watch.last_error or 'none reported'}); training stopped after "
            f"saving the checkpoint of step {self.global_steps} in "
            f"{self.config.trainer.default_local_dir}. Fix the verifier (kimina-rl doctor) and "
            "resume; kimina.dead_verifier.steps=0 disables this stop"
        )

    def finished_answers(self, batch: Any) -> list[FinishedAnswer]:
        """The batch's non-padding answers, read back from TransferQueue."""
        import transfer_queue as tq  # type: ignore[import-untyped]

        keys = [
            key
            for key, tag in zip(batch.keys, batch.tags, strict=True)
            if not tag.get("is_padding", False)
        ]
        if not keys:
            return []
        data = tq.kv_batch_get(keys=keys, partition_id=batch.partition_id, select_fields=_FIELDS)
        return answers_from_fields(data, self.tokenizer, getattr(self, "_response_prefix", ""))


def answers_from_fields(data: Any, tokenizer: Any, prefix: str) -> list[FinishedAnswer]:
    """The step's answers from TransferQueue fields (decoded as verl's reward does)."""
    responses = data["responses"]
    lengths = [int(n) for n in responses.offsets().diff().tolist()]
    padded = responses.to_padded_tensor(padding=tokenizer.pad_token_id or 0)
    sources = _column(data, "data_source")
    abilities = _column(data, "ability")
    extras = _column(data, "extra_info")
    fields = _column(data, "extra_fields")
    answers = []
    for i, length in enumerate(lengths):
        record = fields[i].get("reward_extra_info") if isinstance(fields[i], Mapping) else None
        if not record:
            _logger.warning("answer %d of the step has no reward record; not cached", i)
            continue
        text = tokenizer.decode(padded[i][:length], skip_special_tokens=True)
        row = {"data_source": sources[i], "ability": abilities[i], "extra_info": extras[i]}
        answers.append(FinishedAnswer.from_record(row, prefix + text, record, length=length))
    return answers


def _column(data: Any, name: str) -> list[Any]:
    if name not in list(data.keys()):  # TensorDict refuses `in`
        return [None] * len(data)
    values = data[name]
    return list(values.tolist() if hasattr(values, "tolist") else values)
