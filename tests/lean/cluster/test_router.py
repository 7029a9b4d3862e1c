"""BoundedLoadRouter: keys stay on their pool, loads stay bounded, pools come and go."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean.cluster import BoundedLoadRouter

pool_sizes = st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=6)
keys = st.text(min_size=1, max_size=12)
epsilons = st.sampled_from([0.05, 0.25, 1.0])


def _router(sizes: list[int], epsilon: float = 0.25) -> BoundedLoadRouter:
    router = BoundedLoadRouter(epsilon=epsilon, points_per_slot=4)
    for i, slots in enumerate(sizes):
        router.add(f"pool-{i}", slots)
    return router


@given(pool_sizes, st.lists(keys, max_size=200), epsilons)
def test_no_pool_goes_above_its_bounded_share(
    sizes: list[int], stream: list[str], epsilon: float
) -> None:
    router = _router(sizes, epsilon)
    total_slots = sum(sizes)
    for key in stream:
        assert router.assign(key) is not None  # without capacities some pool always has room
        for i, slots in enumerate(sizes):
            share = router.total_load * slots / total_slots
            assert router.load(f"pool-{i}") <= (1 + epsilon) * share + 1


@given(pool_sizes, st.lists(st.tuples(keys, st.booleans()), max_size=150), epsilons)
def test_a_key_goes_home_while_its_home_is_within_bound(
    sizes: list[int], steps: list[tuple[str, bool]], epsilon: float
) -> None:
    router = _router(sizes, epsilon)
    assigned: list[str] = []
    for key, release in steps:
        if release and assigned:
            router.release(assigned.pop(0))
            continue
        home = router.home(key)
        assert home is not None
        room = router.load(home) < router.bound(home)
        pool = router.assign(key)
        assert pool is not None
        assigned.append(pool)
        if room:
            assert pool == home
        else:  # the first pool after home on the key's walk that had room
            walk = list(router.preference(key))
            assert walk[0] == home
            assert pool in walk[1:]


@given(pool_sizes, st.lists(keys, min_size=1, max_size=40))
def test_identical_keys_meet_on_one_pool_when_loads_are_low(
    sizes: list[int], distinct: list[str]
) -> None:
    router = _router(sizes, epsilon=1.0)
    for key in distinct:
        first = router.assign(key)
        router.release(first or "")
        second = router.assign(key)
        router.release(second or "")
        assert first == second == router.home(key)


@given(pool_sizes, st.data(), st.lists(keys, min_size=1, max_size=100))
def test_removing_a_pool_moves_only_its_keys(
    sizes: list[int], data: st.DataObject, sample: list[str]
) -> None:
    router = _router(sizes)
    before = {key: router.home(key) for key in sample}
    gone = data.draw(st.sampled_from(router.pools))
    router.remove(gone)
    for key, home in before.items():
        if home != gone:
            assert router.home(key) == home
        else:
            assert router.home(key) != gone


@given(pool_sizes, st.lists(keys, min_size=1, max_size=100))
def test_adding_a_pool_moves_keys_only_to_it(sizes: list[int], sample: list[str]) -> None:
    router = _router(sizes)
    before = {key: router.home(key) for key in sample}
    router.add("late", 4)
    for key, home in before.items():
        assert router.home(key) in (home, "late")


def test_bigger_pools_are_home_to_more_keys() -> None:
    router = _router([1, 4])
    homes = [router.home(f"proof {i}") for i in range(4000)]
    big = homes.count("pool-1") / len(homes)
    assert 0.7 < big < 0.9  # 4/5 of the slots, 4/5 of the ring


def test_claimed_load_counts_against_the_bound() -> None:
    router = _router([1, 1], epsilon=0.25)
    for _ in range(4):
        router.claim("pool-0")
    assert router.load("pool-0") == 4
    assert router.total_load == 4
    assert all(router.assign(f"k{i}") == "pool-1" for i in range(2))


def test_loads_are_released_and_removed_pools_are_forgotten() -> None:
    router = _router([2, 2])
    pools = [router.assign(str(i)) for i in range(6)]
    assert router.total_load == 6
    router.remove("pool-0")
    assert router.total_load == pools.count("pool-1")
    router.release("pool-0")  # a late answer from the removed pool changes nothing
    for _ in range(pools.count("pool-1")):
        router.release("pool-1")
    assert router.total_load == 0
    assert "pool-0" not in router
    assert router.pools == ("pool-1",)
    router.remove("pool-0")  # idempotent


def test_no_pools_means_no_home() -> None:
    router = BoundedLoadRouter()
    assert router.home("x") is None
    assert router.assign("x") is None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"epsilon": 0}, "epsilon=0 must be > 0"), ({"points_per_slot": 0}, "points_per_slot")],
)
def test_bad_settings_say_what_to_pass(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        BoundedLoadRouter(**kwargs)  # type: ignore[arg-type]


def test_bad_pools_are_refused() -> None:
    router = _router([1])
    with pytest.raises(ConfigError, match="already routed"):
        router.add("pool-0", 1)
    with pytest.raises(ConfigError, match="slots=0"):
        router.add("x", 0)
    assert math.isfinite(router.bound("pool-0"))
