"""kimina-prover-rl: reinforcement learning for Lean 4 theorem provers.

Layers, lowest first (imports only point downwards): ``proof`` (pure text),
``lean`` (verification), ``reward``, ``data``, ``eval``, then the framework adapters and ``cli``.
"""

from __future__ import annotations

from kimina_prover_rl.errors import (
    BackendError,
    ColumnError,
    ConfigError,
    DatasetUnavailable,
    GenerationError,
    InputError,
    KiminaError,
    LeanError,
    PoolClosed,
    ReplCrashed,
    ReplError,
    ReplOutOfMemory,
    ReplTimeout,
)

__version__ = "0.1.0"

__all__ = [
    "BackendError",
    "ColumnError",
    "ConfigError",
    "DatasetUnavailable",
    "GenerationError",
    "InputError",
    "KiminaError",
    "LeanError",
    "PoolClosed",
    "ReplCrashed",
    "ReplError",
    "ReplOutOfMemory",
    "ReplTimeout",
    "__version__",
]
