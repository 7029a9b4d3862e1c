"""The metrics log: our writer, verl's own file logger, and what the reader accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.errors import InputError
from kimina_prover_rl.report import MetricsLog, load_metrics, read_metrics


def test_written_steps_read_back_in_order_and_resume_drops_later_steps(tmp_path: Path) -> None:
    log = MetricsLog(tmp_path / "run" / "metrics.jsonl")
    for step in (1, 2, 3):
        log.append(step, {"reward/mean": step / 10, "format/error_rate": 1 - step / 10})
    assert [s.step for s in read_metrics(log.path)] == [1, 2, 3]
    log.truncate_after(2)
    log.append(3, {"reward/mean": 0.9})
    steps = read_metrics(log.path)
    assert [s.step for s in steps] == [1, 2, 3]
    assert steps[-1].values == {"reward/mean": 0.9}


def test_verl_file_logger_output_is_read_with_verl_names_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracking = pytest.importorskip("verl.utils.tracking")
    path = tmp_path / "exp.jsonl"
    monkeypatch.setenv("VERL_FILE_LOGGER_PATH", str(path))
    logger = tracking.FileLogger("kimina", "exp")
    logger.log({"critic/score/mean": 0.25, "response_length/mean": 300.0}, step=1)
    logger.log({"critic/score/mean": 0.5, "reward/mean": 0.75, "note": "text"}, step=2)
    logger.finish()
    steps = read_metrics(path)
    assert steps[0].values["reward/mean"] == 0.25
    assert steps[0].values["response/length_mean"] == 300.0
    assert steps[1].values["reward/mean"] == 0.75  # our own name wins over verl's
    assert "note" not in steps[1].values


def test_non_finite_values_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"step": 1, "data": {"a": NaN, "b": Infinity, "c": true, "d": 2}}\n')
    assert read_metrics(path)[0].values == {"d": 2.0}


@pytest.mark.parametrize(
    "line",
    ["not json", '{"data": {}}', '{"step": "1", "data": {}}', '{"step": 1, "data": [1]}', "[]"],
)
def test_a_malformed_line_names_the_file_and_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"step": 1, "data": {}}\n' + line + "\n")
    with pytest.raises(InputError, match=r"m\.jsonl:2"):
        read_metrics(path)


def test_a_missing_file_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"metrics\.jsonl"):
        read_metrics(tmp_path / "nope.jsonl")


_values = st.dictionaries(
    st.text(min_size=1, max_size=20),
    st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-1000, 1000)),
    max_size=5,
)


@settings(max_examples=50, deadline=None)
@given(lines=st.lists(st.tuples(st.integers(0, 50), _values), max_size=20))
def test_any_log_reads_back_with_the_last_line_of_each_step_winning(
    tmp_path_factory: pytest.TempPathFactory, lines: list[tuple[int, dict[str, float]]]
) -> None:
    path = tmp_path_factory.mktemp("log") / "m.jsonl"
    path.write_text("".join(json.dumps({"step": s, "data": d}) + "\n" for s, d in lines))
    expected: dict[int, dict[str, float]] = {}
    for step, data in lines:
        expected[step] = {k: float(v) for k, v in data.items()}
    got = read_metrics(path)
    assert [s.step for s in got] == sorted(expected)
    for s in got:
        for name, value in expected[s.step].items():
            assert s.values[name] == value


def test_a_last_line_cut_off_by_a_killed_run_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"step": 1, "data": {"a": 1}}\n{"step": 2, "data": {"a": 2}}\n{"step": 3, "da')
    loaded = load_metrics(path)
    assert [s.step for s in loaded.steps] == [1, 2]
    assert loaded.skipped == [f"{path}:3: the last line is cut off (an interrupted run?)"]


def test_bytes_that_are_not_utf8_are_replaced_and_named(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(b'{"step": 1, "data": {"a\xff": 1, "b": 2}}\n{"step": 2, "data": {"b": 3}}\n')
    loaded = load_metrics(path)
    assert [s.values for s in loaded.steps] == [{"a\ufffd": 1.0, "b": 2.0}, {"b": 3.0}]
    assert loaded.skipped == [f"{path}:1: bytes that are not UTF-8 were replaced"]


def test_a_complete_log_skips_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"step": 1, "data": {"a": 1}}\n')
    assert load_metrics(path).skipped == []
