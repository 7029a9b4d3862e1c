"""SyncVerifier: blocking calls from plain threads onto a private event loop."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from kimina_prover_rl.errors import PoolClosed
from kimina_prover_rl.lean import MockVerifier, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.sync import SyncVerifier
from tests.lean._fake_verifier import LEAN_VERSION, fake_verifier


def test_verify_from_a_plain_thread_returns_verdicts_in_order() -> None:
    fake = fake_verifier()
    with SyncVerifier(fake) as verifier:
        verdicts = verifier.verify([VerifyRequest("ok", id="a"), VerifyRequest("x error", id="b")])
        assert verifier.lean_version == LEAN_VERSION
    assert [(v.id, v.status) for v in verdicts] == [
        ("a", VerdictStatus.VALID),
        ("b", VerdictStatus.LEAN_ERROR),
    ]
    assert fake.closed


def test_many_threads_share_one_verifier() -> None:
    fake = fake_verifier(delay_s=0.01)
    with SyncVerifier(fake) as verifier, ThreadPoolExecutor(8) as threads:
        results = list(
            threads.map(lambda i: verifier.verify_one(VerifyRequest(f"p{i}", id=str(i))), range(32))
        )
    assert [v.id for v in results] == [str(i) for i in range(32)]
    assert len(fake.batches) == 32


def test_a_factory_builds_the_verifier_on_the_loop_thread() -> None:
    seen: list[str] = []

    def build() -> MockVerifier:
        seen.append(threading.current_thread().name)
        return fake_verifier()

    with SyncVerifier(build) as verifier:
        assert verifier.verify_one(VerifyRequest("ok")).status is VerdictStatus.VALID
    assert seen == ["kimina-sync-verifier"]


def test_a_wait_past_timeout_raises_and_the_verifier_stays_usable() -> None:
    release = asyncio.Event()
    fake = fake_verifier(release=release)
    with SyncVerifier(fake) as verifier:
        with pytest.raises(TimeoutError):
            verifier.verify([VerifyRequest("ok")], timeout_s=0.05)
        release.set()  # no waiter is left: the timed-out batch was cancelled
        assert verifier.verify_one(VerifyRequest("ok")).status is VerdictStatus.VALID


def test_close_is_idempotent_and_use_after_close_raises() -> None:
    verifier = SyncVerifier(fake_verifier())
    verifier.close()
    verifier.close()
    with pytest.raises(PoolClosed):
        verifier.verify([VerifyRequest("ok")])
