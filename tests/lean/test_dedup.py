"""DedupVerifier: each distinct proof in flight is checked once; every request gets its verdict."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.lean import (
    CachingVerifier,
    MockVerifier,
    Verdict,
    VerdictCache,
    VerdictStatus,
    VerifyRequest,
)
from kimina_prover_rl.lean.dedup import DedupVerifier, proof_key
from kimina_prover_rl.lean.mock import Handler
from tests.lean._fake_verifier import LEAN_VERSION, fake_verifier, scripted_verdict


def test_proof_key_depends_on_code_options_and_verdict_scope() -> None:
    base = VerifyRequest("theorem t : True := trivial", id="a")
    key = proof_key(base, scope="v1")
    assert key == proof_key(VerifyRequest(base.code, id="other id"), scope="v1")
    assert key != proof_key(base, scope="v2")
    assert key != proof_key(VerifyRequest(base.code + " "), scope="v1")
    assert key != proof_key(VerifyRequest(base.code, timeout_s=5), scope="v1")
    assert key != proof_key(VerifyRequest(base.code, allow_native_decide=True), scope="v1")
    # the default time limit counts when the request names none
    assert proof_key(base, scope="v1", default_timeout_s=5) == proof_key(
        VerifyRequest(base.code, timeout_s=5), scope="v1"
    )


async def test_duplicates_in_a_batch_are_checked_once_with_their_own_ids() -> None:
    fake = fake_verifier()
    dedup = DedupVerifier(fake)
    codes = ["p1", "p2 sorry", "p1", "p1", "p2 sorry", "p3 error"]
    requests = [VerifyRequest(code, id=f"id{i}") for i, code in enumerate(codes)]

    verdicts = await dedup.verify(requests)

    assert [v.id for v in verdicts] == [f"id{i}" for i in range(len(codes))]
    assert [v.status for v in verdicts] == [scripted_verdict(r).status for r in requests]
    assert sorted(r.code for r in fake.requests) == ["p1", "p2 sorry", "p3 error"]
    assert (dedup.stats.submitted, dedup.stats.checked, dedup.stats.deduplicated) == (6, 3, 3)
    # the verdict names what was checked: duplicates share the hash, others differ
    assert (
        verdicts[0].code_hash == verdicts[2].code_hash == proof_key(requests[0], scope=LEAN_VERSION)
    )
    assert len({v.code_hash for v in verdicts}) == 3


async def test_stream_yields_every_index_exactly_once() -> None:
    dedup = DedupVerifier(fake_verifier())
    requests = [VerifyRequest(f"p{i % 3}", id=str(i)) for i in range(10)]
    seen = [index async for index, _ in dedup.verify_stream(requests)]
    assert sorted(seen) == list(range(10))


async def test_concurrent_calls_share_one_check() -> None:
    release = asyncio.Event()
    fake = fake_verifier(release=release)
    dedup = DedupVerifier(fake)
    first = asyncio.create_task(dedup.verify([VerifyRequest("shared", id="a")]))
    await asyncio.sleep(0)
    second = asyncio.create_task(dedup.verify([VerifyRequest("shared", id="b")]))
    await asyncio.sleep(0.01)
    release.set()
    (a,), (b,) = await asyncio.gather(first, second)
    assert (a.id, b.id) == ("a", "b")
    assert a.status is b.status is VerdictStatus.VALID
    assert len(fake.requests) == 1
    # once answered, the same proof is checked again (dedup is for proofs in flight only)
    await dedup.verify([VerifyRequest("shared", id="c")])
    assert len(fake.requests) == 2


async def test_a_cancelled_leader_does_not_cost_its_followers_the_verdict() -> None:
    release = asyncio.Event()
    fake = fake_verifier(release=release)
    dedup = DedupVerifier(fake)
    leader = asyncio.create_task(dedup.verify([VerifyRequest("shared", id="leader")]))
    await asyncio.sleep(0)
    follower = asyncio.create_task(dedup.verify([VerifyRequest("shared", id="follower")]))
    await asyncio.sleep(0.01)
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    release.set()
    (verdict,) = await asyncio.wait_for(follower, 5)
    assert verdict.id == "follower"
    assert verdict.status is VerdictStatus.VALID
    assert not dedup._in_flight


def _dropping_the_last(last_code: str) -> Handler:
    """Leaves the request with ``last_code`` unanswered, as a backend ending its stream early."""
    return lambda request: None if request.code == last_code else scripted_verdict(request)


async def test_a_backend_that_drops_a_proof_yields_an_infra_error_for_it() -> None:
    dedup = DedupVerifier(MockVerifier(_dropping_the_last("b")))
    verdicts = await dedup.verify([VerifyRequest("a", id="1"), VerifyRequest("b", id="2")])
    assert verdicts[0].status is VerdictStatus.VALID
    assert verdicts[1].status is VerdictStatus.INFRA_ERROR
    assert verdicts[1].id == "2"


def _explode(request: VerifyRequest) -> Verdict:
    raise RuntimeError("backend exploded")


async def test_an_exception_from_the_backend_reaches_the_caller_and_frees_the_keys() -> None:
    dedup = DedupVerifier(MockVerifier(_explode))
    with pytest.raises(RuntimeError, match="backend exploded"):
        await dedup.verify([VerifyRequest("a"), VerifyRequest("a")])
    assert not dedup._in_flight


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c sorry", "d error", "e"]), max_size=30))
def test_any_batch_gets_one_verdict_per_request_in_order(codes: list[str]) -> None:
    async def run() -> tuple[list[Verdict], MockVerifier]:
        fake = fake_verifier()
        return await DedupVerifier(fake).verify(
            [VerifyRequest(c, id=str(i)) for i, c in enumerate(codes)]
        ), fake

    verdicts, fake = asyncio.run(run())
    assert [v.id for v in verdicts] == [str(i) for i in range(len(codes))]
    assert [v.status for v in verdicts] == [
        scripted_verdict(VerifyRequest(c)).status for c in codes
    ]
    assert len(fake.requests) == len(set(codes))


@pytest.mark.parametrize("dedup", [True, False])
async def test_the_outermost_wrapper_puts_the_time_limit_on_each_request_once(
    dedup: bool, tmp_path: Path
) -> None:
    backend = fake_verifier()
    cache = VerdictCache(tmp_path / "v.sqlite")
    inner = CachingVerifier(backend, cache, default_timeout_s=None if dedup else 7.0)
    stack = DedupVerifier(inner, default_timeout_s=7.0) if dedup else inner
    requests = [VerifyRequest("theorem a : True := trivial"),
                VerifyRequest("theorem b : True := trivial", timeout_s=3.0)]  # fmt: skip
    async with stack:
        await stack.verify(requests)
    assert [r.timeout_s for r in backend.requests] == [7.0, 3.0]
