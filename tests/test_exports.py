"""Every public package lists exactly its public names, sorted, and each one resolves."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "kimina_prover_rl",
    "kimina_prover_rl.proof",
    "kimina_prover_rl.lean",
    "kimina_prover_rl.reward",
    "kimina_prover_rl.data",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported), f"{name}.__all__ is not sorted"
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
