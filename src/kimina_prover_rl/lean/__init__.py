"""Verification: the REPL protocol, REPL processes, the pool, verdicts, cache, backends.

Builds on ``proof`` only; never imports verl, trl or torch.
"""

from __future__ import annotations

from kimina_prover_rl.lean.cache import CachingVerifier, VerdictCache
from kimina_prover_rl.lean.cluster import ClusterConfig, ClusterVerifier
from kimina_prover_rl.lean.dedup import DedupStats, DedupVerifier, proof_key
from kimina_prover_rl.lean.factory import open_verifier
from kimina_prover_rl.lean.kimina import RemoteConfig, RemoteServer
from kimina_prover_rl.lean.mock import MockVerifier
from kimina_prover_rl.lean.outcome import NATIVE_DECIDE_AXIOMS, STANDARD_AXIOMS
from kimina_prover_rl.lean.pool import LocalPool, PoolConfig
from kimina_prover_rl.lean.protocol import (
    CommandRequest,
    CommandResponse,
    ErrorResponse,
    ResponseFramer,
    ResponseReader,
    SorryInfo,
    encode_request,
    parse_response,
)
from kimina_prover_rl.lean.repl import LeanRepl, ReplConfig
from kimina_prover_rl.lean.sandbox import Sandbox, SandboxMode, resolve_sandbox
from kimina_prover_rl.lean.settings import VerifierSettings, resolve_backend
from kimina_prover_rl.lean.verdict import (
    LeanMessage,
    UnsoundReason,
    Verdict,
    VerdictStatus,
    VerifyRequest,
)
from kimina_prover_rl.lean.verifier import Verifier, WrappingVerifier
from kimina_prover_rl.standin import STANDIN_BANNER, STANDIN_LEAN_VERSION, standin_command

__all__ = [
    "NATIVE_DECIDE_AXIOMS",
    "STANDARD_AXIOMS",
    "STANDIN_BANNER",
    "STANDIN_LEAN_VERSION",
    "CachingVerifier",
    "ClusterConfig",
    "ClusterVerifier",
    "CommandRequest",
    "CommandResponse",
    "DedupStats",
    "DedupVerifier",
    "ErrorResponse",
    "LeanMessage",
    "LeanRepl",
    "LocalPool",
    "MockVerifier",
    "PoolConfig",
    "RemoteConfig",
    "RemoteServer",
    "ReplConfig",
    "ResponseFramer",
    "ResponseReader",
    "Sandbox",
    "SandboxMode",
    "SorryInfo",
    "UnsoundReason",
    "Verdict",
    "VerdictCache",
    "VerdictStatus",
    "Verifier",
    "VerifierSettings",
    "VerifyRequest",
    "WrappingVerifier",
    "encode_request",
    "open_verifier",
    "parse_response",
    "proof_key",
    "resolve_backend",
    "resolve_sandbox",
    "standin_command",
]
