"""Micro-batching: concurrent single calls share verifier calls and nobody loses a result."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import Verdict, VerdictStatus, Verifier, VerifyRequest
from kimina_prover_rl.reward.batching import BatchingConfig, MicroBatcher


class RecordingVerifier(Verifier):
    """Accepts code containing 'ok'; records each batch it is asked to check."""

    def __init__(self, *, fail: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail

    async def verify_stream(
        self, requests: Sequence[VerifyRequest]
    ) -> AsyncIterator[tuple[int, Verdict]]:
        self.batches.append([r.code for r in requests])
        if self.fail:
            raise RuntimeError("backend exploded")
        await asyncio.sleep(0)
        for i, request in enumerate(requests):
            status = VerdictStatus.VALID if "ok" in request.code else VerdictStatus.LEAN_ERROR
            yield i, Verdict(status, id=request.id)


async def test_concurrent_calls_are_sent_as_one_batch() -> None:
    verifier = RecordingVerifier()
    batcher = MicroBatcher(verifier, BatchingConfig(max_batch=100, max_delay_s=0.01))
    codes = [f"proof {i} {'ok' if i % 2 else 'bad'}" for i in range(40)]
    verdicts = await asyncio.gather(
        *(batcher.verify_one(VerifyRequest(code, id=str(i))) for i, code in enumerate(codes))
    )
    assert len(verifier.batches) == 1
    assert [v.id for v in verdicts] == [str(i) for i in range(40)]
    assert [v.is_valid for v in verdicts] == [i % 2 == 1 for i in range(40)]


async def test_a_full_batch_is_sent_without_waiting() -> None:
    verifier = RecordingVerifier()
    batcher = MicroBatcher(verifier, BatchingConfig(max_batch=8, max_delay_s=60.0))
    verdicts = await asyncio.wait_for(
        asyncio.gather(*(batcher.verify_one(VerifyRequest(f"ok {i}")) for i in range(16))),
        timeout=5,
    )
    assert len(verdicts) == 16
    assert [len(b) for b in verifier.batches] == [8, 8]


async def test_a_raising_backend_still_answers_every_caller() -> None:
    batcher = MicroBatcher(RecordingVerifier(fail=True))
    verdicts = await asyncio.gather(*(batcher.verify_one(VerifyRequest("ok")) for _ in range(5)))
    assert {v.status for v in verdicts} == {VerdictStatus.INFRA_ERROR}
    assert all("backend exploded" in v.detail for v in verdicts)


async def test_aclose_flushes_pending_requests() -> None:
    verifier = RecordingVerifier()
    batcher = MicroBatcher(verifier, BatchingConfig(max_delay_s=60.0))
    pending = asyncio.ensure_future(batcher.verify_one(VerifyRequest("ok")))
    await asyncio.sleep(0)
    await batcher.aclose()
    assert (await pending).is_valid


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"max_batch": 0}, "max_batch"), ({"max_delay_s": -1.0}, "max_delay_s")],
)
def test_invalid_config_names_the_field(kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        BatchingConfig(**kwargs)  # type: ignore[arg-type]
