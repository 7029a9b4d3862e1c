"""The smoke test's checks on verl's metrics file, written by verl's own file logger."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.errors import InputError
from kimina_prover_rl.verl.smoke import check_metrics, main, read_metrics

SOURCE = "AI-MO/minif2f_test"


def _validation(acc: float) -> dict[str, float]:
    return {
        f"val-core/{SOURCE}/acc/mean@2": acc,
        f"val-aux/{SOURCE}/acc_after_ec/mean@2": acc + 0.25,
    }


def _step(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "response_length/mean": 812.5,
        "timing_s/gen": 41.0,
        "actor/grad_norm": 0.37,
        "verdict/valid": 9.0,
        "verdict/lean_error": 23.0,
        "verdict/infra_failure": 0.0,
        "correction/added": 12.0,
        "reward/samples/turn2": 0.0,
    }
    data.update(changes)
    return data


def good_run() -> list[tuple[int, dict[str, Any]]]:
    """What a healthy smoke run logs: validation, two steps, validation again."""
    return [
        (0, _validation(0.25)),
        (1, _step()),
        (2, {**_step(**{"reward/samples/turn2": 8.0}), **_validation(0.5)}),
    ]


def write_with_verls_logger(path: Path, rows: list[tuple[int, dict[str, Any]]]) -> Path:
    pytest.importorskip("verl", reason="the verl extra is not installed")
    from verl.utils.tracking import FileLogger

    os.environ["VERL_FILE_LOGGER_PATH"] = str(path)
    try:
        logger = FileLogger("kimina_prover_rl", "smoke_test")
        for step, data in rows:
            logger.log(data=data, step=step)
        logger.finish()
    finally:
        del os.environ["VERL_FILE_LOGGER_PATH"]
    return path


def test_a_healthy_run_passes_every_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_with_verls_logger(tmp_path / "metrics.jsonl", good_run())
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert "smoke test: 8/8 checks passed" in out
    assert "PASS  corrections served at step 2: reward/samples/turn2 at step 2: 8.0" in out


@pytest.mark.parametrize(
    ("step", "change", "failing"),
    [
        (1, {"actor/grad_norm": math.nan}, "FSDP updated the actor"),
        (2, {"actor/grad_norm": math.inf}, "FSDP updated the actor"),
        (1, {"response_length/mean": 0.0}, "vLLM generated answers"),
        (2, {"verdict/infra_failure": 3.0}, "real verdicts"),
        (1, {"correction/added": 0.0}, "corrections added after step 1"),
        (2, {"reward/samples/turn2": 0.0}, "corrections served at step 2"),
    ],
)
def test_each_failure_is_named(
    tmp_path: Path, step: int, change: dict[str, float], failing: str
) -> None:
    rows = good_run()
    rows[step][1].update(change)
    checks = check_metrics(read_metrics(write_with_verls_logger(tmp_path / "m.jsonl", rows)))
    assert [c.name for c in checks if not c.passed] == [
        c.name for c in checks if c.name.startswith(failing)
    ]
    assert any(not c.passed for c in checks)


def test_a_missing_metric_fails_rather_than_passes() -> None:
    rows = dict(good_run())
    del rows[1]["actor/grad_norm"]
    failed = [c.name for c in check_metrics(rows) if not c.passed]
    assert failed == ["FSDP updated the actor (finite grad norm)"]


def test_a_run_that_stopped_after_one_step_fails(tmp_path: Path) -> None:
    rows = good_run()[:2]
    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps({"step": s, "data": d}) + "\n" for s, d in rows))
    assert main([str(path)]) == 1
    failed = {c.name for c in check_metrics(read_metrics(path)) if not c.passed}
    assert "2 training steps" in failed
    assert "corrections served at step 2" in failed


def test_validation_must_log_before_and_after_correction() -> None:
    rows = dict(good_run())
    del rows[0][f"val-aux/{SOURCE}/acc_after_ec/mean@2"]
    failed = [c.name for c in check_metrics(rows) if not c.passed]
    assert failed == ["validation before training: accuracy before and after correction"]


def test_an_unreadable_metrics_file_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "missing.jsonl")]) == 1
    assert "run the smoke test first" in capsys.readouterr().err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"step": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.jsonl:1 is not a verl file-logger line"):
        read_metrics(broken)
    assert main([]) == 2
