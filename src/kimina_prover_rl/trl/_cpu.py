"""The ``transformers`` training arguments both CPU trainers here share (warm-up, GRPO)."""

from __future__ import annotations

from typing import Any


def cpu_training_args(seed: int) -> dict[str, Any]:
    """Full precision on the CPU, no progress bar or tracker, seeded model and data order."""
    return {
        "report_to": "none",
        "use_cpu": True,
        "bf16": False,
        "fp16": False,
        "gradient_checkpointing": False,
        "disable_tqdm": True,
        "seed": seed,
        "data_seed": seed,
    }
