"""`kimina-rl prepare`: shared files to verl parquet, clear errors, offline hub ids."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kimina_prover_rl.cli import app
from tests.conftest import REPO_ROOT, shared_file

runner = CliRunner()


def test_prepare_writes_the_prompt_set_and_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "set"
    args = ["prepare", "--train", str(shared_file("train_sample.jsonl")),
            "--val", str(shared_file("minif2f_test.jsonl")),
            "--out", str(out), "--first-n", "5"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "train.parquet",
        "val.parquet",
    ]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["counts"]["val"]["written"] == 5
    assert "wrote 5 train and 5 val rows" in result.stderr
    assert "dropped from train: 0 contaminated, 0 duplicates, 0 malformed" in result.stderr
    assert result.stdout == ""


def test_custom_template_and_no_system_prompt(tmp_path: Path) -> None:
    template = tmp_path / "user.txt"
    template.write_text("Prove this:\n{statement}", "utf-8")
    out = tmp_path / "set"
    args = ["prepare", "--train", str(shared_file("train_sample.jsonl")),
            "--val", str(shared_file("minif2f_test.jsonl")), "--out", str(out), "--first-n", "1",
            "--user-template", str(template), "--system-prompt", "", "--no-decontaminate",
            "--keep-duplicates"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    row = pq.read_table(out / "val.parquet").to_pylist()[0]
    assert [m["role"] for m in row["prompt"]] == ["user"]
    assert row["prompt"][0]["content"].startswith("Prove this:\nimport Mathlib")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["filters"]["decontaminate"] is False
    assert manifest["filters"]["deduplicate"] is False


def test_missing_column_fails_with_the_file_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"name": "a", "informal_prefix": "x"}) + "\n", "utf-8")
    out = tmp_path / "set"
    args = ["prepare", "--train", str(bad), "--val", str(shared_file("minif2f_test.jsonl")),
            "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "error:" in result.stderr
    assert "bad.jsonl" in result.stderr
    assert "'formal_statement'" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl"]


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    base = ["prepare", "--train", "a.jsonl", "--val", "b.jsonl", "--out", str(tmp_path / "o")]
    result = runner.invoke(app, [*base, "--columns", "ident=name"])
    assert result.exit_code == 2
    assert "unknown field 'ident'" in result.output
    result = runner.invoke(app, [*base, "--max-win-rate", "2"])
    assert result.exit_code == 2
    assert "--max-win-rate 2.0 is invalid" in result.output
    result = runner.invoke(app, [*base, "--user-template", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert "cannot read it" in result.output


def test_hub_id_offline_fails_fast_with_a_local_file_hint(tmp_path: Path) -> None:
    # Offline means no network at all (no retries against an unreachable hub): the
    # endpoint is a listening socket that nothing may connect to.
    with socket.socket() as hub:
        hub.bind(("127.0.0.1", 0))
        hub.listen(16)
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "HF_HOME": str(tmp_path / "hf-home"),
            "HF_ENDPOINT": f"http://127.0.0.1:{hub.getsockname()[1]}",
            "COLUMNS": "200",
        }
        command = [sys.executable, "-m", "kimina_prover_rl", "prepare",
                   "--train", "AI-MO/Kimina-Prover-Promptset",
                   "--val", str(shared_file("minif2f_test.jsonl")),
                   "--out", str(tmp_path / "o")]  # fmt: skip
        done = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        hub.setblocking(False)
        with pytest.raises(BlockingIOError):
            hub.accept()
    assert done.returncode == 2, done.stderr
    stderr = " ".join(done.stderr.split())
    assert "cannot fetch the Hugging Face dataset 'AI-MO/Kimina-Prover-Promptset'" in stderr
    assert "Kimina-Prover-Promptset.parquet" in stderr
    assert "Local .jsonl and .parquet files need no network" in stderr
    assert not (tmp_path / "o").exists()


def test_an_unwritable_out_folder_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "set"
    args = ["prepare", "--train", str(shared_file("train_sample.jsonl")),
            "--val", str(shared_file("minif2f_test.jsonl")), "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "not a writable folder" in result.stderr
    assert "Traceback" not in result.output
