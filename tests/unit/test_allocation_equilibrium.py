"""Worked examples of the capped Fisher equilibrium, each small enough to check by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cybermutual.domain.allocation import (
    Bids,
    Equilibrium,
    WarmStart,
    equilibrium_gaps,
    fisher_equilibrium,
)
from cybermutual.domain.allocation.equilibrium import CHECK_EVERY, _iterations_until
from cybermutual.domain.errors import InvalidValue

TIGHT = 1e-6
BIG = 1e9


def solve(
    member: list[int],
    asset: list[int],
    value: list[float],
    max_units: list[float],
    budgets: list[float],
    capacity: list[float],
    **options: Any,
) -> Equilibrium:
    bids = Bids.of(member, asset, value, max_units)
    options.setdefault("tolerance", TIGHT)
    options.setdefault("max_iterations", 200_000)
    return fisher_equilibrium(bids, np.array(budgets), np.array(capacity), **options)


def test_crossing_tastes_each_get_their_favourite_at_price_of_their_budget() -> None:
    eq = solve([0, 0, 1, 1], [0, 1, 0, 1], [2, 1, 1, 2], [BIG] * 4, [1, 1], [1, 1])
    assert eq.units == pytest.approx([1, 0, 0, 1], abs=1e-4)
    assert eq.prices == pytest.approx([1, 1], rel=1e-4)
    assert eq.converged
    assert eq.equilibrium_gap <= TIGHT


def test_one_asset_equal_budgets_split_in_half() -> None:
    eq = solve([0, 1], [0, 0], [3, 1], [BIG, BIG], [1, 1], [1])
    assert eq.units == pytest.approx([0.5, 0.5])
    assert eq.prices == pytest.approx([2.0])
    assert eq.nash_welfare == pytest.approx(np.sqrt(1.5 * 0.5))


def test_budgets_weight_the_shares() -> None:
    eq = solve([0, 1], [0, 0], [1, 1], [BIG, BIG], [2, 1], [3])
    assert eq.units == pytest.approx([2, 1])
    assert eq.prices == pytest.approx([1.0])


def test_undersubscribed_asset_is_free_and_everyone_gets_what_they_asked() -> None:
    eq = solve([0, 1], [0, 0], [5, 1], [2, 3], [1, 1], [10])
    assert eq.units == pytest.approx([2, 3])
    assert eq.prices == pytest.approx([0.0])
    assert eq.iterations == 0


def test_one_bidder_takes_the_whole_capacity_for_its_budget() -> None:
    eq = solve([0], [0], [4], [100], [7], [10])
    assert eq.units == pytest.approx([10])
    assert eq.prices == pytest.approx([0.7])


def test_a_binding_cap_sends_the_rest_to_the_other_bidder() -> None:
    # A may use at most 0.5 of 2 units; B takes 1.5 and sets the price at B/u_B = 1/1.5.
    eq = solve([0, 1], [0, 0], [1, 1], [0.5, BIG], [1, 1], [2])
    assert eq.units == pytest.approx([0.5, 1.5])
    assert eq.prices == pytest.approx([2 / 3])
    # A pays the price plus the rent of its cap: 0.5 * (2/3 + rent) = its whole budget.
    assert eq.spending[0] == pytest.approx(1.0)


def test_zero_value_bids_get_nothing_and_do_not_count_in_nash_welfare() -> None:
    eq = solve([0, 1, 2], [0, 0, 1], [1, 0, 0], [BIG, BIG, 5], [1, 1, 1], [4, 3])
    assert eq.units == pytest.approx([4, 0, 0])
    assert eq.utilities == pytest.approx([4, 0, 0])
    assert eq.nash_welfare == pytest.approx(4.0)


def test_no_bids_at_all() -> None:
    eq = solve([], [], [], [], [1, 1], [3])
    assert eq.units.size == 0
    assert eq.prices == pytest.approx([0.0])
    assert eq.converged
    assert eq.nash_welfare == 0.0


def test_caps_can_leave_bundle_envy_even_at_the_exact_optimum() -> None:
    # Both hold their capped 0.5 of asset 0 (worth 10 a unit to both, free: caps sum to
    # capacity). A values asset 1 at 0.1 a unit, B at 1: the optimum gives B all of asset 1.
    # A then values B's bundle at 5.1 against 5 for their own: 2% bundle envy, while the
    # market envy (each member's regret at the prices) is zero: bundle envy-freeness is not
    # what the capped program promises.
    eq = solve([0, 0, 1, 1], [0, 1, 0, 1], [10, 0.1, 10, 1], [0.5, BIG, 0.5, BIG], [1, 1], [1, 1])
    assert eq.units == pytest.approx([0.5, 0, 0.5, 1], abs=1e-4)
    assert eq.equilibrium_gap <= TIGHT
    a_values_b_bundle = 10 * 0.5 + 0.1 * eq.units[3]
    assert a_values_b_bundle / eq.utilities[0] - 1 == pytest.approx(0.02, abs=1e-3)


def test_member_envy_matches_the_standalone_definition() -> None:
    rng = np.random.default_rng(3)
    member = np.repeat(np.arange(30), 3)
    asset = np.concatenate([rng.choice(6, 3, replace=False) for _ in range(30)])
    bids = Bids.of(member, asset, rng.uniform(0.1, 5, 90), rng.uniform(0.5, 4, 90))
    eq = fisher_equilibrium(bids, np.ones(30), np.full(6, 8.0), tolerance=0.01)
    recomputed = equilibrium_gaps(bids, np.ones(30), np.full(6, 8.0), eq.units, eq.prices)
    assert recomputed == pytest.approx(eq.member_gap, abs=1e-9)
    assert eq.equilibrium_gap <= 0.01


def _random_market(seed: int) -> tuple[Bids, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, k, d = 400, 20, 5
    member = np.repeat(np.arange(n), d)
    asset = np.concatenate([rng.choice(k, d, replace=False) for _ in range(n)])
    maxima = rng.integers(1, 10, n * d).astype(float)
    capacity = np.bincount(asset, maxima, minlength=k) * rng.uniform(0.2, 1.2, k)
    bids = Bids.of(member, asset, rng.lognormal(0, 0.7, n * d), maxima)
    return bids, np.ones(n), capacity


def test_warm_start_from_the_last_equilibrium_gives_the_same_answer_at_once() -> None:
    bids, budgets, capacity = _random_market(1)
    cold = fisher_equilibrium(bids, budgets, capacity)
    warm = fisher_equilibrium(bids, budgets, capacity, warm_start=cold)
    assert cold.iterations > 4
    assert warm.iterations == 1
    assert warm.units == pytest.approx(cold.units, abs=1e-3)
    assert warm.prices == pytest.approx(cold.prices, rel=1e-3)
    assert warm.nash_welfare == pytest.approx(cold.nash_welfare, rel=1e-6)


def test_warm_start_from_prices_alone_converges_to_the_same_equilibrium() -> None:
    bids, budgets, capacity = _random_market(2)
    cold = fisher_equilibrium(bids, budgets, capacity, tolerance=1e-4)
    warm = fisher_equilibrium(
        bids, budgets, capacity, tolerance=1e-4, warm_start=WarmStart(prices=cold.prices)
    )
    assert warm.converged
    assert warm.nash_welfare == pytest.approx(cold.nash_welfare, rel=1e-4)


def test_iteration_cap_is_reported_as_not_converged() -> None:
    bids, budgets, capacity = _random_market(4)
    eq = fisher_equilibrium(bids, budgets, capacity, tolerance=1e-9, max_iterations=3)
    assert not eq.converged
    assert eq.iterations == 3
    assert np.all(np.bincount(bids.asset, eq.units, minlength=capacity.size) <= capacity + 1e-9)


def test_results_are_read_only() -> None:
    bids, budgets, capacity = _random_market(5)
    eq = fisher_equilibrium(bids, budgets, capacity)
    with pytest.raises(ValueError, match="read-only"):
        eq.units[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        bids.value_per_unit[0] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budgets": [-1.0, 1.0]}, "budgets"),
        ({"capacity": [-2.0]}, "capacity"),
        ({"budgets": [1.0]}, "member"),
        ({"capacity": [np.nan]}, "finite"),
        ({"tolerance": 0.0}, "tolerance"),
        ({"max_iterations": 0}, "max_iterations"),
    ],
)
def test_bad_market_is_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"budgets": [1.0, 1.0], "capacity": [1.0]}
    options = {k: v for k, v in kwargs.items() if k in ("tolerance", "max_iterations")}
    args.update({k: v for k, v in kwargs.items() if k in args})
    bids = Bids.of([0, 1], [0, 0], [1, 1], [1, 1])
    with pytest.raises(InvalidValue, match=message):
        fisher_equilibrium(
            bids,
            np.array(args["budgets"]),
            np.array(args["capacity"]),
            **options,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (([0, 0], [1, 1], [1, 1], [1, 1]), "once per asset"),
        (([0], [0], [-1], [1]), "value_per_unit"),
        (([0], [0], [1], [-1]), "max_units"),
        (([0], [0], [1], [1], [2]), "min_units"),
        (([0, 1], [0], [1], [1]), "same length"),
        (([0.5], [0], [1], [1]), "integer"),
        (([-1], [0], [1], [1]), "negative"),
    ],
)
def test_bad_bids_are_refused(arrays: tuple[list[float], ...], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        Bids.of(*arrays)


def test_a_slow_decay_far_from_the_tolerance_schedules_a_check_instead_of_overflowing() -> None:
    # the envy barely fell between two checks, and the tolerance is eleven orders away: the
    # extrapolated power overflowed a float before (OverflowError in the simulator)
    wait = _iterations_until(1e-12, 0.5, (4, 0.5000001), 8)
    assert CHECK_EVERY <= wait <= 8
