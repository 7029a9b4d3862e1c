"""A pool's verdict scope changes exactly when something that decides its verdicts does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.lean._scope import describe_lean, verdict_scope
from kimina_prover_rl.lean.repl import ReplConfig
from kimina_prover_rl.standin import STANDIN_LEAN_VERSION, standin_command


def scope(repl: ReplConfig, **overrides: Any) -> str:
    settings: dict[str, Any] = {
        "lean_version": describe_lean(repl),
        "timeout_s": 60.0,
        "allow_native_decide": False,
    }
    settings.update(overrides)
    return verdict_scope(repl, **settings)


def test_the_same_settings_give_the_same_scope(tmp_path: Path) -> None:
    assert scope(ReplConfig(cwd=tmp_path)) == scope(ReplConfig(cwd=tmp_path))


def test_every_setting_that_changes_verdicts_changes_the_scope(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    base = ReplConfig(cwd=tmp_path)
    variants = [
        scope(base),
        scope(ReplConfig(cwd=other)),
        scope(ReplConfig(cwd=tmp_path, command=("lake", "exe", "repl"))),
        scope(ReplConfig(cwd=tmp_path, memory_limit_mb=4096)),
        scope(ReplConfig(cwd=tmp_path, env={"LEAN_PATH": "/other/packages"})),
        scope(base, timeout_s=30.0),
        scope(base, allow_native_decide=True),
        scope(base, lean_version="leanprover/lean4:v4.9.0"),
    ]
    assert len(set(variants)) == len(variants)


def test_a_new_lake_manifest_is_a_new_scope(tmp_path: Path) -> None:
    manifest = tmp_path / "lake-manifest.json"
    manifest.write_text('{"packages": [{"name": "mathlib", "rev": "aaa"}]}')
    before = scope(ReplConfig(cwd=tmp_path), lean_version="fixed")
    manifest.write_text('{"packages": [{"name": "mathlib", "rev": "bbb"}]}')
    assert scope(ReplConfig(cwd=tmp_path), lean_version="fixed") != before


def test_the_standin_says_it_is_simulated() -> None:
    assert describe_lean(ReplConfig(command=standin_command())) == STANDIN_LEAN_VERSION


def test_new_check_rules_are_a_new_scope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kimina_prover_rl.lean import _scope

    before = scope(ReplConfig(cwd=tmp_path))
    monkeypatch.setattr(_scope, "CHECK_RULES_VERSION", _scope.CHECK_RULES_VERSION + 1)
    assert scope(ReplConfig(cwd=tmp_path)) != before
