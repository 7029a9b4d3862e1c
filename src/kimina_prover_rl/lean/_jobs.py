"""A submitted proof on its way through the pool, and the bounded queue it waits in.

A proof is split once, when it is submitted, into the header that keys its REPL and the
rest that is sent as a command from the header's environment (:func:`prepare`).

:class:`JobQueue` exists because ``asyncio.Queue`` has neither a deadline on ``put`` nor
(before Python 3.13) a way to release blocked producers when the consumers go away; the
pool needs both, so that a caller held back by backpressure gets ``overloaded`` at its
deadline and ``infra_error`` when the pool closes, instead of waiting forever.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from kimina_prover_rl.lean._axiom_check import CheckPlan, plan_checks
from kimina_prover_rl.lean._statement_check import ReferenceCommand, reference_command
from kimina_prover_rl.lean.verdict import Verdict, VerifyRequest
from kimina_prover_rl.proof import parse_lean_code

__all__ = ["Job", "JobQueue", "PreparedProof", "prepare"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class PreparedProof:
    """What the pool sends for one proof.

    ``key`` is the header exactly as written, minus trailing whitespace (it is both the
    REPL key and the header command; ``""`` means no header: the body runs in a fresh
    environment). ``body`` is everything after the header and ``line_offset`` the
    number of lines the header took in the submitted code. ``command`` is the body with
    the check appended (``plan``, starting on the command's line ``check_line``; None:
    the code declares nothing to check). ``reference`` is the given statement's own
    check, when the request gives the statement and names its theorem.
    """

    key: str
    body: str
    line_offset: int
    plan: CheckPlan | None
    command: str
    check_line: int
    reference: ReferenceCommand | None = None


def prepare(request: VerifyRequest) -> PreparedProof:
    """Split submitted code into header key and body, and append the check to the body.

    ``import`` lines after the first non-header line stay in the body, where Lean
    rejects them itself; they never become part of a header key.
    """
    code = request.code
    header = parse_lean_code(code).header
    body = code[len(header) :]
    reference = None
    if request.theorem_name is not None and request.formal_statement is not None:
        reference = reference_command(request.formal_statement, request.theorem_name)
    plan = plan_checks(
        code, theorem_name=request.theorem_name, check_statement=reference is not None
    )
    command, check_line = (body, 0) if plan is None else plan.appended_to(body)
    return PreparedProof(
        key=header.rstrip(),
        body=body,
        line_offset=header.count("\n"),
        plan=plan,
        command=command,
        check_line=check_line,
        reference=reference,
    )


@dataclass(eq=False, slots=True)
class Job:
    """One submitted proof, from submission until its verdict is delivered to ``sink``."""

    index: int
    request: VerifyRequest
    prepared: PreparedProof
    sink: asyncio.Queue[tuple[int, Verdict] | BaseException]
    submitted: float
    started: float | None = None
    done: bool = False


class JobQueue(Generic[_T]):
    """A FIFO of at most ``maxsize`` items with deadline-bounded ``put``."""

    def __init__(self, maxsize: int) -> None:
        self._items: deque[_T] = deque()
        self._maxsize = maxsize
        self._getters: deque[asyncio.Future[None]] = deque()
        self._putters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    async def put(self, item: _T, *, deadline: float) -> bool:
        """Append ``item``, waiting for room until loop time ``deadline``.

        Returns False, without enqueuing, if the deadline passes or the queue is closed.
        """
        while len(self._items) >= self._maxsize and not self._closed:
            try:
                async with asyncio.timeout_at(deadline):
                    await self._wait(self._putters)
            except TimeoutError:
                return False
        if self._closed:
            return False
        self._items.append(item)
        _wake_one(self._getters)
        return True

    async def get(self) -> _T:
        """Remove and return the oldest item, waiting for one if the queue is empty."""
        while not self._items:
            await self._wait(self._getters)
        item = self._items.popleft()
        _wake_one(self._putters)
        return item

    def close(self) -> list[_T]:
        """Refuse further items, release every blocked ``put``; return what was queued."""
        self._closed = True
        left = list(self._items)
        self._items.clear()
        for waiters in (self._putters, self._getters):
            while waiters:
                waiter = waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)
        return left

    async def _wait(self, waiters: deque[asyncio.Future[None]]) -> None:
        waiter = asyncio.get_running_loop().create_future()
        waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # We were woken and interrupted at once: pass the wake-up on, or it is lost.
                _wake_one(waiters)
            elif waiter in waiters:
                waiters.remove(waiter)
            raise


def _wake_one(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return
