"""VerifierSettings: strict types, values from YAML, and ``auto`` resolved one way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl._schema import settings_from_mapping
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import VerifierSettings, resolve_backend
from kimina_prover_rl.lean.settings import NO_LEAN


@pytest.fixture
def no_lean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No server URL in the environment and a current folder that is no Lean project."""
    monkeypatch.delenv("LEAN_SERVER_API_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"workers": True}, "workers=True is invalid: input should be a valid integer"),
        ({"workers": 2.0}, "workers=2.0 is invalid"),
        ({"spares": False}, "spares=False is invalid"),
        ({"timeout_s": True}, "timeout_s=True is invalid"),
        ({"timeout_s": "60"}, "timeout_s='60' is invalid"),
        ({"dedup": 1}, "dedup=1 is invalid: input should be a valid boolean"),
        ({"standin_seed": True}, "standin_seed=True is invalid"),
        ({"remote_endpoint": "api"}, "remote_endpoint='api' is invalid"),
    ],
)
def test_the_int_is_not_a_bool_and_each_error_names_the_setting_and_its_flag(
    values: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ConfigError, match=fragment) as caught:
        VerifierSettings(**values)
    assert "(command line: --" in str(caught.value)


@given(st.integers(min_value=1, max_value=10_000))
def test_any_positive_worker_count_is_kept_as_given(workers: int) -> None:
    assert VerifierSettings(workers=workers).workers == workers


def test_paths_may_come_as_strings_from_yaml_and_ints_as_seconds() -> None:
    settings = settings_from_mapping(
        VerifierSettings,
        {"project_dir": "/opt/lean", "cache_path": "v.sqlite", "timeout_s": 30},
        where="reward_kwargs",
    )
    assert settings.project_dir == Path("/opt/lean")
    assert settings.cache_path == Path("v.sqlite")
    assert settings.timeout_s == 30.0


def test_an_unknown_key_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown reward_kwargs keys wokers; the valid keys are .*"
    ):
        settings_from_mapping(VerifierSettings, {"wokers": 2}, where="reward_kwargs")
    with pytest.raises(ConfigError, match=r"reward_kwargs\.workers=0 is invalid"):
        settings_from_mapping(VerifierSettings, {"workers": 0}, where="reward_kwargs")


@pytest.mark.usefixtures("no_lean")
@pytest.mark.parametrize(
    ("values", "backend"),
    [
        ({"url": "http://lean:8000"}, "remote"),
        ({"url": "http://lean:8000", "project_dir": "/p"}, "remote"),
        ({"project_dir": "/p"}, "local"),
        ({"repl_cmd": "lake env repl"}, "local"),
        ({"backend": "standin"}, "standin"),
        ({"backend": "local"}, "local"),
    ],
)
def test_auto_is_a_server_then_a_project(values: dict[str, Any], backend: str) -> None:
    assert resolve_backend(VerifierSettings(**values)).backend == backend


def test_auto_reads_the_server_url_from_the_environment(
    no_lean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAN_SERVER_API_URL", "http://lean:8000")
    assert resolve_backend(VerifierSettings()).backend == "remote"


def test_auto_runs_in_the_lean_project_it_is_started_in(no_lean: Path) -> None:
    (no_lean / "lean-toolchain").write_text("leanprover/lean4:v4.15.0\n")
    assert resolve_backend(VerifierSettings()).backend == "local"


def test_auto_never_becomes_the_standin_unless_asked(no_lean: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_backend(VerifierSettings())
    assert str(caught.value) == NO_LEAN
    for way in ("LEAN_SERVER_API_URL", "--project-dir", "--backend standin", "LEAN_BACKEND"):
        assert way in NO_LEAN
    assert resolve_backend(VerifierSettings(), without_lean="standin").backend == "standin"
    assert resolve_backend(VerifierSettings(), without_lean="keep").backend == "auto"
