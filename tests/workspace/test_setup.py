"""``set_up_workspace`` against fake elan, git and lake: order, idempotence, failures, messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimina_prover_rl.errors import ConfigError, SetupError
from kimina_prover_rl.workspace import (
    DEFAULT_LEAN_VERSION,
    WORKSPACE_FILE,
    find_workspace,
    set_up_workspace,
)
from tests.workspace._fake_tools import calls, fake_env, install_fake_tools

REPL_URL = "https://github.com/leanprover-community/repl"
MATHLIB_URL = "https://github.com/leanprover-community/mathlib4"


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake tools first on PATH; returns the call log."""
    bin_dir = tmp_path / "bin"
    repl = install_fake_tools(bin_dir)
    for name, value in fake_env(tmp_path, bin_dir, repl).items():
        monkeypatch.setenv(name, value)
    return tmp_path / "calls.jsonl"


def _setup(root: Path, version: str | None = None) -> list[str]:
    said: list[str] = []
    set_up_workspace(root, version, say=said.append)
    return said


def test_a_fresh_setup_runs_every_step_in_order(tmp_path: Path, tools: Path) -> None:
    root = tmp_path / "ws"
    said = _setup(root)
    v = DEFAULT_LEAN_VERSION
    assert calls(tools) == [
        ("elan", "toolchain", "list"),
        ("elan", "toolchain", "install", f"leanprover/lean4:{v}"),
        ("elan", "toolchain", "list"),
        ("git", "clone", "--depth", "1", "--branch", v, REPL_URL, str(root / "repl")),
        ("lake", "build"),
        ("git", "clone", "--depth", "1", "--branch", v, MATHLIB_URL, str(root / "mathlib4")),
        ("lake", "exe", "cache", "get"),
        ("lake", "build"),
    ]
    steps = [line for line in said if line.startswith("[")]
    assert len([s for s in steps if ": done in " in s]) == 6
    assert any("[5/6] fetch Mathlib's build cache" in s and "running" in s for s in steps)
    workspace = find_workspace(root)
    assert workspace is not None
    assert workspace.lean_version == v
    assert workspace.repl_binary.is_file()
    assert workspace.repl_command == ("lake", "env", str(root / "repl/.lake/build/bin/repl"))
    assert find_workspace(root / "mathlib4") == workspace


def test_a_second_run_skips_every_step(tmp_path: Path, tools: Path) -> None:
    root = tmp_path / "ws"
    _setup(root)
    before = len(calls(tools))
    said = _setup(root)
    assert calls(tools)[before:] == [("elan", "toolchain", "list")]
    assert sum("already done, skipped" in line for line in said) == 6


@pytest.mark.parametrize(
    ("failing", "step", "done_before"),
    [
        ("elan toolchain install", "install the Lean toolchain", 0),
        (
            "git clone --depth 1 --branch v4.26.0 https://github.com/leanprover-community/repl",
            "clone the REPL",
            1,
        ),
        ("exe cache get", "fetch Mathlib's build cache", 4),
    ],
)
def test_a_failing_step_is_named_with_its_command_output_and_a_fix_and_resumes(
    tmp_path: Path,
    tools: Path,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
    step: str,
    done_before: int,
) -> None:
    root = tmp_path / "ws"
    monkeypatch.setenv("FAKE_FAIL", failing)
    with pytest.raises(SetupError) as info:
        _setup(root, "v4.26.0")
    message = str(info.value)
    assert f'step "{step}' in message
    assert "exited with 3" in message
    assert "simulated failure" in message  # the command's own output
    assert "To try:" in message
    monkeypatch.delenv("FAKE_FAIL")
    said = _setup(root)  # resumes at the failed step, at the pinned version
    assert sum("already done, skipped" in line for line in said) == done_before
    assert sum(": done in " in line for line in said) == 6 - done_before


def test_missing_git_or_elan_says_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    install_fake_tools(bin_dir, tools=("lake",))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "calls.jsonl"))
    with pytest.raises(ConfigError) as info:
        _setup(tmp_path / "ws")
    message = str(info.value)
    assert "git is not on PATH: install git" in message
    assert "elan is not on PATH" in message
    assert "elan-init.sh" in message
    assert calls(tmp_path / "calls.jsonl") == []


def test_the_version_is_pinned_and_checked(tmp_path: Path, tools: Path) -> None:
    root = tmp_path / "ws"
    with pytest.raises(ConfigError, match="not a Lean release tag"):
        _setup(root, "main; rm -rf /")
    _setup(root, "v4.19.0")
    assert '"v4.19.0"' in (root / WORKSPACE_FILE).read_text()
    with pytest.raises(ConfigError, match=r"--lean-version v4\.19\.0 to complete it"):
        _setup(root, "v4.26.0")
    (root / WORKSPACE_FILE).unlink()
    with pytest.raises(
        SetupError, match=r"pinned to leanprover/lean4:v4\.19\.0, not Lean v4\.26\.0"
    ):
        _setup(root, "v4.26.0")


def test_a_folder_without_the_marker_is_not_a_workspace(tmp_path: Path) -> None:
    assert find_workspace(tmp_path) is None
    (tmp_path / WORKSPACE_FILE).write_text("{not json")
    with pytest.raises(ConfigError, match="lean setup"):
        find_workspace(tmp_path)


def test_elan_installed_but_not_on_path_says_to_source_its_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    install_fake_tools(bin_dir, tools=("git",))
    install_fake_tools(tmp_path / "elan" / "bin", tools=("elan", "lake"))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("ELAN_HOME", str(tmp_path / "elan"))
    with pytest.raises(ConfigError) as info:
        _setup(tmp_path / "ws")
    assert f"elan is not on PATH: it is installed in {tmp_path / 'elan' / 'bin'}" in str(info.value)
    assert f"source {tmp_path / 'elan'}/env" in str(info.value)
    assert "git" not in str(info.value).split(";", 1)[1]
