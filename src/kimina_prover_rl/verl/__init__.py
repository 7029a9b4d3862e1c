"""GRPO training on a released verl 0.9.1: dataset, reward, trainer step hook, agent loop.

Every module here imports verl (or its dependencies) and is loaded by verl itself through
``pkg://`` paths or by ``python -m kimina_prover_rl.verl.main``; importing this package
alone stays light. The pieces, each plugged into stock verl without a fork:

* ``reward.compute_score``  ``reward.custom_reward_function`` (async, micro-batched)
* ``dataset.CorrectionDataset``  ``data.custom_cls``: mixes error-correction rows in
* ``trainer.CorrectionTrainer``  the v1 sync trainer whose step feeds the cache
* ``agent_loop.CorrectionAgentLoop``  validation with a second, corrected turn
* ``main``  Hydra entry point: verl's config plus ours, our task runner
"""

from __future__ import annotations

__all__: list[str] = []
