"""The JSON protocol of the leanprover-community/repl, framed over a byte stream.

Requests are single-line JSON objects, each followed by a blank line. The REPL answers
each with one JSON object, often pretty-printed over many lines, followed by a blank line.
``{"message": "..."}`` is an error object (for example ``"Unknown environment."``); end
of output means the process died. Some REPL builds also print progress text on stdout
(kimina's fork prints ``Processing incremental state ...`` before each answer): blocks
that do not start with ``{`` are skipped as noise, within a byte budget.

Every framing failure (EOF, an answer that is not a JSON object, an answer or noise past
its size budget) raises :class:`~kimina_prover_rl.errors.ReplCrashed` quoting the
offending text, because a REPL that breaks the protocol cannot be trusted any further.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

from kimina_prover_rl.errors import ReplCrashed
from kimina_prover_rl.lean.verdict import LeanMessage

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "UNKNOWN_ENVIRONMENT",
    "CommandRequest",
    "CommandResponse",
    "ErrorResponse",
    "ResponseFramer",
    "ResponseReader",
    "SorryInfo",
    "encode_request",
    "parse_response",
]

UNKNOWN_ENVIRONMENT = "Unknown environment."
"""The REPL's error message for a command whose ``env`` id it does not hold."""

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""Largest answer (or run of noise) accepted before the REPL is declared broken."""

_EXCERPT_CHARS = 300
_READ_CHUNK = 256 * 1024

InfotreeMode = Literal["full", "tactics", "original", "substantive"]


def encode_request(request: Mapping[str, Any]) -> bytes:
    """One request as the REPL reads it: compact JSON on one line, then a blank line."""
    return json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRequest:
    """A ``{"cmd": ...}`` request: run Lean source, optionally in an earlier environment.

    ``env=None`` starts a fresh environment (the only place ``import`` is allowed).
    ``all_tactics`` asks for every tactic with its goals; ``infotree`` asks for the
    elaboration info tree, filtered as the REPL's ``infotree`` option documents.
    """

    cmd: str
    env: int | None = None
    all_tactics: bool = False
    infotree: InfotreeMode | None = None

    def to_json(self) -> dict[str, Any]:
        """The request object, without the options left at their defaults."""
        out: dict[str, Any] = {"cmd": self.cmd}
        if self.env is not None:
            out["env"] = self.env
        if self.all_tactics:
            out["allTactics"] = True
        if self.infotree is not None:
            out["infotree"] = self.infotree
        return out


@dataclass(frozen=True, slots=True)
class SorryInfo:
    """One ``sorry`` the REPL found, with the goal it left open (1-based lines)."""

    goal: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    proof_state: int | None = None


@dataclass(frozen=True, slots=True)
class CommandResponse:
    """A successful answer to a command: the new environment and what Lean said."""

    env: int | None
    messages: tuple[LeanMessage, ...] = ()
    sorries: tuple[SorryInfo, ...] = ()
    tactics: tuple[dict[str, Any], ...] = ()
    infotree: Any = None


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """A ``{"message": ...}`` answer: the REPL refused the request (bad env id, bad JSON)."""

    message: str


def parse_response(obj: Mapping[str, Any]) -> CommandResponse | ErrorResponse:
    """Type a decoded answer; a shape the REPL never produces raises ``ReplCrashed``."""
    if "message" in obj and "env" not in obj:
        return ErrorResponse(str(obj["message"]))
    try:
        env = obj.get("env")
        if env is not None and not isinstance(env, int):
            raise TypeError(f"env is {type(env).__name__}, not an integer")
        return CommandResponse(
            env=env,
            messages=tuple(LeanMessage.from_repl(m) for m in obj.get("messages", ())),
            sorries=tuple(_sorry(s) for s in obj.get("sorries", ())),
            tactics=tuple(dict(t) for t in obj.get("tactics", ())),
            infotree=obj.get("infotree"),
        )
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ReplCrashed(
            f"the REPL answered with a malformed response ({exc}): {_excerpt(json.dumps(obj))}"
        ) from exc


def _sorry(obj: Mapping[str, Any]) -> SorryInfo:
    pos = obj.get("pos") or {}
    end = obj.get("endPos") or {}
    return SorryInfo(
        goal=str(obj.get("goal", "")),
        line=pos.get("line"),
        column=pos.get("column"),
        end_line=end.get("line"),
        end_column=end.get("column"),
        proof_state=obj.get("proofState"),
    )


class ResponseFramer:
    """Splits REPL output into answers; feed it bytes, get decoded JSON objects back.

    Pure and synchronous so that framing can be tested with any chunking. A block is
    the text between blank lines (lines holding only whitespace). A block starting with
    ``{`` must be one JSON object; any other block is noise, unless a later line of it
    starts a JSON object that runs to the block's end (progress text glued to an answer).
    """

    def __init__(self, *, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self._max = max_response_bytes
        self._pending = b""
        self._block: list[bytes] = []
        self._block_bytes = 0
        self._noise_bytes = 0

    @property
    def buffered_bytes(self) -> int:
        """Bytes received but not yet part of a complete answer."""
        return len(self._pending) + self._block_bytes

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Consume ``data``; return every answer it completed, in order."""
        out: list[dict[str, Any]] = []
        self._pending += data
        start = 0
        while (newline := self._pending.find(b"\n", start)) != -1:
            self._line(self._pending[start : newline + 1], out)
            start = newline + 1
        self._pending = self._pending[start:]
        if self.buffered_bytes > self._max:
            raise ReplCrashed(
                f"the REPL printed more than max_response_bytes={self._max} bytes without "
                f"finishing an answer (starts with {_excerpt(self._head())}); raise "
                "ReplConfig.max_response_bytes if such answers are expected"
            )
        return out

    def finish(self) -> NoReturn:
        """The stream ended: raise ``ReplCrashed`` describing what was left unfinished."""
        leftover = self._head()
        detail = f"; unfinished output: {_excerpt(leftover)}" if leftover.strip() else ""
        raise ReplCrashed(f"the REPL closed its output (the process exited){detail}")

    def _head(self) -> str:
        return (b"".join(self._block[:4]) + self._pending[:_EXCERPT_CHARS]).decode(errors="replace")

    def _line(self, line: bytes, out: list[dict[str, Any]]) -> None:
        if line.strip():
            self._block.append(line)
            self._block_bytes += len(line)
            return
        if not self._block:
            return
        block, self._block, self._block_bytes = self._block, [], 0
        answer = self._decode_block(block)
        if answer is None:
            self._noise_bytes += sum(len(b) for b in block)
            if self._noise_bytes > self._max:
                raise ReplCrashed(
                    f"the REPL printed more than {self._max} bytes of non-JSON output "
                    f"on stdout, last: {_excerpt(b''.join(block).decode(errors='replace'))}"
                )
        else:
            self._noise_bytes = 0
            out.append(answer)

    @staticmethod
    def _decode_block(block: list[bytes]) -> dict[str, Any] | None:
        if block[0].lstrip().startswith(b"{"):
            return _decode_object(b"".join(block))
        for i in range(1, len(block)):
            if block[i].lstrip().startswith(b"{"):
                try:
                    return _decode_object(b"".join(block[i:]))
                except ReplCrashed:
                    continue
        return None


def _decode_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReplCrashed(
            f"the REPL printed output that is not JSON ({exc}): "
            f"{_excerpt(raw.decode(errors='replace'))}"
        ) from exc
    assert isinstance(value, dict), "text starting with '{' decodes to an object"
    return value


def _excerpt(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    if len(text) <= _EXCERPT_CHARS:
        return repr(text)
    return repr(text[:_EXCERPT_CHARS]) + f" ... ({len(text)} characters)"


class ResponseReader:
    """Reads one answer at a time from a REPL's stdout stream.

    Raises :class:`~kimina_prover_rl.errors.ReplCrashed` on end of stream, on output
    that breaks the protocol and on answers larger than ``max_response_bytes``.
    """

    def __init__(
        self, stream: asyncio.StreamReader, *, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    ) -> None:
        self._stream = stream
        self._framer = ResponseFramer(max_response_bytes=max_response_bytes)
        self._ready: list[dict[str, Any]] = []

    async def read_response(self) -> dict[str, Any]:
        """The next complete answer (a decoded JSON object)."""
        while not self._ready:
            chunk = await self._stream.read(_READ_CHUNK)
            if not chunk:
                self._framer.finish()
            self._ready.extend(self._framer.feed(chunk))
        return self._ready.pop(0)
