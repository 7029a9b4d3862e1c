"""The TRL adapter: the CPU dry run of the training loop with TRL's ``GRPOTrainer``.

The reward (:class:`~kimina_prover_rl.trl.reward.LeanReward`), the correction mixing and
the step hooks are thin translations of TRL's calling conventions onto the shared
``reward`` layer; :func:`run_dry_run` puts them together. Importing this package loads
neither torch nor TRL: :mod:`kimina_prover_rl.trl.trainer` does, when the run starts.
"""

from __future__ import annotations

from kimina_prover_rl.trl.mixing import mix_corrections
from kimina_prover_rl.trl.reward import LeanReward
from kimina_prover_rl.trl.run import (
    DryRunConfig,
    DryRunSummary,
    latest_checkpoint,
    load_rows,
    run_dry_run,
)
from kimina_prover_rl.trl.validation import ValidationConfig, Validator, validation_names
from kimina_prover_rl.trl.warmup import (
    WarmupConfig,
    correction_examples,
    flawed_examples,
    warmup,
    warmup_examples,
)

__all__ = [
    "DryRunConfig",
    "DryRunSummary",
    "LeanReward",
    "ValidationConfig",
    "Validator",
    "WarmupConfig",
    "correction_examples",
    "flawed_examples",
    "latest_checkpoint",
    "load_rows",
    "mix_corrections",
    "run_dry_run",
    "validation_names",
    "warmup",
    "warmup_examples",
]
