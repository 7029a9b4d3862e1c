"""Imports point downwards only, and heavy frameworks stay behind their layers.

Reads every module's import statements (top level and inside functions) with ``ast``, so a
lazy import of a forbidden layer is caught too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "kimina_prover_rl"

# For each layer: the project layers it may import (besides itself and `errors`).
ALLOWED_LAYERS = {
    "proof": set(),
    "standin": set(),
    "workspace": set(),
    "lean": {"proof", "standin", "workspace"},
    "reward": {"proof", "lean", "data"},
    "data": {"proof"},
    "report": set(),
    "models": {"proof", "data"},
    "eval": {"proof", "lean", "reward", "data", "models"},
    "trl": {"proof", "lean", "reward", "data", "models", "report"},
    "verl": {"proof", "lean", "reward", "data"},
    "server": {"proof", "lean"},
    "cli": {
        "proof",
        "lean",
        "reward",
        "data",
        "models",
        "report",
        "trl",
        "eval",
        "server",
        "workspace",
    },
}
ML_FRAMEWORKS = {"verl", "trl", "torch", "transformers", "vllm"}
STDLIB = sys.stdlib_module_names


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED_LAYERS))
def test_layer_imports_only_lower_layers(layer: str) -> None:
    forbidden = set(ALLOWED_LAYERS) - ALLOWED_LAYERS[layer] - {layer}
    offenders = []
    for path in _modules(layer):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "kimina_prover_rl" and len(parts) > 1 and parts[1] in forbidden:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_proof_layer_uses_the_standard_library_only() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("proof")
        for name in _imports(path)
        if name.split(".")[0] not in STDLIB and name.split(".")[0] != "kimina_prover_rl"
    ]
    assert not offenders, "\n".join(offenders)


def test_proof_layer_does_no_io_or_asyncio() -> None:
    banned = {"asyncio", "subprocess", "socket", "sqlite3", "os", "pathlib", "threading"}
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("proof")
        for name in _imports(path)
        if name.split(".")[0] in banned
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    "layer", ["proof", "standin", "workspace", "lean", "reward", "data", "server"]
)
def test_core_layers_never_import_ml_frameworks(layer: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if name.split(".")[0] in ML_FRAMEWORKS
    ]
    assert not offenders, "\n".join(offenders)


def test_eval_never_imports_training_frameworks() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("eval")
        for name in _imports(path)
        if name.split(".")[0] in {"verl", "trl"}
    ]
    assert not offenders, "\n".join(offenders)


def test_importing_the_package_and_cli_loads_no_heavy_library() -> None:
    heavy = ["torch", "verl", "ray", "fastapi", "datasets", "pyarrow", "transformers", "vllm"]
    heavy += ["matplotlib"]
    code = (
        "import sys, kimina_prover_rl, kimina_prover_rl.cli, kimina_prover_rl.lean, "
        "kimina_prover_rl.reward, kimina_prover_rl.data, kimina_prover_rl.models, "
        "kimina_prover_rl.eval, kimina_prover_rl.verl\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "", f"importing the package loaded: {out.stdout.strip()}"
