"""Plots: every panel is drawn, from the right series, even when some metrics are missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimina_prover_rl.errors import InputError
from kimina_prover_rl.report import (
    OVERVIEW_FILE,
    PANELS,
    VALIDATION,
    StepMetrics,
    line_chart,
    panel_series,
    plot_training,
)

PNG = b"\x89PNG\r\n\x1a\n"


def _steps() -> list[StepMetrics]:
    steps = []
    for i in range(1, 11):
        values = {
            "reward/mean": i / 10,
            "format/error_rate": 1 - i / 10,
            "format/missing_think": 0.5 - i / 40,
            "format/statement_missing": 0.1,
            "format/no_lean4_block": 0.0,
            "format/missing_think/turn1": 0.3,
            "response/length_mean": 50.0 + i,
            "reward/acc/turn1": i / 20,
            "correction/size": float(i),
        }
        if i % 2 == 0:
            values["reward/acc/turn2"] = i / 15
        steps.append(StepMetrics(i, values))
    return steps


def _panel(name: str) -> object:
    return next(p for p in PANELS if p.name == name)


def test_every_panel_and_the_overview_are_written_as_png(tmp_path: Path) -> None:
    written = plot_training(_steps(), tmp_path / "plots", title="test")
    names = {p.name for p in written}
    assert names == {f"{p.name}.png" for p in PANELS} | {OVERVIEW_FILE}
    for path in written:
        assert path.read_bytes().startswith(PNG)


def test_format_errors_are_ranked_and_never_mix_in_per_turn_or_zero_series() -> None:
    series = panel_series(_panel("format_errors"), _steps())  # type: ignore[arg-type]
    assert list(series) == ["any format error", "missing_think", "statement_missing"]


def test_accuracy_by_turn_has_one_series_per_turn_with_only_the_steps_that_had_it() -> None:
    series = panel_series(_panel("accuracy_by_turn"), _steps())  # type: ignore[arg-type]
    assert list(series) == ["first attempt", "after correction 1"]
    assert [x for x, _ in series["after correction 1"]] == [2.0, 4.0, 6.0, 8.0, 10.0]


def test_a_log_without_our_metrics_still_gives_every_file(tmp_path: Path) -> None:
    written = plot_training([StepMetrics(1, {"other": 1.0})], tmp_path)
    assert len(written) == len(PANELS) + 1


def test_no_steps_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no metrics"):
        plot_training([], tmp_path)


def test_line_chart_draws_any_series(tmp_path: Path) -> None:
    path = line_chart(
        {"pass@k": [(1, 0.2), (8, 0.5)]}, tmp_path / "a.png", title="t", xlabel="k", ylabel="rate"
    )
    assert path.read_bytes().startswith(PNG)


def _validated_steps() -> list[StepMetrics]:
    steps = _steps()
    for step in steps[::3]:
        step.values.update(
            {
                "val-core/minif2f/acc/best@4/mean": 0.2 + step.step / 100,
                "val-core/minif2f/acc/best@8/mean": 0.3 + step.step / 100,
                "val-aux/minif2f/acc_after_ec/best@8/mean": 0.4 + step.step / 100,
                "val-aux/minif2f/acc/mean@8": 0.1,
            }
        )
    return steps


def test_validation_draws_best_at_k_before_and_after_correction() -> None:
    series = panel_series(VALIDATION, _validated_steps())
    assert list(series) == ["minif2f best@8, before correction", "minif2f best@8, after correction"]
    assert [x for x, _ in series["minif2f best@8, after correction"]] == [1.0, 4.0, 7.0, 10.0]
    assert series["minif2f best@8, after correction"][0][1] == pytest.approx(0.41)


def test_validation_draws_mean_at_k_under_the_section_verl_logs_it_in() -> None:
    steps = _validated_steps()
    for step in steps[::3]:
        step.values["val-core/minif2f/acc/mean@8"] = 0.15
        step.values["val-aux/minif2f/acc_after_ec/mean@8"] = 0.25
    series = panel_series(VALIDATION, steps)
    assert list(series) == [
        "minif2f best@8, before correction",
        "minif2f best@8, after correction",
        "minif2f mean@8, before correction",
        "minif2f mean@8, after correction",
    ]
    assert {y for _, y in series["minif2f mean@8, before correction"]} == {0.15}
    assert {y for _, y in series["minif2f mean@8, after correction"]} == {0.25}


def test_the_validation_figure_is_written_only_when_the_log_has_it(tmp_path: Path) -> None:
    with_validation = plot_training(_validated_steps(), tmp_path / "a")
    without = plot_training(_steps(), tmp_path / "b")
    assert "validation.png" in {p.name for p in with_validation}
    assert "validation.png" not in {p.name for p in without}
    assert (tmp_path / "a" / "validation.png").read_bytes().startswith(PNG)
