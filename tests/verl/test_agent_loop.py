"""Validation with a second turn, through verl's AgentLoopWorker and its metric code."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kimina_prover_rl.data.prepare import VAL_FILE
from kimina_prover_rl.verl.dataset import CorrectionDataset
from kimina_prover_rl.verl.trainer import CorrectionTrainer
from tests.verl import _answers
from tests.verl._config import standin_config
from tests.verl._fake_llm import ScriptedLLM
from tests.verl._gpu_fakes import InlineAgentLoops

pytestmark = pytest.mark.slow


def val_batch(config: Any, tokenizer: Any, prompt_set: Path, repeat: int) -> tuple[Any, list[str]]:
    """Four validation rows, each ``repeat`` times (verl's val_kwargs.n), as verl collates them."""
    import numpy as np
    from verl.utils.dataset.rl_dataset import collate_fn

    from verl import DataProto

    dataset = CorrectionDataset(
        data_files=[str(prompt_set / VAL_FILE)], tokenizer=tokenizer, config=config.data
    )
    dataset.agent_name = str(config.kimina.val_agent_loop)
    items = [dataset[i] for i in range(4) for _ in range(repeat)]
    batch = collate_fn(items)
    uids = [f"row{i}" for i in range(4) for _ in range(repeat)]
    batch["uid"] = np.array(uids, dtype=object)
    proto = DataProto.from_single_dict(batch, meta_info={"validate": True, "global_steps": 0})
    return proto, [items[i * repeat]["extra_info"]["formal_statement"] for i in range(4)]


async def test_validation_logs_accuracy_before_and_after_error_correction(
    ray_session: Any, qwen3_dir: Path, qwen3_tokenizer: Any, prompt_set: Path, tmp_path: Path
) -> None:
    from verl.experimental.agent_loop.agent_loop import AgentLoopWorker
    from verl.trainer.ppo.v1.trainer_base import PPOTrainer

    config = standin_config(qwen3_dir, prompt_set, tmp_path / "verl-cache")
    proto, statements = val_batch(config, qwen3_tokenizer, prompt_set, repeat=2)
    s0, s1, s2, s3 = statements
    llm = ScriptedLLM(
        qwen3_tokenizer,
        first={
            s0: _answers.valid(s0),  # right at once
            s1: _answers.lean_error(s1),  # wrong, then corrected
            s2: _answers.lean_error(s2),  # wrong twice
            s3: _answers.no_think(s3),  # format error: nothing for Lean to explain
        },
        second={s1: _answers.valid(s1), s2: _answers.lean_error(s2)},
    )
    worker = AgentLoopWorker(config, llm_client=llm)
    output = await worker.generate_sequences(proto)

    extra = output.non_tensor_batch
    assert list(extra["acc"]) == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert list(extra["acc_after_ec"]) == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert list(extra["ec_attempted"]) == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    assert list(extra["ec_prompt_too_long"]) == [0.0] * 8
    second_turns = [p for p in llm.prompts if llm.revision_marker in p]
    assert len(second_turns) == 4
    assert all("linarith failed" in p for p in second_turns)

    # verl's own validation metric code (what v1 _validate calls) turns them into val-core/-aux.
    keys = output.meta_info["reward_extra_keys"]
    infos = {key: list(extra[key]) for key in keys}
    infos["reward"] = output.batch["rm_scores"].sum(dim=1).tolist()
    metrics = PPOTrainer._val_metrics_update(
        None,
        list(extra["data_source"]),
        list(extra["uid"]),
        infos,
        list(extra["__num_turns__"]),
    )
    source = extra["data_source"][0]
    assert metrics[f"val-core/{source}/acc/mean@2"] == 0.25
    assert metrics[f"val-aux/{source}/acc_after_ec/mean@2"] == 0.5
    assert metrics[f"val-aux/{source}/acc_after_ec/best@2/mean"] == 0.5
    assert metrics["val-aux/num_turns/max"] == 4


# torchdata touches a deprecated torch attribute when verl builds its loaders.
@pytest.mark.filterwarnings("ignore:'set_vital' is deprecated:UserWarning")
def test_verls_own_v1_validate_logs_before_and_after_accuracy(
    ray_session: Any, qwen3_dir: Path, qwen3_tokenizer: Any, prompt_set: Path, tmp_path: Path
) -> None:
    import transfer_queue as tq
    from verl.trainer.ppo.v1 import AgentLoopWorkerTQ

    config = standin_config(
        qwen3_dir,
        prompt_set,
        tmp_path / "verl-cache",
        "data.val_max_samples=4",
        "data.train_batch_size=8",  # the fixture's 8 training prompts: one step
        "data.shuffle=False",  # the first four rows, which the script answers
        "actor_rollout_ref.rollout.val_kwargs.n=2",
        "trainer.n_gpus_per_node=1",
    )
    import pyarrow.parquet as pq

    rows = pq.read_table(prompt_set / VAL_FILE).to_pylist()[:4]
    s0, s1, s2, s3 = (r["extra_info"]["formal_statement"] for r in rows)
    llm = ScriptedLLM(
        qwen3_tokenizer,
        first={
            s0: _answers.valid(s0),
            s1: _answers.lean_error(s1),
            s2: _answers.lean_error(s2),
            s3: _answers.no_think(s3),
        },
        second={s1: _answers.valid(s1), s2: _answers.lean_error(s2)},
    )
    tq.init(config.transfer_queue)
    loop = asyncio.new_event_loop()
    try:
        trainer = CorrectionTrainer(config)
        trainer._init_tokenizer()
        trainer._init_dataloader()  # ours: routes validation rows to the second-turn loop
        trainer.global_steps = 0
        worker = AgentLoopWorkerTQ.__ray_metadata__.modified_class(config, llm_client=llm)
        trainer.agent_loop_manager = InlineAgentLoops(worker, loop)
        trainer.reward_loop_manager = SimpleNamespace(reward_loop_worker_handles=[])
        metrics = trainer._validate()  # verl's own, not overridden
    finally:
        loop.close()
        tq.close()
    source = rows[0]["data_source"]
    assert metrics[f"val-core/{source}/acc/mean@2"] == 0.25
    assert metrics[f"val-aux/{source}/acc_after_ec/mean@2"] == 0.5
    assert metrics[f"val-aux/{source}/ec_attempted/mean@2"] == 0.5


async def test_a_second_turn_over_the_prompt_budget_is_not_generated(
    ray_session: Any, qwen3_dir: Path, qwen3_tokenizer: Any, prompt_set: Path, tmp_path: Path
) -> None:
    from verl.experimental.agent_loop.agent_loop import AgentLoopWorker

    # 600 tokens: every first-turn prompt fits; a correction (first answer + feedback) does not.
    config = standin_config(
        qwen3_dir, prompt_set, tmp_path / "verl-cache", "data.max_prompt_length=600"
    )
    proto, statements = val_batch(config, qwen3_tokenizer, prompt_set, repeat=1)
    s0, s1, s2, s3 = statements
    llm = ScriptedLLM(
        qwen3_tokenizer,
        first={
            s0: _answers.valid(s0),
            # Long outside <think> (Qwen3's template drops earlier turns' reasoning).
            s1: _answers.lean_error(s1).replace(
                "Here is the proof.", "Here is the proof. " + "I checked every case. " * 100, 1
            ),
            s2: _answers.valid(s2),
            s3: _answers.valid(s3),
        },
        second={s1: _answers.valid(s1)},
    )
    worker = AgentLoopWorker(config, llm_client=llm)
    output = await worker.generate_sequences(proto)

    extra = output.non_tensor_batch
    assert list(extra["ec_prompt_too_long"]) == [0.0, 1.0, 0.0, 0.0]
    assert list(extra["ec_attempted"]) == [0.0, 0.0, 0.0, 0.0]
    assert list(extra["acc_after_ec"]) == [1.0, 0.0, 1.0, 1.0]  # the first turn's result
    assert not [p for p in llm.prompts if llm.revision_marker in p]  # never generated
