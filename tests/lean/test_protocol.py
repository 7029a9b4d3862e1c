"""REPL protocol framing: encode, frame arbitrary chunkings, reject broken output."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.errors import ReplCrashed
from kimina_prover_rl.lean.protocol import (
    UNKNOWN_ENVIRONMENT,
    CommandRequest,
    CommandResponse,
    ErrorResponse,
    ResponseFramer,
    ResponseReader,
    encode_request,
    parse_response,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)
json_objects = st.dictionaries(st.text(), json_values, max_size=5)


def _pretty(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n\n").encode()


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@given(st.lists(json_objects, min_size=1, max_size=5), st.lists(st.integers(0, 10**6)))
def test_pretty_printed_objects_survive_any_chunking(
    objects: list[dict[str, Any]], cuts: list[int]
) -> None:
    stream = b"".join(_pretty(o) for o in objects)
    framer = ResponseFramer()
    got = [answer for chunk in _chunks(stream, cuts) for answer in framer.feed(chunk)]
    assert got == objects
    assert framer.buffered_bytes == 0


@given(json_objects)
def test_encode_request_is_one_line_then_a_blank_line(obj: dict[str, Any]) -> None:
    data = encode_request(obj)
    assert data.endswith(b"\n\n")
    assert b"\n" not in data[:-2]
    assert json.loads(data) == obj


@given(json_objects, st.lists(st.text(min_size=1).filter(lambda t: not t.lstrip().startswith("{"))))
def test_noise_blocks_before_an_answer_are_skipped(obj: dict[str, Any], noise: list[str]) -> None:
    text = "".join(f"{n.replace(chr(13), ' ')}\n\n" for n in noise)
    assert ResponseFramer().feed(text.encode() + _pretty(obj)) == [obj]


def test_progress_text_glued_to_an_answer_is_dropped() -> None:
    data = b"Processing incremental state [pos: 0..10]:\ntheorem x\n" + _pretty({"env": 3})
    assert ResponseFramer().feed(data) == [{"env": 3}]


def test_garbage_starting_like_json_is_a_crash_quoting_it() -> None:
    with pytest.raises(ReplCrashed, match="not JSON") as info:
        ResponseFramer().feed(b'{"env": 1, "mess\xff\n\n')
    assert '{"env": 1' in str(info.value)


def test_eof_mid_answer_reports_the_unfinished_output() -> None:
    framer = ResponseFramer()
    assert framer.feed(b'{\n  "env": 4,\n') == []
    with pytest.raises(ReplCrashed, match=r"closed its output.*unfinished output.*env"):
        framer.finish()


def test_eof_between_answers_is_a_crash_too() -> None:
    with pytest.raises(ReplCrashed, match="closed its output"):
        ResponseFramer().finish()


def test_an_answer_past_the_size_limit_is_a_crash_not_unbounded_memory() -> None:
    framer = ResponseFramer(max_response_bytes=1000)
    framer.feed(b'{\n  "data": "' + b"x" * 900)
    with pytest.raises(ReplCrashed, match="max_response_bytes=1000"):
        framer.feed(b"x" * 200)


def test_endless_noise_is_a_crash() -> None:
    framer = ResponseFramer(max_response_bytes=1000)
    with pytest.raises(ReplCrashed, match="non-JSON output"):
        framer.feed(b"progress line\n\n" * 100)


async def test_reader_reads_answers_split_across_stream_chunks() -> None:
    stream = asyncio.StreamReader()
    reader = ResponseReader(stream)
    data = _pretty({"env": 0}) + _pretty({"message": UNKNOWN_ENVIRONMENT})
    for i in range(0, len(data), 3):
        stream.feed_data(data[i : i + 3])
    stream.feed_eof()
    assert await reader.read_response() == {"env": 0}
    assert await reader.read_response() == {"message": UNKNOWN_ENVIRONMENT}
    with pytest.raises(ReplCrashed):
        await reader.read_response()


def test_command_request_omits_defaults() -> None:
    assert CommandRequest(cmd="example : True := trivial").to_json() == {
        "cmd": "example : True := trivial"
    }
    full = CommandRequest(cmd="x", env=2, all_tactics=True, infotree="original").to_json()
    assert full == {"cmd": "x", "env": 2, "allTactics": True, "infotree": "original"}


def test_parse_response_types_errors_and_results() -> None:
    assert parse_response({"message": UNKNOWN_ENVIRONMENT}) == ErrorResponse(UNKNOWN_ENVIRONMENT)
    response = parse_response(
        {
            "env": 5,
            "messages": [
                {"severity": "error", "pos": {"line": 2, "column": 4}, "data": "unsolved goals"}
            ],
            "sorries": [{"goal": "⊢ False", "pos": {"line": 3, "column": 2}, "proofState": 0}],
        }
    )
    assert isinstance(response, CommandResponse)
    assert response.env == 5
    assert response.messages[0].line == 2
    assert response.messages[0].data == "unsolved goals"
    assert response.sorries[0].goal == "⊢ False"
    assert response.sorries[0].line == 3


def test_parse_response_rejects_shapes_the_repl_never_sends() -> None:
    with pytest.raises(ReplCrashed, match="malformed"):
        parse_response({"env": "three"})
    with pytest.raises(ReplCrashed, match="malformed"):
        parse_response({"env": 1, "messages": [3]})
