"""``CorrectionTrainer.step`` run by verl 0.9.1's own sync trainer code, on CPU.

verl's ``PPOTrainer.step`` does everything here: it fetches the batch from our dataset,
submits it through TransferQueue to verl's ``AgentLoopWorkerTQ`` (a scripted LLM instead of
vLLM) whose reward comes from verl's ``RewardLoopWorker`` running our reward, samples it
from verl's replay buffer, balances it, computes GRPO advantages and calls the actor
update. Only what needs a GPU is replaced (tests/verl/_gpu_fakes.py): the FSDP actor's
log-probabilities and update, and the vLLM replicas' weight sync.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kimina_prover_rl.data.prepare import TRAIN_FILE
from kimina_prover_rl.verl.trainer import CorrectionTrainer
from tests.verl import _answers
from tests.verl._config import standin_config
from tests.verl._fake_llm import ScriptedLLM
from tests.verl._gpu_fakes import CpuActorWorkers, InlineAgentLoops, NoReplicas

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    # torchdata touches a deprecated torch attribute when verl builds its loaders.
    pytest.mark.filterwarnings("ignore:'set_vital' is deprecated:UserWarning"),
]


def test_corrections_from_one_step_are_served_in_the_next(
    ray_session: Any, qwen3_dir: Path, qwen3_tokenizer: Any, prompt_set: Path, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq
    import ray
    import transfer_queue as tq
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker
    from verl.trainer.ppo.v1 import AgentLoopWorkerTQ

    config = standin_config(
        qwen3_dir,
        prompt_set,
        tmp_path / "verl-cache",
        "data.correction.rate=1.0",
        "data.shuffle=False",  # the first four rows, which the script answers first
        "data.train_batch_size=4",
        "actor_rollout_ref.rollout.n=2",
        "actor_rollout_ref.actor.ppo_mini_batch_size=4",
        "trainer.n_gpus_per_node=1",
    )
    rows = pq.read_table(prompt_set / TRAIN_FILE).to_pylist()[:4]
    s0, s1, s2, s3 = (r["extra_info"]["formal_statement"] for r in rows)
    llm = ScriptedLLM(
        qwen3_tokenizer,
        first={
            s0: _answers.valid(s0),
            s1: _answers.lean_error(s1),  # corrected at step 2
            s2: _answers.no_think(s2),  # format error: no feedback, no correction
            s3: _answers.with_sorry(s3),  # corrected at step 2
        },
        second={s1: _answers.valid(s1), s3: _answers.valid(s3)},
    )
    tq.init(config.transfer_queue)
    loop = asyncio.new_event_loop()
    reward_worker = None
    try:
        reward_worker = ray.remote(RewardLoopWorker).options(num_cpus=0).remote(config, None)
        trainer = CorrectionTrainer(config)  # verl's constructor: replay buffer, checkpointing
        trainer._init_tokenizer()
        trainer._init_dataloader()  # ours, on verl's: the correction dataset
        worker = AgentLoopWorkerTQ.__ray_metadata__.modified_class(
            config, llm_client=llm, reward_loop_worker_handles=[reward_worker]
        )
        trainer.agent_loop_manager = InlineAgentLoops(worker, loop)
        trainer.reward_loop_manager = SimpleNamespace(reward_loop_worker_handles=[reward_worker])
        trainer.actor_rollout_wg = actor = CpuActorWorkers()
        trainer.checkpoint_manager = replicas = NoReplicas()
        trainer.curr_step_profile = False

        steps = []
        for global_step in (1, 2):
            trainer.global_steps = global_step
            metrics: dict[str, Any] = {}
            batch = trainer.step(metrics, {})  # verl's PPOTrainer.step + our hook
            steps.append(metrics)
            tq.kv_clear(keys=batch.keys, partition_id=batch.partition_id)  # as fit() does
    finally:
        if reward_worker is not None:
            ray.kill(reward_worker)
        loop.close()
        tq.close()

    first, second = steps
    assert first["reward/acc/turn1"] == 0.25
    assert first["correction/added"] == 4.0  # s1 and s3, two samples each
    assert first["correction/skipped/valid"] == 2.0
    assert first["correction/skipped/no_feedback"] == 2.0
    assert "actor/pg_loss" in first  # verl ran the actor update on the step's batch
    assert replicas.calls == ["sleep", "sleep"]  # verl's sync trainer slept vLLM per step

    # Step 2's batch is the four corrections: the revision prompts went to the LLM, and
    # the answers were scored as second turns.
    revisions = [p for p in llm.prompts if llm.revision_marker in p]
    assert len(revisions) == 4 * 2  # four correction rows, rollout.n = 2
    assert any(s1 in p for p in revisions)
    assert any(s3 in p for p in revisions)
    assert not any(s2 in p or s0 in p for p in revisions)
    assert second["reward/acc/turn2"] == 1.0
    assert second["correction/drawn"] == 4.0
    # GRPO without std normalisation: step 1's groups are all-equal (advantage 0), and
    # step 2's corrected answers all succeeded (advantage 0 too); verl computed them.
    assert [len(a) for a in actor.advantages] == [8, 8]
