"""The one record reader: lenient per line for batches, strict for prompt sets and rows."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.data import read_jsonl_lines, read_records
from kimina_prover_rl.errors import InputError


@given(st.binary(max_size=400))
def test_any_bytes_give_one_entry_per_nonblank_line(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.jsonl"
        path.write_bytes(data)
        entries = read_jsonl_lines(path)
    text = data.decode("utf-8", errors="replace")
    assert len(entries) == sum(1 for line in text.split("\n") if line.strip())
    assert all(isinstance(entry, dict | InputError) for entry in entries)


def test_a_bad_byte_spoils_only_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": "\xff"}\n{bad\n')
    first, second, third = read_jsonl_lines(path)
    assert first == {"id": 1}
    assert second == {"id": "\ufffd"}
    assert isinstance(third, InputError)
    assert f"{path}:3: not valid JSON" in str(third)


def test_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'{"id": 1}\n{"id": 2}\n'))
    monkeypatch.setattr("sys.stdin", stdin)
    assert read_records(Path("-")) == [{"id": 1}, {"id": 2}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a": 1}\n{"b": \xff}\n', "in.jsonl:2: not UTF-8 (byte 0xff)"),
        (b'{"a": 1}\n\n[1]\n', "in.jsonl:3: expected a JSON object"),
        (b"{nope\n", "in.jsonl:1: not valid JSON"),
    ],
)
def test_the_strict_reader_names_file_and_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    with pytest.raises(InputError, match=re.escape(message)):
        read_records(path)


def test_missing_files_and_folders_say_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file.*or - to read standard input"):
        read_records(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        read_jsonl_lines(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        read_records(tmp_path / "nope.parquet")


def test_parquet_rows_are_read(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": "a", "n": 1}, {"id": "b", "n": 2}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "rows.parquet")
    assert read_records(tmp_path / "rows.parquet") == rows
