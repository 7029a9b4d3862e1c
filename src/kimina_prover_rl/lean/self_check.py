"""The start-up self-check: known proofs, known verdicts, before any proof is judged.

The verifier's judgement rests on reading Lean's answers (messages, the ``sorry`` warning,
``#print axioms`` reports, printed types); a Lean that words them differently would be
judged wrongly without a single error. So every verifier :func:`open_verifier
<kimina_prover_rl.lean.factory.open_verifier>` builds first sends :func:`self_check_cases`
to its backend, under the configured header and built from core Lean only: a valid proof,
a Lean error, an explicit ``sorry``, ``exact sorryAx _ false`` (``sorry``: Lean warns
whenever a declaration holds ``sorryAx``), a user axiom, a decoy declaration after the
graded theorem, a changed statement, and ``native_decide`` under the configured policy.
Any verdict Lean gave that differs stops everything with :class:`~kimina_prover_rl.errors.
SelfCheckFailed`, whose message begins ``verifier self-check failed:`` and names the
case, the expected and actual verdict, Lean's raw output, the Lean version and what to do.
A case Lean never judged (infrastructure failure, timeout) leaves the check
``unavailable``: proofs go on (they meet the same failure and say so), and the check runs
again before the next batch.

A pass is remembered in the verdict cache's ``self_checks`` table under the backend's
verdict scope (Lean version, project, REPL command, check rules) and these cases, so it
runs again only when one of those changes. Skipping it is explicit
(``--skip-self-check``) and said on every run. The cases carry ``-- standin:`` comments
telling the stand-in REPL what real Lean answers; Lean ignores them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, Self

from kimina_prover_rl.errors import SelfCheckFailed
from kimina_prover_rl.lean.verdict import Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.verifier import Verifier, WrappingVerifier

__all__ = [
    "SELF_CHECK_SKIPPED_NOTE",
    "SELF_CHECK_VERSION",
    "SelfCheckCase",
    "SelfCheckReport",
    "SelfCheckStore",
    "SelfCheckedVerifier",
    "note_skipped",
    "run_self_check",
    "self_check_cases",
    "self_check_report",
]

SELF_CHECK_VERSION = 1
"""Bump when the cases or their expected verdicts change: stored passes stop counting."""

SELF_CHECK_SKIPPED_NOTE = (
    "NOTE: the verifier self-check is SKIPPED (--skip-self-check): nothing confirmed that "
    "this Lean's answers are read correctly; drop the option to check."
)
"""Printed on stderr whenever a verifier is built without its self-check."""

_logger = logging.getLogger(__name__)
_PREFIX = "kimina_self_check"
_RAW_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class SelfCheckCase:
    """One known proof: its name, what it shows, the request and the verdict Lean earns."""

    name: str
    what: str
    request: VerifyRequest
    expected: VerdictStatus


def self_check_cases(header: str, *, allow_native_decide: bool) -> tuple[SelfCheckCase, ...]:
    """The cases, under ``header`` (e.g. ``import Mathlib``; empty for core Lean alone)."""
    top = f"{header.rstrip()}\n\n" if header.strip() else ""
    add_zero = f"theorem {_PREFIX}_statement (n : Nat) : n + 0 = n := by\n  sorry\n"
    false_fact = "(2 : Nat) + 2 = 5"

    def case(
        name: str, what: str, body: str, expected: VerdictStatus, **options: Any
    ) -> SelfCheckCase:
        request = VerifyRequest(top + body, id=f"{_PREFIX}:{name}", **options)
        return SelfCheckCase(name, what, request, expected)

    native = VerdictStatus.VALID if allow_native_decide else VerdictStatus.UNSOUND
    return (
        case(
            "valid",
            "a correct proof of the given statement is valid",
            f"theorem {_PREFIX}_statement (n : Nat) : n + 0 = n := rfl\n",
            VerdictStatus.VALID,
            formal_statement=top + add_zero,
        ),
        case(
            "lean_error",
            "a proof Lean rejects is lean_error",
            f"theorem {_PREFIX}_error : {false_fact} := by\n"
            '  decide -- standin: error "decide failed: the proposition is false"\n',
            VerdictStatus.LEAN_ERROR,
        ),
        case(
            "sorry",
            "an explicit sorry is sorry",
            f"theorem {_PREFIX}_sorry : {false_fact} := by\n  sorry\n",
            VerdictStatus.SORRY,
        ),
        case(
            "sorry_ax",
            "`exact sorryAx _ false` is sorry (Lean warns on any sorryAx)",
            f"theorem {_PREFIX}_sorry_ax : {false_fact} := by\n  exact sorryAx _ false\n",
            VerdictStatus.SORRY,
        ),
        case(
            "user_axiom",
            "a proof by a declared axiom is unsound",
            f"axiom {_PREFIX}_axiom : {false_fact}\n\n"
            f"theorem {_PREFIX}_by_axiom : {false_fact} := {_PREFIX}_axiom\n",
            VerdictStatus.UNSOUND,
        ),
        case(
            "decoy_after",
            "the graded theorem is checked, not a clean declaration after it",
            f"axiom {_PREFIX}_decoy_axiom : {false_fact}\n\n"
            f"theorem {_PREFIX}_graded : {false_fact} := {_PREFIX}_decoy_axiom\n\n"
            f"theorem {_PREFIX}_decoy : (2 : Nat) + 2 = 4 := rfl\n",
            VerdictStatus.UNSOUND,
            theorem_name=f"{_PREFIX}_graded",
        ),
        case(
            "changed_statement",
            "a proof of another statement under the given name is unsound",
            f"theorem {_PREFIX}_statement (n : Nat) : n = n := rfl\n",
            VerdictStatus.UNSOUND,
            formal_statement=top + add_zero,
        ),
        case(
            "native_decide",
            "native_decide is "
            + ("accepted (allowed)" if allow_native_decide else "unsound (not allowed)"),
            f"theorem {_PREFIX}_native : (2 : Nat) + 2 = 4 := by\n  native_decide\n",
            native,
            allow_native_decide=allow_native_decide,
        ),
    )


@dataclass(frozen=True, slots=True)
class SelfCheckReport:
    """What the self-check found: ``state`` is ``passed``, ``failed``, ``skipped`` or
    ``unavailable`` (Lean did not answer every case: nothing judged wrongly, so proofs go
    on, and the check runs again before the next ones).

    ``cases`` maps each case to ``{"expected", "actual"}``; ``remembered`` says the pass
    was read from the store rather than run now.
    """

    state: str
    header: str
    lean_version: str = ""
    cases: dict[str, dict[str, str]] = field(default_factory=dict)
    remembered: bool = False
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``/health``, ``doctor``, the store)."""
        return asdict(self)


class SelfCheckStore(Protocol):
    """Where passes outlive the process (:class:`~kimina_prover_rl.lean.cache.VerdictCache`)."""

    def get_self_check(self, key: str) -> str | None: ...

    def put_self_check(self, key: str, report: str) -> None: ...


async def run_self_check(
    verifier: Verifier, *, header: str, allow_native_decide: bool = False
) -> SelfCheckReport:
    """Send every case to ``verifier`` at once and compare the verdicts (never raises for
    a wrong verdict: the report says ``failed`` and its ``message`` says why)."""
    cases = self_check_cases(header, allow_native_decide=allow_native_decide)
    verdicts = await verifier.verify([c.request for c in cases])
    version = verifier.lean_version or next((v.lean_version for v in verdicts), "")
    table = {
        c.name: {"expected": c.expected.value, "actual": v.status.value}
        for c, v in zip(cases, verdicts, strict=True)
    }
    pairs = list(zip(cases, verdicts, strict=True))
    for case, verdict in pairs:
        if not _agrees(case, verdict) and not _unanswered(verdict):
            message = _failure(case, verdict, version)
            return SelfCheckReport("failed", header, version, table, message=message)
    for case, verdict in pairs:
        if not _agrees(case, verdict):
            message = (
                f"verifier self-check could not run: case {case.name!r} got "
                f"{verdict.status.value} ({verdict.detail or 'no detail'}); it runs again "
                f"before the next proofs. If this persists, check that the header {header!r} "
                "loads in your project (--self-check-header) and the Lean setup "
                "(`kimina-rl doctor`)"
            )
            return SelfCheckReport("unavailable", header, version, table, message=message)
    return SelfCheckReport("passed", header, version, table)


def _agrees(case: SelfCheckCase, verdict: Verdict) -> bool:
    """The expected verdict, or a refusal before Lean where ``unsound`` is expected (a
    server in between that scans for forbidden constructs refuses the axiom cases)."""
    if verdict.status is case.expected:
        return True
    return case.expected is VerdictStatus.UNSOUND and verdict.status is VerdictStatus.REJECTED


def _unanswered(verdict: Verdict) -> bool:
    """Whether Lean never judged the case (infrastructure, time or memory limit)."""
    status = verdict.status
    return status.is_infrastructure or status in (VerdictStatus.TIMEOUT, VerdictStatus.OOM)


def _failure(case: SelfCheckCase, verdict: Verdict, version: str) -> str:
    raw = {
        "response": verdict.response,
        "messages": [m.to_repl() for m in verdict.messages],
        "check_messages": verdict.extra.get("check_messages"),
    }
    shown = json.dumps(raw, ensure_ascii=False)
    if len(shown) > _RAW_LIMIT:
        shown = shown[:_RAW_LIMIT] + f"… ({len(shown) - _RAW_LIMIT} more characters)"
    todo = (
        "this Lean answers in a way the verifier does not read correctly, so its verdicts "
        "would be wrong: use a Lean version the verifier knows (v4.9 to v4.33 are "
        "recorded), check the REPL (`kimina-rl doctor`), or report this output as an "
        "issue; --skip-self-check runs anyway, at the risk of wrong verdicts"
    )
    return (
        f"verifier self-check failed: case {case.name!r} ({case.what}): expected "
        f"{case.expected.value}, got {verdict.status.value}"
        f"{': ' + verdict.detail if verdict.detail else ''}\n"
        f"code:\n{case.request.code}\n"
        f"Lean's raw output: {shown}\n"
        f"Lean version: {version or 'unknown'}\n"
        f"what to do: {todo}"
    )


def _store_key(scope: str, header: str, allow_native_decide: bool) -> str:
    material = json.dumps([SELF_CHECK_VERSION, scope, header, allow_native_decide])
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


class SelfCheckedVerifier(WrappingVerifier):
    """``inner``, once ``probe`` (its backend, below any cache) passed the self-check.

    The check runs on entering (``async with``) or before the first proof, once (again
    while it is ``unavailable``); a failure raises :class:`SelfCheckFailed` then and on
    every later call. ``skip`` records a
    skipped check without running it.
    """

    def __init__(
        self,
        inner: Verifier,
        *,
        probe: Verifier,
        header: str,
        allow_native_decide: bool = False,
        store: SelfCheckStore | None = None,
        skip: bool = False,
    ) -> None:
        super().__init__(inner)
        self._probe = probe
        self._header = header
        self._allow_native_decide = allow_native_decide
        self._store = store
        self._report: SelfCheckReport | None = (
            SelfCheckReport("skipped", header, message=SELF_CHECK_SKIPPED_NOTE) if skip else None
        )
        self._lock = asyncio.Lock()

    @property
    def report(self) -> SelfCheckReport | None:
        """The outcome so far (None: not run yet)."""
        return self._report

    async def ensure(self) -> SelfCheckReport:
        """Run the self-check unless done; raise :class:`SelfCheckFailed` if it failed."""
        async with self._lock:
            if self._report is None or self._report.state == "unavailable":
                self._report = await self._run()
                if self._report.state == "unavailable":
                    _logger.warning("%s", self._report.message)
        if self._report.state == "failed":
            raise SelfCheckFailed(self._report.message)
        return self._report

    async def _run(self) -> SelfCheckReport:
        scope = self._probe.verdict_scope
        key = _store_key(scope, self._header, self._allow_native_decide) if scope else None
        if key is not None and self._store is not None:
            stored = await asyncio.to_thread(self._store.get_self_check, key)
            if stored is not None:
                data = json.loads(stored)
                return SelfCheckReport(**{**data, "remembered": True})
        report = await run_self_check(
            self._probe, header=self._header, allow_native_decide=self._allow_native_decide
        )
        scope = self._probe.verdict_scope
        if report.state == "passed" and scope and self._store is not None:
            key = _store_key(scope, self._header, self._allow_native_decide)
            await asyncio.to_thread(self._store.put_self_check, key, json.dumps(report.to_dict()))
        return report

    async def __aenter__(self) -> Self:
        try:
            await self.ensure()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        await self.ensure()
        async for item in self._inner.verify_stream(requests):
            yield item


def self_check_report(verifier: Verifier) -> SelfCheckReport | None:
    """The self-check report of the stack ``verifier`` tops (None: it has no self-check)."""
    current: Verifier | None = verifier
    while current is not None:
        if isinstance(current, SelfCheckedVerifier):
            return current.report
        current = current.inner if isinstance(current, WrappingVerifier) else None
    return None


def note_skipped() -> None:
    """Say on stderr that the self-check is skipped (every run that skips it)."""
    print(SELF_CHECK_SKIPPED_NOTE, file=sys.stderr, flush=True)
