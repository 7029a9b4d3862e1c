"""What replaces the GPU in CPU tests of verl's trainer: the agent loops run in-process, and
the FSDP actor's two calls (log-probabilities, update) answer from TransferQueue alone."""

from __future__ import annotations

import asyncio
from typing import Any


class InlineAgentLoops:
    """verl's ``AgentLoopManagerTQ`` without Ray: one in-process ``AgentLoopWorkerTQ`` whose
    background agent loops finish before ``generate_sequences`` returns."""

    def __init__(self, worker: Any, loop: Any) -> None:
        self.worker = worker
        self.loop = loop

    def generate_sequences(self, batch: Any) -> None:
        async def run() -> None:
            await self.worker.generate_sequences(batch)
            await asyncio.gather(*list(self.worker.background_tasks))

        self.loop.run_until_complete(run())


class CpuActorWorkers:
    """The actor worker group's GPU calls: zero log-probabilities, and an update that reads
    the advantages verl computed (kept in ``advantages``) instead of stepping a model."""

    def __init__(self) -> None:
        self._dispatch_info = {"actor": [0]}  # one data-parallel rank
        self.advantages: list[list[float]] = []

    def compute_log_prob(self, batch: Any) -> Any:
        import torch
        import transfer_queue as tq

        data = tq.kv_batch_get(
            keys=batch.keys, partition_id=batch.partition_id, select_fields=["input_ids"]
        )
        lengths = data["input_ids"].offsets().diff().tolist()
        zeros = [torch.zeros(int(n), dtype=torch.float32) for n in lengths]
        fields = {
            "log_probs": torch.nested.as_nested_tensor(zeros, layout=torch.jagged),
            "entropy": torch.nested.as_nested_tensor(zeros, layout=torch.jagged),
        }
        from tensordict import TensorDict

        tq.kv_batch_put(
            keys=batch.keys,
            partition_id=batch.partition_id,
            fields=TensorDict(fields, batch_size=len(batch)),
        )
        return batch

    def update_actor(self, batch: Any) -> dict[str, Any]:
        import transfer_queue as tq

        data = tq.kv_batch_get(
            keys=batch.keys, partition_id=batch.partition_id, select_fields=["advantages"]
        )
        nested = data["advantages"]
        self.advantages.append([float(t[0]) for t in nested.unbind()])
        return {"metrics": {"mfu": 0.0, "pg_loss": 0.0}}


class NoReplicas:
    """The rollout replicas' weight sync: nothing to sleep or wake without vLLM."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def sleep_replicas(self) -> None:
        self.calls.append("sleep")

    def update_weights(self, global_steps: int) -> None:
        self.calls.append(f"update:{global_steps}")
