"""The examples the README points at run as written: both demos and the Python example."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kimina_prover_rl.data.builtin import BUILTIN_SOURCE
from kimina_prover_rl.trl.validation import validation_names
from tests.conftest import REPO_ROOT, shared_file


def test_score_demo_runs_every_step_and_writes_its_outputs(tmp_path: Path) -> None:
    shared = shared_file("train_sample.jsonl").parent
    shared_file("minif2f_test.jsonl")
    out = tmp_path / "demo"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "SHARED_DATA": str(shared),
        "DEMO_OUT": str(out),
        "DEMO_PROBLEMS": "3",
    }
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "examples" / "score_demo.sh")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Lean is SIMULATED" in result.stderr
    for name in ("data/train.parquet", "data/val.parquet", "data/manifest.json"):
        assert (out / name).is_file(), name
    answers = (out / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    scores = [json.loads(line) for line in (out / "scores.jsonl").read_text().splitlines()]
    assert len(scores) == len(answers) == 12
    by_kind = {row["id"].split(":")[-1]: row for row in scores}
    assert by_kind["verified"]["score"] == 1.0
    assert by_kind["sorry"]["status"] == "sorry"
    assert by_kind["statement_changed"]["format_error"] == "statement_modified"
    assert by_kind["no_think"]["format_error"] == "missing_think"


def test_score_demo_names_the_missing_data_folder(tmp_path: Path) -> None:
    env = {**os.environ, "SHARED_DATA": str(tmp_path / "nowhere"), "DEMO_OUT": str(tmp_path)}
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "examples" / "score_demo.sh")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "nowhere/train_sample.jsonl is missing" in result.stderr


def test_python_example_scores_answers_on_the_stand_in(tmp_path: Path) -> None:
    train = shared_file("train_sample.jsonl")
    answers = tmp_path / "answers.jsonl"
    made = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "make_answers.py"), str(train), "-n", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answers.write_text(made.stdout, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "score_from_python.py"), str(answers)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Lean is SIMULATED" in result.stdout
    stats = json.loads(result.stdout.splitlines()[-1])
    assert stats["samples"] == 8
    assert stats["statuses"]["valid"] == 2


@pytest.mark.timeout(600)  # one tiny training run
def test_demo_trains_and_leaves_metrics_and_plots(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("trl")
    out = tmp_path / "demo"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DEMO_OUT": str(out),
        "DEMO_STEPS": "1",
        "KIMINA_MODEL_CACHE": str(tiny_model.parent),
    }
    tiny = ["--warmup-steps", "1", "--prompts-per-step", "1", "--num-generations", "2",
            "--max-completion-length", "16", "--validate-k", "1", "--no-cache"]  # fmt: skip
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "examples" / "demo.sh"), *tiny],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Lean is SIMULATED" in result.stdout.splitlines()[0]
    assert f"kimina-rl report {out}" in result.stdout
    assert "warm-up step 1/1: loss " in result.stdout  # a log shows the warm-up's progress
    assert re.search(
        r"validation at step 0: best@1 \d+% \(\d+% after correction\), "
        r"mean@1 \d+% \(\d+% after correction\)",
        result.stdout,
    ), result.stdout
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines] == [0, 1]  # validation before training, step 1
    names = {*validation_names(BUILTIN_SOURCE, 1), *validation_names(BUILTIN_SOURCE, 1, "mean")}
    for line in lines:
        assert names <= set(line["data"])
    assert "reward/mean" in lines[1]["data"]
    assert (out / "plots" / "overview.png").is_file()
    assert (out / "plots" / "validation.png").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["validation"]) == {
        f"{statistic}@1, {when} correction"
        for statistic in ("best", "mean")
        for when in ("before", "after")
    }
