"""Plan: proofs wait at their pool, windows are filled, idle pools steal, orphans move."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.lean.cluster import BoundedLoadRouter
from kimina_prover_rl.lean.cluster._plan import Plan


def _setup(pools: dict[str, int], n: int) -> tuple[BoundedLoadRouter, Plan]:
    router = BoundedLoadRouter(epsilon=0.25)
    for name, slots in pools.items():
        router.add(name, slots)
    plan = Plan(router, [f"proof {i}" for i in range(n)])
    plan.route(range(n))
    return router, plan


def test_a_pool_takes_its_own_proofs_oldest_first() -> None:
    router, plan = _setup({"a": 2, "b": 2}, 20)
    own = [i for i in range(20) if router.home(f"proof {i}") == "a"]
    taken = plan.take("a", 3)
    assert taken == sorted(taken)
    assert set(taken) <= set(range(20))
    assert taken[0] == min(own)
    assert plan.in_flight["a"] == 3
    assert plan.waiting == 17


def test_an_idle_pool_steals_from_the_longest_queue_and_loads_follow() -> None:
    router, plan = _setup({"a": 1}, 10)
    assert router.load("a") == 10
    router.add("late", 1)
    stolen = plan.take("late", 4)
    assert stolen == [9, 8, 7, 6]  # the newest proofs: the owner keeps its oldest
    assert router.load("a") == 6
    assert router.load("late") == 4
    for _ in stolen:
        plan.done("late")
    assert router.load("late") == 0
    assert plan.in_flight["late"] == 0


def test_proofs_of_a_removed_pool_are_routed_again_and_none_is_lost() -> None:
    router, plan = _setup({"a": 1, "b": 1}, 30)
    sent = plan.take("a", 2)
    router.remove("a")
    plan.reroute_orphans()
    rest = plan.take("b", 100)
    assert sorted(sent + rest) == list(range(30))
    assert plan.waiting == 0
    assert router.load("b") == 28


def test_without_pools_proofs_wait_unrouted_until_one_appears() -> None:
    router = BoundedLoadRouter()
    plan = Plan(router, ["x", "y"])
    plan.route([0, 1])
    assert list(plan.unrouted) == [0, 1]
    assert plan.take("none", 5) == []
    router.add("a", 1)
    plan.reroute_orphans()
    assert not plan.unrouted
    assert sorted(plan.take("a", 5)) == [0, 1]


def test_releasing_the_waiting_proofs_frees_their_load() -> None:
    router, plan = _setup({"a": 2, "b": 2}, 8)
    plan.take("a", 1)
    plan.release_waiting()
    assert router.total_load == 1
    assert plan.waiting == 0


def test_a_pool_with_room_steals_only_when_asked() -> None:
    router, plan = _setup({"a": 1}, 4)
    router.add("b", 1)
    assert plan.take("b", 2, steal=False) == []
    assert plan.take("b", 2) == [3, 2]


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("take"), st.integers(0, 3), st.integers(0, 6), st.booleans()),
            st.tuples(st.just("done"), st.integers(0, 3), st.integers(1, 3), st.booleans()),
            st.tuples(st.just("remove"), st.integers(0, 3), st.integers(0, 0), st.booleans()),
            st.tuples(st.just("add"), st.integers(0, 3), st.integers(1, 4), st.booleans()),
        ),
        max_size=60,
    )
)
def test_every_proof_is_waiting_or_sent_exactly_once_and_loads_add_up(
    steps: list[tuple[str, int, int, bool]],
) -> None:
    router = BoundedLoadRouter(epsilon=0.25, points_per_slot=2)
    for name in ("p0", "p1"):
        router.add(name, 2)
    plan = Plan(router, [f"proof {i}" for i in range(40)])
    plan.route(range(40))
    sent: dict[str, list[int]] = {}
    finished: list[int] = []
    for action, number, count, steal in steps:
        pool = f"p{number}"
        if action == "take" and pool in router:
            sent.setdefault(pool, []).extend(plan.take(pool, count, steal=steal))
        elif action == "done" and sent.get(pool):
            for _ in range(min(count, len(sent[pool]))):
                finished.append(sent[pool].pop(0))
                plan.done(pool)
        elif action == "remove" and pool in router:
            router.remove(pool)
            returned = sent.pop(pool, [])
            plan.done(pool, len(returned))  # a failed sub-batch hands its proofs back
            plan.route(returned)
        elif action == "add" and pool not in router:
            router.add(pool, count)
        plan.reroute_orphans()
        in_flight = [i for indices in sent.values() for i in indices]
        waiting_or_unrouted = plan.waiting + len(plan.unrouted)
        assert len(finished) + len(in_flight) + waiting_or_unrouted == 40
        assert len(set(finished) | set(in_flight)) == len(finished) + len(in_flight)
        assert router.total_load == plan.waiting + sum(
            len(v) for p, v in sent.items() if p in router
        )
