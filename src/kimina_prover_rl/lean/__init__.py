"""Verification: the REPL protocol, REPL processes, the pool, verdicts, cache, backends.

Builds on ``proof`` only; never imports verl, trl or torch.
"""

from __future__ import annotations

from kimina_prover_rl.lean.verdict import LeanMessage, Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier

__all__ = ["LeanMessage", "Verdict", "VerdictStatus", "Verifier", "VerifyRequest"]
