"""Reading prompt sets: layouts detected, columns mapped, clear errors, offline hub ids."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.data import (
    ColumnMapping,
    PromptTemplate,
    load_prompt_source,
    parse_columns,
)
from kimina_prover_rl.errors import ColumnError, ConfigError, InputError
from tests.conftest import shared_file

STATEMENT = "import Mathlib\n\ntheorem t{i} (x : ℕ) : x + {i} = {i} + x := by sorry"


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_minif2f_layout_is_detected(minif2f: list[dict[str, Any]]) -> None:
    path = shared_file("minif2f_test.jsonl")
    source = load_prompt_source(str(path))
    assert source.kind == "file"
    assert source.layout == "minif2f"
    assert source.label == "minif2f_test"
    assert [p.id for p in source.problems] == [r["name"] for r in minif2f]
    first = source.problems[0]
    assert first.formal_statement == minif2f[0]["formal_statement"]
    assert first.informal == minif2f[0]["informal_prefix"]
    assert first.source is None
    assert first.win_rate is None
    described = source.describe()
    assert described["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert described["rows"] == 244
    assert described["columns"]["id"] == "name"


def test_optional_source_column_is_used_when_present(train_sample: list[dict[str, Any]]) -> None:
    source = load_prompt_source(str(shared_file("train_sample.jsonl")))
    assert source.columns.source == "source"
    assert {p.source for p in source.problems} == {r["source"] for r in train_sample}


def test_promptset_layout_from_parquet(tmp_path: Path) -> None:
    rows = [
        {
            "statement_id": f"s{i}",
            "natural_language": f"Problem {i}",
            "formal_statement": STATEMENT.format(i=i),
            "source": "olympiads",
        }
        for i in range(3)
    ]
    source = load_prompt_source(str(write_parquet(tmp_path / "promptset.parquet", rows)))
    assert source.layout == "promptset"
    assert [(p.id, p.informal, p.source) for p in source.problems] == [
        (f"s{i}", f"Problem {i}", "olympiads") for i in range(3)
    ]


def test_numinamath_layout_reads_the_nested_win_rate(tmp_path: Path) -> None:
    rows = [
        {
            "uuid": "u1",
            "problem": "P1",
            "formal_statement": STATEMENT.format(i=1),
            "rl_data": {"n_correct_proofs": 3, "n_proofs": 4, "win_rate": 0.75},
            "source": "aops",
        },
        {
            "uuid": "u2",
            "problem": "P2",
            "formal_statement": STATEMENT.format(i=2),
            "rl_data": None,
            "source": None,
        },
    ]
    source = load_prompt_source(str(write_parquet(tmp_path / "numina.parquet", rows)))
    assert source.layout == "numinamath-lean"
    assert [(p.id, p.win_rate, p.source) for p in source.problems] == [
        ("u1", 0.75, "aops"),
        ("u2", None, None),
    ]


def test_columns_map_an_unknown_layout(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "custom.jsonl",
        [{"key": 7, "lean": STATEMENT.format(i=7), "text": "seven", "score": 0.1}],
    )
    columns = parse_columns("id=key, formal_statement=lean,informal=text,win_rate=score")
    source = load_prompt_source(str(path), columns=columns)
    assert source.layout == "custom"
    assert source.columns == ColumnMapping("key", "lean", "text", None, "score")
    assert source.problems[0].id == "7"
    assert source.problems[0].win_rate == pytest.approx(0.1)


def test_columns_override_one_field_of_a_detected_layout(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "m.jsonl",
        [{"name": "a", "informal_prefix": "", "formal_statement": "x", "nl": "words"}],
    )
    source = load_prompt_source(str(path), columns={"informal": "nl"})
    assert source.layout == "minif2f"
    assert source.problems[0].informal == "words"


def test_missing_column_names_file_column_and_layouts(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"name": "a", "informal_prefix": "p"}])
    with pytest.raises(ColumnError) as info:
        load_prompt_source(str(path))
    message = str(info.value)
    assert str(path) in message
    assert "'formal_statement' (the formal_statement field)" in message
    assert "minif2f layout" in message
    assert "--columns" in message
    assert "statement_id, formal_statement, natural_language optional" in message


def test_mapped_column_that_is_absent_is_an_error(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "m.jsonl", [{"name": "a", "informal_prefix": "", "formal_statement": "x"}]
    )
    with pytest.raises(ColumnError, match=r"'wr' \(mapped to win_rate by --columns\)"):
        load_prompt_source(str(path), columns={"win_rate": "wr"})
    with pytest.raises(ColumnError, match="'nope' \\(the formal_statement field\\)"):
        load_prompt_source(str(path), columns={"formal_statement": "nope"})


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ({"name": "a", "informal_prefix": "", "formal_statement": 3}, "holds a int; expected text"),
        ({"name": None, "informal_prefix": "", "formal_statement": "x"}, "the id field"),
        ({"name": True, "informal_prefix": "", "formal_statement": "x"}, "the id field"),
    ],
)
def test_wrong_types_name_the_row_and_column(
    tmp_path: Path, row: dict[str, Any], fragment: str
) -> None:
    ok = {"name": "ok", "informal_prefix": "", "formal_statement": "x"}
    path = write_jsonl(tmp_path / "t.jsonl", [ok, row])
    with pytest.raises(ColumnError, match="row 2") as info:
        load_prompt_source(str(path))
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_win_rate_must_be_a_number(tmp_path: Path) -> None:
    row = {"uuid": "u", "problem": "", "formal_statement": "x", "rl_data": {"win_rate": "high"}}
    path = write_jsonl(tmp_path / "n.jsonl", [row])
    with pytest.raises(ColumnError, match=r"rl_data\.win_rate.*expected a number"):
        load_prompt_source(str(path))


def test_invalid_json_line_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"name": "a"}\n\n{oops\n', "utf-8")
    with pytest.raises(InputError, match=rf"{path}:3: not valid JSON"):
        load_prompt_source(str(path))
    path.write_text("[1, 2]\n", "utf-8")
    with pytest.raises(InputError, match="expected a JSON object per line, got list"):
        load_prompt_source(str(path))


def test_unreadable_parquet_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(InputError, match="not a readable parquet file"):
        load_prompt_source(str(path))


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("missing.jsonl", "no such file"),
        ("./data/x", "no such file"),
        ("not a dataset id", "neither an existing file nor a Hugging Face dataset id"),
    ],
)
def test_bad_specs_say_what_to_pass(spec: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        load_prompt_source(spec)


def test_a_directory_or_other_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"not a \.jsonl or \.parquet file"):
        load_prompt_source(str(tmp_path))
    other = tmp_path / "x.csv"
    other.write_text("a,b\n", "utf-8")
    with pytest.raises(InputError, match=r"not a \.jsonl or \.parquet file"):
        load_prompt_source(str(other))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("id", "is not FIELD=COLUMN"),
        ("ident=name", "unknown field 'ident'"),
        ("id=", "name a column"),
    ],
)
def test_parse_columns_rejects_bad_items(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_columns(text)


def test_parse_columns_accepts_empty_text() -> None:
    assert parse_columns("") == {}
    assert parse_columns("win_rate=rl_data.win_rate,") == {"win_rate": "rl_data.win_rate"}


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    good = json.dumps(
        {"name": "a", "informal_prefix": "", "formal_statement": "theorem a : True := by"}
    )
    path.write_bytes(good.encode() + b"\n" + '{"name": "é"}'.encode("latin-1") + b"\n")
    with pytest.raises(InputError, match=r"latin1\.jsonl:2: not UTF-8 \(byte 0xe9\)"):
        load_prompt_source(str(path))


def test_id_and_formal_statement_lines_need_no_informal_text(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    statement = "theorem t : (1 : ℕ) + 1 = 2 := by sorry"
    path.write_text(json.dumps({"id": "t", "formal_statement": statement}) + "\n")
    source = load_prompt_source(str(path))
    assert source.layout == "plain"
    assert source.columns.informal is None
    [problem] = source.problems
    assert (problem.id, problem.formal_statement, problem.informal) == ("t", statement, "")
    [user] = [
        m for m in PromptTemplate().render(statement=statement, informal="") if m["role"] == "user"
    ]
    assert "# Problem:" not in user["content"]
    assert statement in user["content"]
