"""Micro-batching: concurrent single calls share verifier calls and nobody loses a result."""

from __future__ import annotations

import asyncio

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import MockVerifier, Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.lean.mock import Handler
from kimina_prover_rl.reward.batching import BatchingConfig, MicroBatcher


def _ok_is_valid(request: VerifyRequest) -> Verdict:
    """Accepts code containing 'ok'."""
    status = VerdictStatus.VALID if "ok" in request.code else VerdictStatus.LEAN_ERROR
    return Verdict(status, id=request.id)


def _explode(request: VerifyRequest) -> Verdict:
    raise RuntimeError("backend exploded")


async def test_concurrent_calls_are_sent_as_one_batch() -> None:
    verifier = MockVerifier(_ok_is_valid)
    batcher = MicroBatcher(verifier, BatchingConfig(max_batch=100, max_delay_s=0.01))
    codes = [f"proof {i} {'ok' if i % 2 else 'bad'}" for i in range(40)]
    verdicts = await asyncio.gather(
        *(batcher.verify_one(VerifyRequest(code, id=str(i))) for i, code in enumerate(codes))
    )
    assert len(verifier.batches) == 1
    assert [v.id for v in verdicts] == [str(i) for i in range(40)]
    assert [v.is_valid for v in verdicts] == [i % 2 == 1 for i in range(40)]


async def test_a_full_batch_is_sent_without_waiting() -> None:
    verifier = MockVerifier(_ok_is_valid)
    batcher = MicroBatcher(verifier, BatchingConfig(max_batch=8, max_delay_s=60.0))
    verdicts = await asyncio.wait_for(
        asyncio.gather(*(batcher.verify_one(VerifyRequest(f"ok {i}")) for i in range(16))),
        timeout=60,
    )
    assert len(verdicts) == 16
    assert [len(b) for b in verifier.batches] == [8, 8]


async def test_a_raising_backend_still_answers_every_caller() -> None:
    batcher = MicroBatcher(MockVerifier(_explode))
    verdicts = await asyncio.gather(*(batcher.verify_one(VerifyRequest("ok")) for _ in range(5)))
    assert {v.status for v in verdicts} == {VerdictStatus.INFRA_ERROR}
    assert all("backend exploded" in v.detail for v in verdicts)


async def test_aclose_flushes_pending_requests() -> None:
    verifier = MockVerifier(_ok_is_valid)
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


def _gated(gate: asyncio.Event, started: asyncio.Event) -> Handler:
    """Holds every request until ``gate`` is set (``started`` says one arrived); valid."""

    async def handler(request: VerifyRequest) -> Verdict:
        started.set()
        await gate.wait()
        return Verdict(VerdictStatus.VALID, id=request.id)

    return handler


async def test_a_caller_cancelled_while_waiting_drops_out_of_the_batch() -> None:
    gate, started = asyncio.Event(), asyncio.Event()
    gate.set()
    verifier = MockVerifier(_gated(gate, started))
    # No timer can fire before the cancellation, however loaded the machine: the batch
    # goes out when aclose sends what is pending.
    batcher = MicroBatcher(verifier, BatchingConfig(max_delay_s=3600.0))
    calls = [
        asyncio.ensure_future(batcher.verify_one(VerifyRequest("ok", id=str(i)))) for i in range(4)
    ]
    await asyncio.sleep(0)
    calls[1].cancel()
    await batcher.aclose()
    done = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(done[1], asyncio.CancelledError)
    assert [v.id for v in done if isinstance(v, Verdict)] == ["0", "2", "3"]
    assert [[r.id for r in batch] for batch in verifier.batches] == [["0", "2", "3"]]
    assert "pending=0 in_flight=0" in repr(batcher)


async def test_a_caller_cancelled_in_flight_leaves_the_others_their_verdicts() -> None:
    gate, started = asyncio.Event(), asyncio.Event()
    verifier = MockVerifier(_gated(gate, started))
    batcher = MicroBatcher(verifier, BatchingConfig(max_delay_s=0.0))
    calls = [
        asyncio.ensure_future(batcher.verify_one(VerifyRequest("ok", id=str(i)))) for i in range(3)
    ]
    await asyncio.wait_for(started.wait(), timeout=60)
    calls[0].cancel()
    gate.set()
    done = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), timeout=60)
    assert isinstance(done[0], asyncio.CancelledError)
    assert [v.id for v in done[1:] if isinstance(v, Verdict)] == ["1", "2"]
    await batcher.aclose()
    assert "pending=0 in_flight=0" in repr(batcher)


async def test_a_batch_whose_callers_all_left_is_not_sent() -> None:
    gate, started = asyncio.Event(), asyncio.Event()
    verifier = MockVerifier(_gated(gate, started))
    batcher = MicroBatcher(verifier, BatchingConfig(max_delay_s=3600.0))  # aclose sends
    call = asyncio.ensure_future(batcher.verify_one(VerifyRequest("ok")))
    await asyncio.sleep(0)
    call.cancel()
    await batcher.aclose()
    assert verifier.batches == []
    assert batcher.batches_sent == 0


def _first_only(request: VerifyRequest) -> Verdict | None:
    """Breaks the contract: answers only the first request (id "0") of a batch."""
    return Verdict(VerdictStatus.VALID, id=request.id) if request.id == "0" else None


async def test_a_verifier_that_loses_verdicts_cannot_leave_callers_hanging() -> None:
    batcher = MicroBatcher(MockVerifier(_first_only), BatchingConfig(max_delay_s=0.0))
    verdicts = await asyncio.wait_for(
        asyncio.gather(*(batcher.verify_one(VerifyRequest("ok", id=str(i))) for i in range(3))),
        timeout=60,
    )
    assert verdicts[0].status is VerdictStatus.VALID
    assert {v.status for v in verdicts[1:]} == {VerdictStatus.INFRA_ERROR}
    assert all("without a verdict for this proof" in v.detail for v in verdicts[1:])


def _first_fast(gate: asyncio.Event) -> Handler:
    """Answers request "0" at once and the others only when the test opens ``gate``."""

    async def handler(request: VerifyRequest) -> Verdict:
        if request.id == "0":
            return Verdict(VerdictStatus.VALID, id=request.id)
        await gate.wait()
        return Verdict(VerdictStatus.LEAN_ERROR, id=request.id)

    return handler


async def test_a_caller_gets_its_verdict_before_the_slowest_of_its_batch() -> None:
    gate = asyncio.Event()
    verifier = MockVerifier(_first_fast(gate))
    batcher = MicroBatcher(verifier, BatchingConfig(max_delay_s=0.0))
    calls = [
        asyncio.create_task(batcher.verify_one(VerifyRequest("p", id=str(i)))) for i in range(3)
    ]
    first = await asyncio.wait_for(calls[0], timeout=60)
    assert first.status is VerdictStatus.VALID
    assert not any(call.done() for call in calls[1:])
    gate.set()
    rest = await asyncio.wait_for(asyncio.gather(*calls[1:]), timeout=60)
    assert {v.status for v in rest} == {VerdictStatus.LEAN_ERROR}
    await batcher.aclose()
