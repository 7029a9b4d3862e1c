"""The on-disk state: append-only records, torn last lines, refused setting changes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.eval import SampleStore
from tests.eval._records import FAILED

RECORD = FAILED


def test_records_round_trip_and_the_latest_per_key_wins(tmp_path: Path) -> None:
    store = SampleStore(tmp_path)
    retried = replace(RECORD, infra_failure=True)
    other = replace(RECORD, sample=1, score=1.0, acc=1.0, status="valid")
    store.append([retried, other])
    store.append([RECORD])
    assert store.load() == {RECORD.key: RECORD, other.key: other}


def test_a_torn_last_line_is_cut_and_appending_continues_cleanly(tmp_path: Path) -> None:
    store = SampleStore(tmp_path)
    store.append([RECORD])
    with store.samples_path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(replace(RECORD, sample=1).to_dict())[:40])
    assert list(store.load()) == [RECORD.key]
    store.append([replace(RECORD, sample=2)])
    assert list(store.load()) == [RECORD.key, ("p", 2, 1)]


def test_a_corrupt_line_in_the_middle_is_an_error_naming_it(tmp_path: Path) -> None:
    store = SampleStore(tmp_path)
    store.append([RECORD])
    with store.samples_path.open("a", encoding="utf-8") as f:
        f.write('{"problem_id": "p"}\n')
    store.append([replace(RECORD, sample=1)])
    with pytest.raises(InputError, match=r"samples.jsonl:2 .*lacks sample"):
        store.load()


def test_settings_are_recorded_then_checked(tmp_path: Path) -> None:
    settings = {"model": "a", "eval": {"n": 4}}
    assert SampleStore(tmp_path / "run").claim(settings) is False
    assert SampleStore(tmp_path / "run").claim(settings) is True
    with pytest.raises(ConfigError, match=r"\(eval\.n was 4, now 8\).*new --out"):
        SampleStore(tmp_path / "run").claim({"model": "a", "eval": {"n": 8}})
    with pytest.raises(ConfigError, match=r"eval\.k was \(not set\), now 2; model was "):
        SampleStore(tmp_path / "run").claim({"model": "b", "eval": {"n": 4, "k": 2}})


def test_record_flags() -> None:
    assert replace(RECORD, score=1.0).solved
    assert not replace(RECORD, score=1.0, infra_failure=True).solved
    assert replace(RECORD, generation_error="HTTP 500").unknown


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 6),
    data=st.data(),
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
)
def test_a_crash_at_any_byte_loses_only_the_line_being_written(
    tmp_path_factory: pytest.TempPathFactory, count: int, data: st.DataObject, text: str
) -> None:
    store = SampleStore(tmp_path_factory.mktemp("run"))
    records = [replace(RECORD, sample=i, response=text) for i in range(count)]
    store.append(records)
    whole = store.samples_path.read_bytes()
    cut = data.draw(st.integers(0, len(whole)))
    store.samples_path.write_bytes(whole[:cut])
    complete = whole[:cut].count(b"\n")
    assert list(store.load().values()) == records[:complete]
    store.append(records[complete:])
    assert list(store.load().values()) == records


def test_appending_creates_the_folder_and_a_write_failure_says_what_to_do(tmp_path: Path) -> None:
    store = SampleStore(tmp_path / "new" / "run")
    store.append([RECORD])
    assert list(store.load()) == [RECORD.key]
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="rerun the same command to resume"):
        SampleStore(tmp_path / "file" / "run").append([RECORD])


def test_a_second_run_on_the_same_folder_is_refused_while_the_first_holds_it(
    tmp_path: Path,
) -> None:
    refused = pytest.raises(ConfigError, match="another evaluation is writing")
    with SampleStore(tmp_path).locked(), refused, SampleStore(tmp_path).locked():
        pass
    with SampleStore(tmp_path).locked():
        pass


def test_text_utf8_cannot_hold_is_stored_escaped_and_read_back(tmp_path: Path) -> None:
    store = SampleStore(tmp_path)
    odd = replace(RECORD, response="lone \ud800 surrogate", sample=1)
    store.append([RECORD, odd])
    assert store.load() == {RECORD.key: RECORD, odd.key: odd}
