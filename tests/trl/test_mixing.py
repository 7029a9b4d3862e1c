"""Cached corrections replace whole prompt groups at the end of a TRL batch."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.data import builtin_rows
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.reward import CorrectionCache, CorrectionPrompt, CorrectionSettings
from kimina_prover_rl.trl import mix_corrections


def _batch(groups: int, size: int) -> list[dict[str, Any]]:
    rows = builtin_rows()[:groups]
    return [{**row, "extra_column": i} for i, row in enumerate(rows) for _ in range(size)]


def _prompt(n: int) -> CorrectionPrompt:
    messages = (
        {"role": "user", "content": f"prove {n}"},
        {"role": "assistant", "content": "attempt"},
        {"role": "user", "content": "fix it"},
    )
    return CorrectionPrompt(messages, 2, f"theorem t{n} : True := by", id=f"p{n}")


def test_every_slot_taken_replaces_the_last_groups_whole() -> None:
    cache = CorrectionCache(CorrectionSettings(rate=1.0))
    cache.add(_prompt(0))
    cache.add(_prompt(1))
    batch = _batch(3, 4)
    mixed = mix_corrections(batch, cache, 4)
    assert mixed[:4] == batch[:4]
    assert [r["extra_info"]["turn"] for r in mixed] == [1] * 4 + [2] * 8
    assert {r["prompt"][0]["content"] for r in mixed[4:8]} == {"prove 0"}
    assert {r["prompt"][0]["content"] for r in mixed[8:]} == {"prove 1"}
    assert [r["extra_column"] for r in mixed] == [r["extra_column"] for r in batch]
    assert set(mixed[5]) == set(batch[5])
    assert len(cache) == 0
    assert cache.stats()["drawn"] == 2


def test_rate_zero_or_an_empty_cache_changes_nothing() -> None:
    batch = _batch(2, 2)
    assert mix_corrections(batch, CorrectionCache(CorrectionSettings(rate=1.0)), 2) == batch
    cache = CorrectionCache(CorrectionSettings(rate=0.0))
    cache.add(_prompt(0))
    assert mix_corrections(batch, cache, 2) == batch
    assert len(cache) == 1


def test_a_batch_that_is_not_whole_groups_is_refused() -> None:
    with pytest.raises(ConfigError, match="multiple of num_generations"):
        mix_corrections(_batch(1, 3), CorrectionCache(), 2)


@settings(max_examples=40, deadline=None)
@given(
    groups=st.integers(1, 5),
    size=st.integers(1, 4),
    cached=st.integers(0, 6),
    rate=st.floats(0, 1),
)
def test_groups_stay_whole_and_nothing_is_lost(
    groups: int, size: int, cached: int, rate: float
) -> None:
    cache = CorrectionCache(CorrectionSettings(rate=rate, seed=1))
    for n in range(cached):
        cache.add(_prompt(n))
    batch = _batch(groups, size)
    mixed = mix_corrections(batch, cache, size)
    assert len(mixed) == len(batch)
    for g in range(groups):
        group = mixed[g * size : (g + 1) * size]
        assert all(row == group[0] for row in group)
    served = sum(row["extra_info"]["turn"] == 2 for row in mixed) // size
    assert served == cache.stats()["drawn"]
    assert served + len(cache) == cached
