"""kimina-lean-server's wire format: the HTTP request and response bodies, as pydantic models.

One definition for both ends: ``kimina-rl serve`` validates what it receives with these
models, and :class:`~kimina_prover_rl.lean.kimina.client.RemoteServer` builds what it sends
from them. ``POST /api/check`` and the legacy ``POST /verify`` take exactly what
kimina-lean-server takes and answer with the same fields, so kimina's clients work
unchanged. Our extensions are optional: a snippet may name its graded theorem and given
statement, and each result may carry ``verdict`` (our :meth:`Verdict.to_dict`, without
``response`` when it equals the result's ``response``); kimina ignores fields it does not
know.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer, model_validator

__all__ = [
    "SERVER_NAME",
    "BackwardResult",
    "CheckRequest",
    "CheckResponse",
    "Code",
    "HealthResponse",
    "ReplResult",
    "Snippet",
    "VerifyRequestBody",
    "VerifyResponse",
]

SERVER_NAME = "kimina-prover-rl"
"""What ``kimina-rl serve`` reports as ``server`` in ``/health``: its results carry verdicts."""


def _whole_seconds(seconds: float) -> int | float:
    """A whole number of seconds as an integer: kimina's servers declare ``timeout: int``."""
    return int(seconds) if seconds.is_integer() else seconds


Seconds = Annotated[float, PlainSerializer(_whole_seconds)]
"""A time limit in seconds; sent as an integer when it is whole."""

Infotree = Literal["full", "tactics", "original", "substantive", "synthetic"]

_THEOREM_NAME = "Optional (extension): the graded theorem's name, as in the formal statement"
_FORMAL_STATEMENT = (
    "Optional (extension): the statement given to the prover, header included; Lean then "
    "confirms that the theorem proves exactly it"
)


class Snippet(BaseModel):
    """One piece of Lean code to check, with the caller's id for it."""

    id: str = Field(description="Identifier to trace the snippet")
    code: str = Field(description="Lean 4 code: imports, then the theorem and its proof")
    theorem_name: str | None = Field(None, description=_THEOREM_NAME)
    formal_statement: str | None = Field(None, description=_FORMAL_STATEMENT)


class CheckRequest(BaseModel):
    """Body of ``POST /api/check``."""

    snippets: list[Snippet] = Field(min_length=1, description="Snippets with unique ids")
    timeout: Seconds = Field(30, gt=0, description="Per-snippet Lean time limit in seconds")
    debug: bool = Field(False, description="Accepted for compatibility; ignored")
    reuse: bool = Field(True, description="Accepted for compatibility; REPLs are always reused")
    infotree: Infotree | None = Field(None, description="Accepted for compatibility; ignored")

    @model_validator(mode="after")
    def _unique_ids(self) -> CheckRequest:
        ids = [s.id for s in self.snippets]
        if len(set(ids)) != len(ids):
            duplicated = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"`snippets` must have unique ids; repeated: {duplicated[:5]}")
        return self


class ReplResult(BaseModel):
    """One snippet's result: Lean's answer (``response``) or why there is none (``error``)."""

    id: str
    time: float = 0.0
    error: str | None = None
    response: dict[str, Any] | None = None
    diagnostics: dict[str, Any] | None = None
    verdict: dict[str, Any] | None = None


class CheckResponse(BaseModel):
    """Answer of ``POST /api/check``: one result per snippet, in request order."""

    results: list[ReplResult]


class Code(BaseModel):
    """One proof of the legacy ``/verify`` body (``proof``, or ``code`` for old clients)."""

    custom_id: str | int
    proof: str | None = None
    code: str | None = None
    theorem_name: str | None = Field(None, description=_THEOREM_NAME)
    formal_statement: str | None = Field(None, description=_FORMAL_STATEMENT)

    @model_validator(mode="after")
    def _has_content(self) -> Code:
        if self.proof is None and self.code is None:
            raise ValueError(f"codes entry {self.custom_id!r} needs a `proof` (or `code`) field")
        return self

    @property
    def content(self) -> str:
        """The Lean code, from ``proof`` or else ``code``."""
        return self.proof if self.proof is not None else (self.code or "")


class VerifyRequestBody(BaseModel):
    """Body of the legacy ``POST /verify``."""

    codes: list[Code] = Field(min_length=1)
    timeout: Seconds = Field(300, gt=0, description="Per-proof Lean time limit in seconds")
    infotree_type: Infotree | None = Field(None, description="Accepted; ignored")
    disable_cache: bool = Field(False, description="Accepted for compatibility; ignored")


class BackwardResult(BaseModel):
    """One proof's result in the legacy shape; ``response`` includes ``time``."""

    custom_id: str
    error: str | None = None
    response: dict[str, Any] | None = None
    verdict: dict[str, Any] | None = None


class VerifyResponse(BaseModel):
    """Answer of ``POST /verify``."""

    results: list[BackwardResult]


class HealthResponse(BaseModel):
    """Answer of ``GET /health``: kimina's ``{"status": "ok"}``, the Lean version, who we are.

    ``max_timeout`` (seconds), ``max_snippets`` and ``max_body_bytes`` are this server's
    per-request limits; ``self_check`` the verifier's start-up self-check.
    """

    status: Literal["ok", "unavailable"] = "ok"
    """``unavailable`` (HTTP 503) while Lean does not answer the verifier's self-check."""
    lean_version: str = ""
    server: str = SERVER_NAME
    max_timeout: float
    max_snippets: int
    max_body_bytes: int
    self_check: dict[str, Any] | None = Field(
        None, description="The start-up self-check: state passed/failed/skipped, cases"
    )
