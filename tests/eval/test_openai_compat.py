"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.eval import GenerationRequest, OpenAIConfig, OpenAIGenerator, SamplingConfig
from tests.eval._chat_server import Reply, chat_server

SAMPLING = SamplingConfig(temperature=0.7, top_p=0.9, max_tokens=123)
CONVERSATION = ({"role": "system", "content": "be brief"}, {"role": "user", "content": "prove"})


class _Sleeps:
    """Records backoff delays instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def _generator(base_url: str, **options: Any) -> tuple[OpenAIGenerator, _Sleeps]:
    sleeps = _Sleeps()
    config = OpenAIConfig(base_url=base_url, model="kimina-test", **options)
    return OpenAIGenerator(config, sleep=sleeps), sleeps


async def test_sends_the_conversation_and_sampling_and_returns_in_order() -> None:
    def reply(body: dict[str, Any]) -> Reply:
        return Reply(content=f"answer to seed {body['seed']}", finish_reason="length")

    with chat_server(reply) as server:
        generator, _ = _generator(server.base_url, api_key="secret")
        requests = [GenerationRequest(CONVERSATION, seed) for seed in (5, 3, 9)]
        async with generator:
            results = await generator.generate(requests, SAMPLING)
    assert [g.text for g in results] == ["answer to seed 5", "answer to seed 3", "answer to seed 9"]
    assert all(g.truncated and g.error is None for g in results)
    body = server.requests[0]
    assert body["model"] == "kimina-test"
    assert body["messages"] == list(CONVERSATION)
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["n"]) == (0.7, 0.9, 123, 1)


async def test_server_errors_are_retried_with_growing_backoff() -> None:
    attempts: list[int] = []

    def reply(body: dict[str, Any]) -> Reply:
        attempts.append(1)
        if len(attempts) <= 2:
            return Reply(status=503, error="loading")
        if len(attempts) == 3:
            return Reply(status=429, error="slow down", headers={"retry-after": "7"})
        return Reply(content="finally")

    with chat_server(reply) as server:
        generator, sleeps = _generator(server.base_url, retries=4, backoff_s=0.5)
        async with generator:
            (result,) = await generator.generate([GenerationRequest(CONVERSATION, 1)], SAMPLING)
    assert result.text == "finally"
    assert sleeps.delays == [0.5, 1.0, 7.0]


async def test_client_errors_fail_at_once_with_the_servers_message() -> None:
    def reply(body: dict[str, Any]) -> Reply:
        return Reply(status=404, error="The model `kimina-test` does not exist.")

    with chat_server(reply) as server:
        generator, sleeps = _generator(server.base_url)
        async with generator:
            (result,) = await generator.generate([GenerationRequest(CONVERSATION, 1)], SAMPLING)
    assert result.error is not None
    assert "404" in result.error
    assert "does not exist" in result.error
    assert sleeps.delays == []
    assert len(server.requests) == 1


async def test_an_unreachable_server_gives_an_error_per_request_after_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    generator, sleeps = _generator(f"http://127.0.0.1:{port}/v1", retries=2)
    async with generator:
        results = await generator.generate(
            [GenerationRequest(CONVERSATION, i) for i in range(2)], SAMPLING
        )
    assert all(r.error is not None and "cannot reach" in r.error for r in results)
    assert all("after 3 attempts" in (r.error or "") for r in results)
    assert len(sleeps.delays) == 4


async def test_a_slow_answer_hits_the_per_request_timeout() -> None:
    def reply(body: dict[str, Any]) -> Reply:
        return Reply(content="late", delay_s=2.0)

    with chat_server(reply) as server:
        generator, _ = _generator(server.base_url, timeout_s=0.2, retries=0)
        async with generator:
            (result,) = await generator.generate([GenerationRequest(CONVERSATION, 1)], SAMPLING)
    assert result.error is not None
    assert "--request-timeout" in result.error


async def test_reasoning_moved_out_by_a_parser_is_put_back_in_front() -> None:
    def reply(body: dict[str, Any]) -> Reply:
        return Reply(content="```lean4\nproof\n```", reasoning="I think")

    with chat_server(reply) as server:
        generator, _ = _generator(server.base_url)
        async with generator:
            (result,) = await generator.generate([GenerationRequest(CONVERSATION, 1)], SAMPLING)
    assert result.text == "<think>\nI think\n</think>\n```lean4\nproof\n```"


@pytest.mark.parametrize("raw", ["not json", '{"choices": []}', '{"choices": [{"message": 3}]}'])
async def test_a_malformed_answer_is_an_error_not_a_completion(raw: str) -> None:
    def reply(body: dict[str, Any]) -> Reply:
        return Reply(raw=raw)

    with chat_server(reply) as server:
        generator, _ = _generator(server.base_url)
        async with generator:
            (result,) = await generator.generate([GenerationRequest(CONVERSATION, 1)], SAMPLING)
    assert result.error is not None
    assert result.text == ""


async def test_requests_in_flight_never_exceed_the_limit() -> None:
    def reply(body: dict[str, Any]) -> Reply:
        return Reply(content="ok", delay_s=0.05)

    with chat_server(reply) as server:
        generator, _ = _generator(server.base_url, max_concurrency=3)
        async with generator:
            results = await generator.generate(
                [GenerationRequest(CONVERSATION, i) for i in range(12)], SAMPLING
            )
    assert [r.text for r in results] == ["ok"] * 12
    assert 1 <= server.max_in_flight <= 3


@pytest.mark.parametrize(
    ("options", "message"),
    [({"base_url": "localhost:8000"}, "not an http"), ({"model": ""}, "--model is empty")],
)
def test_bad_settings_say_what_to_pass(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        OpenAIConfig(**{"base_url": "http://localhost:8000/v1", "model": "m", **options})


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=12,
)
_ANSWERS = st.one_of(
    st.binary(max_size=60),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {
            "choices": st.lists(
                st.fixed_dictionaries({"message": _JSON, "finish_reason": _JSON}), max_size=2
            )
        }
    ).map(lambda v: json.dumps(v).encode()),
)


@settings(max_examples=150, deadline=None)
@given(body=_ANSWERS, status=st.sampled_from([200, 200, 200, 400, 500]))
async def test_any_server_answer_becomes_text_or_an_error(body: bytes, status: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body)

    config = OpenAIConfig(base_url="http://server/v1", model="m", retries=1)
    generator = OpenAIGenerator(config, transport=httpx.MockTransport(answer), sleep=_Sleeps())
    async with generator:
        (result,) = await generator.generate([GenerationRequest(CONVERSATION, 1)], SAMPLING)
    assert isinstance(result.text, str)
    if result.error is not None:
        assert result.text == ""
    if status != 200:
        assert result.error is not None
        assert f"HTTP {status}" in result.error


async def test_lone_surrogates_from_the_server_cannot_break_the_sample_file() -> None:
    def reply(body: dict[str, Any]) -> Reply:
        message = {"role": "assistant", "content": "x \ud800 y \ud83d\ude00"}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return Reply(raw=json.dumps({"choices": [choice]}))

    with chat_server(reply) as server:
        generator, _ = _generator(server.base_url)
        async with generator:
            (result,) = await generator.generate([GenerationRequest(CONVERSATION, 1)], SAMPLING)
    assert result.text == "x \ufffd y 😀"
    result.text.encode("utf-8")
