"""The exception hierarchy of kimina-prover-rl.

Lean rejecting a proof is data (a ``Verdict``), never an exception. Exceptions are for
broken configuration, broken infrastructure and misuse, and every message says what to do::

    KiminaError
    ├── ConfigError              a setting or argument is invalid
    ├── InputError               an input file or record cannot be read
    │   └── ColumnError          a dataset lacks a column, or a column has the wrong type
    ├── LeanError                the Lean side failed (not the proof)
    │   ├── ReplError            one REPL process misbehaved
    │   │   ├── ReplCrashed      the process exited or broke the protocol
    │   │   ├── ReplTimeout      a command ran past its deadline
    │   │   └── ReplOutOfMemory  the process grew past its memory cap
    │   ├── PoolClosed           the pool was used after ``aclose()``
    │   ├── SelfCheckFailed      Lean's answers to known proofs are not judged as expected
    │   ├── BackendError         a remote verifier or Ray actor failed
    │   └── SetupError           a step of ``kimina-rl lean setup`` failed
    ├── GenerationError          a model backend (server, vLLM, transformers) failed
    └── DatasetUnavailable       a hub dataset cannot be fetched (offline, unknown id)
"""

from __future__ import annotations

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
    "SelfCheckFailed",
    "SetupError",
]


class KiminaError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(KiminaError, ValueError):
    """A setting or argument is invalid; the message names it and the accepted values."""


class InputError(KiminaError, ValueError):
    """An input file or record cannot be read; the message names the file and line."""


class ColumnError(InputError):
    """A dataset lacks a column or a column has an unexpected type."""


class DatasetUnavailable(KiminaError):
    """A Hugging Face dataset could not be fetched; pass a local file instead."""


class GenerationError(KiminaError):
    """A generation backend failed for every request it was given (server down, bad model)."""


class LeanError(KiminaError):
    """The Lean side failed for reasons that are not the proof's fault."""


class ReplError(LeanError):
    """One REPL process misbehaved.

    Carries the process id and the tail of its stderr so that logs say which process
    failed and why.
    """

    def __init__(self, message: str, *, pid: int | None = None, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.pid = pid
        self.stderr_tail = stderr_tail


class ReplCrashed(ReplError):
    """The REPL process exited, closed its output or printed something that is not JSON."""


class ReplTimeout(ReplError):
    """A REPL command ran past its deadline and the process was killed."""


class ReplOutOfMemory(ReplError):
    """The REPL process grew past its memory cap and was killed."""


class PoolClosed(LeanError):
    """The pool (or verifier) was used after ``aclose()``; create a new one."""


class SelfCheckFailed(LeanError):
    """The verifier's start-up self-check judged a known proof wrongly: its verdicts on
    this Lean cannot be trusted. The message begins ``verifier self-check failed:``."""


class BackendError(LeanError):
    """A remote verification server or Ray actor failed to answer."""


class SetupError(LeanError):
    """A step of ``kimina-rl lean setup`` failed; the message names it, its command and a fix."""
