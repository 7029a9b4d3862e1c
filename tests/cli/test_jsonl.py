"""JSON Lines helpers: per-line errors, and in-order output from out-of-order results."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.cli._jsonl import OrderedWriter, open_output, read_jsonl
from kimina_prover_rl.errors import InputError


@given(st.permutations(list(range(12))))
def test_ordered_writer_writes_each_line_as_soon_as_its_turn_comes(order: list[int]) -> None:
    stream = io.StringIO()
    writer = OrderedWriter(stream, len(order))
    done: set[int] = set()
    for index in order:
        writer.put(index, {"i": index})
        done.add(index)
        prefix = 0
        while prefix in done:
            prefix += 1
        written = [json.loads(line)["i"] for line in stream.getvalue().splitlines()]
        assert written == list(range(prefix))


def test_read_jsonl_turns_bad_lines_into_errors_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": 1}\n\n[1, 2]\n{oops\n\xff\xfe{"id": 2}\n')
    records = read_jsonl(path)
    assert records[0] == {"id": 1}
    assert isinstance(records[1], InputError)
    assert "in.jsonl:3" in str(records[1])
    assert "expected a JSON object" in str(records[1])
    assert isinstance(records[2], InputError)
    assert "in.jsonl:4" in str(records[2])
    assert len(records) == 4


def test_read_jsonl_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_jsonl(tmp_path / "missing.jsonl")


def test_a_directory_is_not_read_as_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_jsonl(tmp_path)


def test_line_separators_inside_strings_do_not_split_records(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    record = {"id": "a", "response": "one\u2028two\x85three\x0cfour"}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\r\n\n" + '{"id": "b"}', "utf-8")
    assert read_jsonl(path) == [record, {"id": "b"}]


def test_an_unwritable_output_names_the_path(tmp_path: Path) -> None:
    with (
        pytest.raises(InputError, match=f"cannot write the output file {tmp_path}"),
        open_output(tmp_path),
    ):
        pass
