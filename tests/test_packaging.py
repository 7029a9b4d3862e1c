"""The `gpu` extra resolves, against the registry, to verl 0.9.1's tested GPU stack.

A GPU user runs one `pip install "kimina-prover-rl[gpu]"`; a pin that cannot resolve or
that pulls another torch under vllm must fail here, not on their node. pip's own resolver
answers (`pip install --dry-run --report`), with no local configuration, constraints or
wheel folders, so the answer is the registry's.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
_DEFAULT_INDEX = "https://pypi.org/simple"

# verl 0.9.1's `vllm` extra (its METADATA): the versions its GPU CI runs.
TESTED_STACK = {"verl": "0.9.1", "vllm": "0.24.0", "torch": "2.11.0", "transformers": "5.9.0"}


def _extras() -> dict[str, list[str]]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    return extras


def test_no_extra_but_gpu_pins_torch() -> None:
    """The CPU torch build lives in the Makefile only; an extra pinning it breaks vllm."""
    pinned = {
        name: [r for r in reqs if r.replace(" ", "").startswith("torch==")]
        for name, reqs in _extras().items()
    }
    assert {name: reqs for name, reqs in pinned.items() if reqs} == {"gpu": ["torch==2.11.0"]}
    assert "TORCH := torch==" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_the_gpu_extra_states_verls_tested_versions() -> None:
    gpu = _extras()["gpu"]
    assert "verl[vllm]==0.9.1" in gpu
    for name in ("vllm", "torch", "transformers"):
        assert f"{name}=={TESTED_STACK[name]}" in gpu


def test_the_tested_stack_is_verls_own() -> None:
    """TESTED_STACK is read from verl 0.9.1's metadata, when verl is installed here."""
    from importlib import metadata

    try:
        requires = metadata.requires("verl") or []
    except metadata.PackageNotFoundError:
        pytest.skip("verl is not installed here (the verl extra); its metadata cannot be read")
    vllm_extra = {r.split(";")[0].strip() for r in requires if 'extra == "vllm"' in r}
    for name in ("vllm", "torch", "transformers"):
        assert f"{name}=={TESTED_STACK[name]}" in vllm_extra


def _index_url() -> str:
    return os.environ.get("PIP_INDEX_URL", _DEFAULT_INDEX).rstrip("/")


def _require_registry() -> str:
    index = _index_url()
    if not index.startswith(("http://", "https://")):
        pytest.skip(f"PIP_INDEX_URL={index} is not an HTTP registry; set it to PyPI or a mirror")
    try:
        httpx.get(f"{index}/pip/", timeout=10.0, follow_redirects=True).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.skip(f"the package registry {index} is unreachable ({exc}); set PIP_INDEX_URL")
    return index


@pytest.mark.slow
@pytest.mark.registry
@pytest.mark.timeout(900)
@pytest.mark.skipif(
    sys.platform != "linux" or platform.machine() != "x86_64",
    reason="the GPU stack (CUDA torch, vllm) is resolved for Linux x86_64 only",
)
def test_the_gpu_install_resolves_to_verls_tested_stack(tmp_path: Path) -> None:
    index = _require_registry()
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no local constraints, wheel folders or extra indexes
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--isolated",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--index-url",
            index,
            "--report",
            str(report),
            f"kimina-prover-rl[gpu] @ {ROOT.as_uri()}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, f"pip cannot resolve the gpu extra:\n{completed.stderr}"
    resolved = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in json.loads(report.read_text(encoding="utf-8"))["install"]
    }
    assert {name: resolved.get(name) for name in TESTED_STACK} == TESTED_STACK
