"""The step hook, on verl's own data path: TransferQueue, agent loop worker, reward workers.

One training step without the GPU part: the dataset's first batch goes through verl's
TransferQueue agent loop worker (a scripted LLM instead of vLLM) whose reward comes from
verl's reward loop worker running our reward; the trainer's hook reads the finished batch
back from TransferQueue, and the next batch the data loader yields holds the corrections.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.data.prepare import TRAIN_FILE
from kimina_prover_rl.lean import VerdictStatus
from kimina_prover_rl.verl.dataset import CorrectionDataset
from kimina_prover_rl.verl.main import install_trainer
from kimina_prover_rl.verl.trainer import CorrectionTrainer, feed_corrections
from tests.verl import _answers
from tests.verl._config import standin_config
from tests.verl._fake_llm import ScriptedLLM

pytestmark = [
    pytest.mark.slow,
    # torchdata touches a deprecated torch attribute when a loader is built (verl does too).
    pytest.mark.filterwarnings("ignore:'set_vital' is deprecated:UserWarning"),
]


def test_the_trainer_takes_verls_sync_slot() -> None:
    from verl.trainer.ppo.v1 import get_trainer_cls
    from verl.trainer.ppo.v1.trainer_base import TRAINER_REGISTRY

    original = TRAINER_REGISTRY["sync"]
    try:
        assert install_trainer("kimina_prover_rl.verl.trainer.CorrectionTrainer") is (
            CorrectionTrainer
        )
        assert get_trainer_cls("sync") is CorrectionTrainer
        assert "kimina" not in " ".join(TRAINER_REGISTRY)  # no new mode was registered
    finally:
        TRAINER_REGISTRY["sync"] = original


async def test_failed_answers_of_a_step_are_in_the_next_batch(
    ray_session: Any, qwen3_dir: Path, qwen3_tokenizer: Any, prompt_set: Path, tmp_path: Path
) -> None:
    import numpy as np
    import transfer_queue as tq
    from torchdata.stateful_dataloader import StatefulDataLoader
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker
    from verl.trainer.ppo.v1 import AgentLoopWorkerTQ
    from verl.utils import tensordict_utils as tu
    from verl.utils.dataset.rl_dataset import collate_fn

    config = standin_config(
        qwen3_dir,
        prompt_set,
        tmp_path / "verl-cache",
        "data.correction.rate=1.0",
        "actor_rollout_ref.rollout.n=2",
    )
    dataset = CorrectionDataset(
        data_files=[str(prompt_set / TRAIN_FILE)], tokenizer=qwen3_tokenizer, config=config.data
    )
    loader = StatefulDataLoader(dataset, batch_size=4, num_workers=0, collate_fn=collate_fn)
    batches = iter(loader)
    first = next(batches)
    statements = [e["formal_statement"] for e in first["extra_info"]]
    s0, s1, s2, s3 = statements
    llm = ScriptedLLM(
        qwen3_tokenizer,
        first={
            s0: _answers.valid(s0),
            s1: _answers.lean_error(s1),
            s2: _answers.no_think(s2),
            s3: _answers.with_sorry(s3),
        },
    )

    tq.init(config.transfer_queue)
    reward_worker = None
    try:
        import ray

        reward_worker = ray.remote(RewardLoopWorker).options(num_cpus=0).remote(config, None)
        worker_cls = AgentLoopWorkerTQ.__ray_metadata__.modified_class
        worker = worker_cls(config, llm_client=llm, reward_loop_worker_handles=[reward_worker])

        # What PPOTrainer._submit_batch_to_rollout does with a dataloader batch.
        uids = [str(uuid.uuid4()) for _ in range(4)]
        first["uid"] = np.array(uids, dtype=object)
        batch = tu.get_tensordict(first)
        tu.assign_non_tensor_data(batch, "global_steps", 1)
        tags = [{"is_prompt": True, "status": "pending", "global_steps": 1} for _ in uids]
        tq.kv_batch_put(keys=uids, partition_id="train", tags=tags)
        await worker.generate_sequences(batch)
        await asyncio.gather(*list(worker.background_tasks))

        keys = [f"{uid}_{session}_0" for uid in uids for session in range(2)]
        meta = tq.KVBatchMeta(partition_id="train", keys=keys, tags=[{} for _ in keys])
        trainer = object.__new__(CorrectionTrainer)  # the GPU part of the trainer is not built
        trainer.tokenizer = qwen3_tokenizer
        answers = trainer.finished_answers(meta)
        metrics = feed_corrections(dataset, answers)
    finally:
        if reward_worker is not None:
            ray.kill(reward_worker)
        tq.close()

    assert [a.scored.status for a in answers] == [
        VerdictStatus.VALID,
        VerdictStatus.VALID,
        VerdictStatus.LEAN_ERROR,
        VerdictStatus.LEAN_ERROR,
        None,
        None,
        VerdictStatus.SORRY,
        VerdictStatus.SORRY,
    ]
    assert metrics["reward/acc/turn1"] == 0.25
    assert metrics["verdict/lean_error"] == 2.0
    assert metrics["format/missing_think"] == 0.25
    assert metrics["correction/added"] == 4.0
    assert metrics["correction/skipped/valid"] == 2.0
    assert metrics["correction/skipped/no_feedback"] == 2.0
    assert metrics["response/length_mean"] > 0

    later = next(batches)
    assert [e["turn"] for e in later["extra_info"]] == [2, 2, 2, 2]
    corrected = [e["formal_statement"] for e in later["extra_info"]]
    assert corrected == [s1, s1, s3, s3]
    revisions = [messages[-1]["content"] for messages in later["raw_prompt"]]
    assert "linarith failed" in revisions[0]
    assert all(messages[-2]["role"] == "assistant" for messages in later["raw_prompt"])
    assert dataset.cache.stats()["drawn"] == 4
