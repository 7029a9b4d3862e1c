"""`kimina-rl dry-run` end to end (a few tiny steps), resume, and `report` on the saved run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kimina_prover_rl.data import builtin_rows
from kimina_prover_rl.reward import CorrectionCache, build_correction

pytest.importorskip("trl")

KIMINA_RL = str(Path(sys.executable).parent / "kimina-rl")
# validation is left to tests/test_demo.py
TINY = [
    "--prompts-per-step", "2", "--num-generations", "2", "--max-completion-length", "24",
    "--warmup-steps", "2", "--save-steps", "2", "--no-cache", "--validate-every", "0",
]  # fmt: skip


def _run(args: list[str], model_cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIMINA_MODEL_CACHE": str(model_cache), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [KIMINA_RL, *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _seed_cache(checkpoint: Path, prompts: int) -> None:
    """Put corrections of flawed answers into the checkpoint's saved cache."""
    state_file = checkpoint / "correction_cache.json"
    cache = CorrectionCache()
    cache.load_state_dict(json.loads(state_file.read_text()))
    for row in builtin_rows()[:prompts]:
        cache.add(
            build_correction(
                messages=row["prompt"],
                response="<think>...</think> a proof with a sorry",
                feedback="error: declaration uses 'sorry'",
                verdict_status=None,
                proof_extracted=True,
                formal_statement=row["extra_info"]["formal_statement"],
                extra_info=row["extra_info"],
            )
        )
    state_file.write_text(json.dumps(cache.state_dict()))


@pytest.mark.slow
@pytest.mark.timeout(900)  # two training runs; minutes on a loaded 2-core machine
def test_a_short_run_logs_plots_checkpoints_and_resumes_with_its_cache(
    tiny_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    first = _run(["dry-run", "--steps", "2", "--out", str(out), *TINY], tiny_model.parent)
    assert first.returncode == 0, first.stderr[-3000:]
    printed = [line for line in first.stdout.splitlines() if line.strip()]
    assert "Lean is SIMULATED" in printed[0]
    assert "Lean is SIMULATED" in printed[-1]
    steps = _lines(out / "metrics.jsonl")
    assert [s["step"] for s in steps] == [1, 2]
    for s in steps:
        data = s["data"]
        assert isinstance(data, dict)
        for name in ("reward/mean", "format/error_rate", "format/no_lean4_block",
                     "response/length_mean", "correction/size", "train/loss"):  # fmt: skip
            assert name in data, name
        # every answer of the step was either cached or skipped for a reason
        considered = data["correction/added"] + sum(
            v for k, v in data.items() if k.startswith("correction/skipped/")
        )
        assert considered == 4 * s["step"]
    for name in ("reward", "format_errors", "response_length", "accuracy_by_turn",
                 "correction_cache", "overview"):  # fmt: skip
        assert (out / "plots" / f"{name}.png").stat().st_size > 1000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["lean_simulated"] is True
    assert "Lean was simulated" in summary["lean"]
    checkpoint = out / "checkpoints" / "checkpoint-2"
    assert (checkpoint / "correction_cache.json").is_file()
    assert (out / "model" / "config.json").is_file()

    _seed_cache(checkpoint, prompts=3)
    resumed = _run(
        ["dry-run", "--steps", "4", "--out", str(out), "--resume", "--correction-rate", "1",
         *TINY],
        tiny_model.parent,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    steps = _lines(out / "metrics.jsonl")
    assert [s["step"] for s in steps] == [1, 2, 3, 4]
    third = steps[2]["data"]
    assert isinstance(third, dict)
    assert third["correction/drawn"] >= 2  # served from the cache restored from checkpoint-2
    assert third["reward/samples/turn2"] == 4  # two correction prompts x two answers each
    assert "reward/acc/turn2" in third

    report = _run(["report", str(out), "-o", str(tmp_path / "again")], tiny_model.parent)
    assert report.returncode == 0, report.stderr
    assert "4 steps" in report.stdout
    assert (tmp_path / "again" / "overview.png").is_file()


def test_a_finished_run_is_not_overwritten_and_resume_needs_a_checkpoint(
    tmp_path: Path,
) -> None:
    (tmp_path / "metrics.jsonl").write_text("")
    result = _run(["dry-run", "--out", str(tmp_path)], tmp_path / "models")
    assert result.returncode == 2
    assert "--resume" in result.stderr
    fresh = _run(["dry-run", "--out", str(tmp_path / "new"), "--resume"], tmp_path / "models")
    assert fresh.returncode == 2
    assert "no checkpoint" in fresh.stderr


def test_report_reads_a_verl_file_log(tmp_path: Path) -> None:
    log = tmp_path / "exp.jsonl"
    log.write_text(
        "".join(
            json.dumps({"step": i, "data": {"critic/score/mean": i / 4}}) + "\n" for i in (1, 2)
        )
    )
    result = _run(["report", str(log)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "exp" / "plots" / "reward.png").is_file()
    missing = _run(["report", str(tmp_path / "none")], tmp_path)
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr


def test_the_command_defaults_are_the_run_configs_defaults(tmp_path: Path) -> None:
    """`kimina-rl dry-run` with no option runs what `DryRunConfig()` describes (the numbers
    docs/benchmarks.md measured on 3 seeds)."""
    import inspect

    from kimina_prover_rl.cli.dry_run import dry_run
    from kimina_prover_rl.trl import DryRunConfig
    from kimina_prover_rl.trl.run import DRY_RUN_CORRECTION

    cli = {name: p.default for name, p in inspect.signature(dry_run).parameters.items()}
    config = DryRunConfig(out=tmp_path)
    expected = {
        "steps": config.steps,
        "warmup_steps": config.warmup.steps,
        "prompts_per_step": config.prompts_per_step,
        "num_generations": config.num_generations,
        "max_completion_length": config.max_completion_length,
        "learning_rate": config.learning_rate,
        "temperature": config.temperature,
        "correction_rate": DRY_RUN_CORRECTION.rate,
        "validate_every": config.validation.every,
        "validate_k": config.validation.k,
        "save_steps": config.save_steps,
        "seed": config.seed,
    }
    assert {name: cli[name] for name in expected} == expected
    assert config.correction == DRY_RUN_CORRECTION
