"""Every public package lists exactly its public names, and each one resolves.

The order of ``__all__`` is ruff's (RUF022: constants, classes, then functions).
"""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "kimina_prover_rl",
    "kimina_prover_rl.proof",
    "kimina_prover_rl.lean",
    "kimina_prover_rl.lean.cluster",
    "kimina_prover_rl.lean.kimina",
    "kimina_prover_rl.reward",
    "kimina_prover_rl.data",
    "kimina_prover_rl.eval",
    "kimina_prover_rl.models",
    "kimina_prover_rl.report",
    "kimina_prover_rl.trl",
    "kimina_prover_rl.server",
    "kimina_prover_rl.workspace",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_resolves_without_duplicates(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ lists {attr!r} but it is missing"


@pytest.mark.parametrize("name", PACKAGES)
def test_public_names_are_all_exported(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not isinstance(value, type(importlib))
        and attr not in {"annotations"}
    }
    assert public <= set(module.__all__) | {"__version__"}, public - set(module.__all__)
