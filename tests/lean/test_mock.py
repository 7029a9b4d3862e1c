"""MockVerifier: the handler decides each verdict; calls are recorded; the contract holds."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.lean import DedupVerifier, MockVerifier, Verdict, VerdictStatus, VerifyRequest


def _by_code(request: VerifyRequest) -> Verdict:
    status = VerdictStatus.VALID if "ok" in request.code else VerdictStatus.LEAN_ERROR
    return Verdict(status, id=request.id)


async def test_a_sync_handler_decides_each_verdict_and_every_call_is_recorded() -> None:
    mock = MockVerifier(_by_code, lean_version="v4.test")
    first = [VerifyRequest("ok", id="a"), VerifyRequest("bad", id="b")]
    verdicts = await mock.verify(first)
    await mock.verify([VerifyRequest("ok again", id="c")])
    assert [(v.id, v.status) for v in verdicts] == [
        ("a", VerdictStatus.VALID),
        ("b", VerdictStatus.LEAN_ERROR),
    ]
    assert mock.batches == [first, [VerifyRequest("ok again", id="c")]]
    assert [r.id for r in mock.requests] == ["a", "b", "c"]
    assert (mock.lean_version, mock.verdict_scope) == ("v4.test", "v4.test")


async def test_an_async_handler_is_awaited() -> None:
    gate = asyncio.Event()

    async def held(request: VerifyRequest) -> Verdict:
        await gate.wait()
        return _by_code(request)

    mock = MockVerifier(held)
    call = asyncio.create_task(mock.verify([VerifyRequest("ok", id="a")]))
    await asyncio.sleep(0)
    assert not call.done()
    assert [r.id for r in mock.requests] == ["a"]  # recorded when the call starts
    gate.set()
    (verdict,) = await asyncio.wait_for(call, 60)
    assert verdict.status is VerdictStatus.VALID


@given(st.lists(st.sampled_from(["ok", "bad", "ok 2"]), max_size=12))
def test_reverse_streams_last_to_first_and_verify_puts_them_back(codes: list[str]) -> None:
    requests = [VerifyRequest(code, id=str(i)) for i, code in enumerate(codes)]

    async def run() -> tuple[list[int], list[Verdict]]:
        mock = MockVerifier(_by_code, reverse=True)
        order = [index async for index, _ in mock.verify_stream(requests)]
        return order, await mock.verify(requests)

    order, verdicts = asyncio.run(run())
    assert order == list(reversed(range(len(codes))))
    assert [v.id for v in verdicts] == [r.id for r in requests]


async def test_a_handler_returning_none_leaves_the_request_unanswered() -> None:
    mock = MockVerifier(lambda r: None if r.code == "lost" else _by_code(r))
    requests = [VerifyRequest("ok", id="a"), VerifyRequest("lost", id="b")]
    streamed = [index async for index, _ in mock.verify_stream(requests)]
    assert streamed == [0]
    # what the Verifier contract then gives a caller of verify: an infrastructure verdict
    verdicts = await DedupVerifier(mock).verify(requests)
    assert verdicts[1].status is VerdictStatus.INFRA_ERROR


async def test_what_the_handler_raises_reaches_the_caller_and_closing_is_recorded() -> None:
    def broken(request: VerifyRequest) -> Verdict:
        raise RuntimeError(f"backend exploded on {request.id}")

    async with MockVerifier(broken) as mock:
        with pytest.raises(RuntimeError, match="exploded on x"):
            await mock.verify([VerifyRequest("ok", id="x")])
        assert not mock.closed
    assert mock.closed
