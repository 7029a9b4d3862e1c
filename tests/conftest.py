"""Shared fixtures: the read-only data in ``../shared/data`` and helpers to load it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Hypothesis fails an example that runs past 200 ms by default: a wall-clock threshold that
# a loaded machine trips. Properties here are about behaviour, never about time.
settings.register_profile("kimina", deadline=None)
settings.load_profile("kimina")

# Tests talk to loopback only: no usage reports or telemetry from the libraries we start.
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Commands started by the tests (serve, verify, score) would otherwise share the user's own
# verdict cache in ~/.cache, written by whatever version ran last: each test run gets its own.
os.environ["KIMINA_CACHE"] = str(
    Path(tempfile.mkdtemp(prefix="kimina-test-cache-")) / "verdicts.sqlite"
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("KIMINA_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def shared_file(name: str) -> Path:
    """Path of a file in ``../shared/data``; a failure under ``CI=true``, a skip elsewhere."""
    path = SHARED_DATA / name
    if not path.is_file():
        message = f"shared data file {path} is missing (set KIMINA_SHARED_DATA to its folder)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSON Lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# Tests that start Ray clusters, actors or verl workers take minutes on a loaded 2-core
# machine; pytest's 120 s per-test limit is a hang guard, not a speed requirement.
_RAY_HEAVY = ("tests/verl/", "tests/lean/cluster/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give the Ray-heavy tests a longer hang guard (their own marks still win)."""
    for item in items:
        path = item.path.as_posix()
        if any(part in path for part in _RAY_HEAVY) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(900))


@pytest.fixture(scope="session")
def minif2f() -> list[dict[str, Any]]:
    """The 244 MiniF2F test problems."""
    return load_jsonl(shared_file("minif2f_test.jsonl"))


@pytest.fixture(scope="session")
def train_sample() -> list[dict[str, Any]]:
    """The 500-problem training sample (96 with Lean-verified proofs)."""
    return load_jsonl(shared_file("train_sample.jsonl"))


@pytest.fixture(scope="session")
def feedback_samples() -> list[dict[str, Any]]:
    """Recorded Lean REPL / kimina-lean-server responses."""
    return load_jsonl(shared_file("lean_feedback_samples.jsonl"))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny offline Qwen3 model's folder, built once per test session."""
    from kimina_prover_rl.models import tiny_model_dir

    return tiny_model_dir(cache_dir=tmp_path_factory.mktemp("models"))
