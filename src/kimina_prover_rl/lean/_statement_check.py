"""The given statement's own ``#check``: what the graded theorem's type must print as.

The text layer compares the statement as written; this is the second line of defence,
where Lean itself says what the statement means. The given statement (header + the code
before the theorem + the theorem with ``sorry`` as its proof) runs once from the header's
environment, followed by the same one-line ``#check`` the proof's check ends with
(``_axiom_check.statement_probe``). A proof is valid only if, in its own environment, that
line prints exactly the same text: anything the proof declared that changes what the
statement means (notation, ``variable … include``, instances, options) changes the
elaborated type, and with ``pp.all``-style options, full names and explicit universes
and arguments, the printed text.

The text is computed once per (header, statement) and kept (:class:`StatementBook`) in
memory and, with a verdict cache, in its SQLite file under the pool's verdict scope; it is
only ever stored when Lean printed it without error.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kimina_prover_rl.errors import (
    InputError,
    LeanError,
    ReplCrashed,
    ReplOutOfMemory,
    ReplTimeout,
)
from kimina_prover_rl.lean._axiom_check import scope_namespace, statement_probe
from kimina_prover_rl.lean._supply import HeaderFailure, ReplSupply
from kimina_prover_rl.lean.outcome import ELIDED, has_error
from kimina_prover_rl.lean.protocol import ErrorResponse, parse_response
from kimina_prover_rl.proof import parse_lean_code

__all__ = [
    "ReferenceCommand",
    "ReferenceFailed",
    "StatementBook",
    "StatementStore",
    "StatementUnavailable",
    "reference_command",
    "run_reference",
    "statement_key",
]

_ROOT = "_root_."


class ReferenceFailed(InputError):
    """The given statement does not elaborate: the request, not the proof, is wrong."""


class StatementUnavailable(LeanError):
    """The given statement could not be run (its header failed, its REPL broke)."""


@dataclass(frozen=True, slots=True)
class ReferenceCommand:
    """The command that prints the given statement's type, from its header's environment.

    ``key`` is the header (as the pool keys REPLs), ``body`` the command, ``line`` the
    line of its ``#check``, ``constant`` the theorem's fully-qualified name.
    """

    key: str
    body: str
    line: int
    constant: str


class StatementStore(Protocol):
    """Where printed statements outlive the pool (the SQLite verdict cache)."""

    def get_statement(self, key: str) -> str | None: ...

    def put_statement(self, key: str, printed: str) -> None: ...


def statement_key(scope: str, reference: ReferenceCommand) -> str:
    """The store key of ``reference`` under a verifier's verdict scope."""
    material = json.dumps([scope, reference.key, reference.body], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


class _Session(Protocol):
    async def send(
        self, request: Mapping[str, Any], *, timeout_s: float | None
    ) -> dict[str, Any]: ...


def reference_command(formal_statement: str, theorem_name: str) -> ReferenceCommand | None:
    """The reference command for ``theorem_name`` in ``formal_statement`` (None: not there)."""
    parsed = parse_lean_code(formal_statement, theorem_name)
    if parsed.name is None or parsed.keyword == "example":
        return None
    if theorem_name.startswith(_ROOT):
        constant = theorem_name[len(_ROOT) :]
    else:
        namespace = scope_namespace(parsed.header + parsed.prelude)
        constant = f"{namespace}.{theorem_name}" if namespace else theorem_name
    probe = statement_probe(constant)
    text = f"{parsed.prelude}{parsed.statement} sorry\n\n"
    return ReferenceCommand(
        parsed.header.rstrip(), text + probe.command, text.count("\n") + 1, constant
    )


async def run_reference(
    repl: _Session, env: int | None, reference: ReferenceCommand, *, timeout_s: float
) -> tuple[str, float]:
    """Run ``reference`` from ``env``: the printed type and the seconds it took.

    Raises :class:`ReferenceFailed` when Lean reports an error (the given statement does
    not elaborate in its header) or prints no complete type; REPL faults pass through.
    """
    command: dict[str, Any] = {"cmd": reference.body}
    if env is not None:
        command["env"] = env
    started = time.perf_counter()
    raw = await repl.send(command, timeout_s=timeout_s)
    elapsed = time.perf_counter() - started
    answer = parse_response(raw)
    if isinstance(answer, ErrorResponse):
        raise ReferenceFailed(f"the REPL refused the given statement: {answer.message}")
    if has_error(raw):
        errors = "; ".join(
            str(m.get("data", ""))
            for m in raw.get("messages", ())
            if isinstance(m, Mapping) and m.get("severity", "error") == "error"
        )
        raise ReferenceFailed(
            f"the given statement does not elaborate in its header: {errors}; "
            "fix the formal statement"
        )
    for message in raw.get("messages", ()) or ():
        pos = message.get("pos") if isinstance(message, Mapping) else None
        if (
            isinstance(pos, Mapping)
            and pos.get("line") == reference.line
            and message.get("severity") == "info"
            and ELIDED not in str(message.get("data"))
        ):
            return str(message["data"]), elapsed
    raise ReferenceFailed(
        f"Lean printed no complete type for {reference.constant} from the given statement; "
        "check that the formal statement declares this theorem"
    )


class StatementBook:
    """How Lean prints each given statement: in memory, in ``store``, else computed.

    A statement is computed once: concurrent proofs of it wait for the first computation,
    on a REPL of the statement's own header taken from ``supply`` (and returned before the
    proof's REPL is taken, so no job holds two). Lean's answers are kept, a statement that
    does not elaborate included; a fault is not, so the next proof tries again. ``scope``
    gives the verifier's verdict scope, part of every store key.
    """

    def __init__(
        self, supply: ReplSupply, *, store: StatementStore | None, scope: Callable[[], str]
    ) -> None:
        self._supply = supply
        self._store = store
        self._scope = scope
        self._printed: dict[ReferenceCommand, str] = {}
        self._rejected: dict[ReferenceCommand, str] = {}
        self._running: dict[ReferenceCommand, asyncio.Future[None]] = {}

    def known(self, reference: ReferenceCommand) -> str | None:
        """The printed type if this book has it in memory."""
        return self._printed.get(reference)

    async def printed(self, reference: ReferenceCommand, *, timeout_s: float) -> tuple[str, float]:
        """The printed type, and the seconds spent running it here (0.0 when it was known).

        Raises :class:`ReferenceFailed` (the statement does not elaborate) or
        :class:`StatementUnavailable` (it could not be run this time).
        """
        key = statement_key(self._scope(), reference)
        while True:
            if reference in self._rejected:
                raise ReferenceFailed(self._rejected[reference])
            known = self._printed.get(reference)
            if known is None and self._store is not None:
                known = await asyncio.to_thread(self._store.get_statement, key)
            if known is not None:
                self._printed[reference] = known
                return known, 0.0
            running = self._running.get(reference)
            if running is None:
                break
            await asyncio.shield(running)
        done = asyncio.get_running_loop().create_future()
        self._running[reference] = done
        try:
            return await self._compute(reference, key, timeout_s=timeout_s)
        finally:
            del self._running[reference]
            done.set_result(None)

    async def _compute(
        self, reference: ReferenceCommand, key: str, *, timeout_s: float
    ) -> tuple[str, float]:
        try:
            warm, _ = await self._supply.acquire(reference.key)
        except HeaderFailure as failure:
            raise StatementUnavailable(
                f"the formal statement's header could not be loaded: {failure}"
            ) from failure
        try:
            text, elapsed = await run_reference(warm.repl, warm.env, reference, timeout_s=timeout_s)
        except ReferenceFailed as exc:
            self._supply.release(warm)
            self._rejected[reference] = str(exc)
            raise
        except (ReplCrashed, ReplTimeout, ReplOutOfMemory) as exc:
            self._supply.retire(warm)
            raise StatementUnavailable(
                f"checking the formal statement alone failed ({exc}); the proof was not "
                "judged: retry, raise the timeout, or check the formal statement"
            ) from exc
        except BaseException:
            self._supply.retire(warm)
            raise
        self._supply.release(warm)
        self._printed[reference] = text
        if self._store is not None:
            await asyncio.to_thread(self._store.put_statement, key, text)
        return text, elapsed
