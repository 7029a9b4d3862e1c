"""What the verifier says about one proof: the ``Verdict`` contract.

Every submitted proof gets exactly one verdict, in input order, whatever happened to the
REPL that checked it. Lean's own judgements (``valid``, ``lean_error``, ``sorry``,
``unsound``, ``timeout``, ``oom``) are the proof's; infrastructure failures
(``overloaded``, ``crash``, ``infra_error``) are never blamed on the model, never cached
and never turned into error-correction prompts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from kimina_prover_rl.errors import InputError
from kimina_prover_rl.proof import parse_lean_code

__all__ = ["LeanMessage", "UnsoundReason", "Verdict", "VerdictStatus", "VerifyRequest"]


class VerdictStatus(StrEnum):
    """The outcome of checking one proof."""

    VALID = "valid"
    """Lean accepted it: no error, no sorry, only standard axioms."""
    LEAN_ERROR = "lean_error"
    """Lean reported at least one error."""
    SORRY = "sorry"
    """No error, but the proof uses ``sorry`` (listed sorries or the warning)."""
    UNSOUND = "unsound"
    """Lean accepted it, but it depends on a non-standard axiom or a synthetic sorry."""
    TIMEOUT = "timeout"
    """The proof ran past its time limit (the header's import is not counted)."""
    OOM = "oom"
    """The REPL grew past its memory cap while checking the proof."""
    CRASH = "crash"
    """The REPL died on this proof twice (once on a fresh process)."""
    REJECTED = "rejected"
    """Refused before reaching Lean (not UTF-8, too large, unparsable request)."""
    OVERLOADED = "overloaded"
    """The verifier could not start the proof in time (queue full or deadline passed)."""
    INFRA_ERROR = "infra_error"
    """Something outside the proof failed (header import, remote server, Ray actor)."""

    @property
    def is_infrastructure(self) -> bool:
        """True for failures that say nothing about the proof's quality."""
        return self in _INFRASTRUCTURE

    @property
    def is_lean_judgement(self) -> bool:
        """True when Lean itself decided: such verdicts may be cached and fed back."""
        return self in _LEAN_JUDGEMENTS


class UnsoundReason(StrEnum):
    """Why Lean accepted code that is still not a valid proof (an ``unsound`` verdict)."""

    AXIOMS = "axioms"
    """A declaration depends on an axiom outside the standard ones (or ``sorryAx``)."""
    UNCHECKED = "unchecked"
    """The check after the proof failed or a report is missing: nothing can be vouched for."""
    STATEMENT = "statement"
    """The graded theorem's elaborated type differs from the given statement's."""


_INFRASTRUCTURE = frozenset(
    {VerdictStatus.OVERLOADED, VerdictStatus.CRASH, VerdictStatus.INFRA_ERROR}
)
_LEAN_JUDGEMENTS = frozenset(
    {
        VerdictStatus.VALID,
        VerdictStatus.LEAN_ERROR,
        VerdictStatus.SORRY,
        VerdictStatus.UNSOUND,
        VerdictStatus.TIMEOUT,
        VerdictStatus.OOM,
    }
)


_UNSOUND_REASON = "unsound_reason"


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    """One proof to check.

    ``code`` is the complete Lean file (header included). ``timeout_s`` overrides the
    verifier's default per-proof time limit; ``allow_native_decide`` additionally accepts
    the ``Lean.ofReduceBool`` axiom. ``theorem_name`` names the graded theorem (as written
    in the given statement) and ``formal_statement`` is the statement given to the model
    (header included); with both, Lean confirms that the theorem proves exactly that
    statement. Given only the statement, the name is read from it (its last theorem).
    Whatever is given, every declaration's axioms are checked. A ``theorem_name`` the
    given ``formal_statement`` does not declare (as a ``theorem``/``lemma``) is bad input:
    :class:`~kimina_prover_rl.errors.InputError`, never a silently skipped statement check.
    """

    code: str
    id: str | None = None
    timeout_s: float | None = None
    allow_native_decide: bool = False
    theorem_name: str | None = None
    formal_statement: str | None = None

    def __post_init__(self) -> None:
        if self.formal_statement is None:
            return
        if self.theorem_name is None:
            object.__setattr__(self, "theorem_name", _graded_name(self.formal_statement))
        elif not _declares(self.formal_statement, self.theorem_name):
            raise InputError(
                f"theorem_name {self.theorem_name!r} is not declared by the formal_statement "
                f"(it declares {_graded_name(self.formal_statement) or 'no named theorem'}); "
                "the statement could not be checked: give the name the statement declares, "
                "or leave theorem_name out to use its last theorem"
            )


@functools.lru_cache(maxsize=4096)
def _graded_name(formal_statement: str) -> str | None:
    """The name of the theorem a formal statement gives (its last ``theorem``/``lemma``)."""
    return parse_lean_code(formal_statement).name


@functools.lru_cache(maxsize=4096)
def _declares(formal_statement: str, theorem_name: str) -> bool:
    """Whether ``formal_statement`` declares a ``theorem``/``lemma`` named ``theorem_name``."""
    parsed = parse_lean_code(formal_statement, theorem_name)
    return parsed.name == theorem_name and parsed.keyword != "example"


@dataclass(frozen=True, slots=True)
class LeanMessage:
    """One message from Lean. Lines are 1-based, columns 0-based, as in the REPL.

    Positions are relative to the submitted ``code`` (header included), even when the
    header was run as a separate REPL command.
    """

    severity: str
    data: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    def to_repl(self) -> dict[str, Any]:
        """The message in the REPL's JSON shape (``pos``/``endPos`` objects)."""
        out: dict[str, Any] = {"severity": self.severity, "data": self.data}
        if self.line is not None:
            out["pos"] = {"line": self.line, "column": self.column or 0}
        if self.end_line is not None:
            out["endPos"] = {"line": self.end_line, "column": self.end_column or 0}
        return out

    @classmethod
    def from_repl(cls, message: dict[str, Any], *, line_offset: int = 0) -> LeanMessage:
        """Read a REPL message object, shifting lines by ``line_offset``."""
        pos = message.get("pos") or {}
        end = message.get("endPos") or {}
        return cls(
            severity=str(message.get("severity", "error")),
            data=str(message.get("data", "")),
            line=pos["line"] + line_offset if "line" in pos else None,
            column=pos.get("column"),
            end_line=end["line"] + line_offset if "line" in end else None,
            end_column=end.get("column"),
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verifier's answer for one proof.

    ``response`` is the REPL's JSON for the proof command with positions shifted to be
    relative to the submitted code (``messages``, ``sorries``, ``infotree`` when asked
    for); feedback rendering reads it. ``detail`` explains non-Lean outcomes in a sentence.
    ``code_hash`` identifies what was checked (code, options and the verifier's verdict scope).
    ``unsound_reason`` says why an ``unsound`` verdict is unsound (None otherwise).
    """

    status: VerdictStatus
    id: str | None = None
    messages: tuple[LeanMessage, ...] = ()
    axioms: tuple[str, ...] = ()
    detail: str = ""
    time_s: float = 0.0
    response: dict[str, Any] | None = None
    code_hash: str = ""
    lean_version: str = ""
    cached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    provisional: bool = False
    """The outcome may be the check's own failure (a timeout while examples were elaborated
    once more for their axioms), not Lean's judgement of the proof: never cached."""
    unsound_reason: UnsoundReason | None = None

    @property
    def is_cacheable(self) -> bool:
        """Whether this is Lean's judgement of the proof itself, safe to cache and replay."""
        return self.status.is_lean_judgement and not self.provisional

    @property
    def is_valid(self) -> bool:
        """Whether Lean accepted the proof soundly."""
        return self.status is VerdictStatus.VALID

    @property
    def errors(self) -> tuple[LeanMessage, ...]:
        """Only the error-severity messages."""
        return tuple(m for m in self.messages if m.severity == "error")

    def with_id(self, id: str | None) -> Verdict:
        """The same verdict answering another request (for dedup and cache hits)."""
        return replace(self, id=id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``kimina-rl verify`` output line); ``unsound_reason``
        goes under ``extra``, where the output and the cache have always carried it."""
        extra = dict(self.extra)
        if self.unsound_reason is not None:
            extra[_UNSOUND_REASON] = self.unsound_reason.value
        return {
            "id": self.id,
            "status": self.status.value,
            "messages": [m.to_repl() for m in self.messages],
            "axioms": list(self.axioms),
            "detail": self.detail,
            "time_s": round(self.time_s, 6),
            "code_hash": self.code_hash,
            "lean_version": self.lean_version,
            "cached": self.cached,
            "response": self.response,
            **({"extra": extra} if extra else {}),
            **({"provisional": True} if self.provisional else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        """Inverse of :meth:`to_dict`."""
        extra = dict(data.get("extra", {}))
        reason = extra.pop(_UNSOUND_REASON, None)
        return cls(
            status=VerdictStatus(data["status"]),
            id=data.get("id"),
            messages=tuple(LeanMessage.from_repl(m) for m in data.get("messages", ())),
            axioms=tuple(data.get("axioms", ())),
            detail=data.get("detail", ""),
            time_s=float(data.get("time_s", 0.0)),
            response=data.get("response"),
            code_hash=data.get("code_hash", ""),
            lean_version=data.get("lean_version", ""),
            cached=bool(data.get("cached", False)),
            extra=extra,
            provisional=bool(data.get("provisional", False)),
            unsound_reason=None if reason is None else UnsoundReason(reason),
        )
