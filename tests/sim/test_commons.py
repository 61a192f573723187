"""The facilitator's share-out: proportional response reaches the Fisher-market equilibrium."""

from __future__ import annotations

import numpy as np
import pytest

from cybermutual.sim.commons import group_members, proportional_response


def _check_equilibrium(
    values: np.ndarray, budgets: np.ndarray, capacity: np.ndarray, tol: float
) -> None:
    eq = proportional_response(values, budgets, capacity, tolerance=1e-10, max_iterations=20_000)
    # every asset with a price is fully allocated, and nobody exceeds capacity
    assert eq.allocation.sum(axis=0) == pytest.approx(capacity, rel=1e-9)
    # everyone spends exactly their budget
    assert eq.bids.sum(axis=1) == pytest.approx(budgets, rel=1e-9)
    # each buyer only buys goods with (near) maximal bang per buck: v / unit price
    unit_price = eq.prices / capacity
    bang = values / unit_price[None, :]
    best = bang.max(axis=1, keepdims=True)
    spent_on = eq.bids > 1e-3 * budgets[:, None]
    assert np.all(bang[spent_on] >= (best * (1 - tol)).repeat(values.shape[1], 1)[spent_on])


def test_two_buyers_two_goods_known_equilibrium() -> None:
    # buyer 0 values only good 0, buyer 1 values both equally; budgets 1 each, capacity 1 each.
    # Equilibrium: prices (1, 1); buyer 1 buys all of good 1. Utilities (1, 1).
    values = np.array([[1.0, 0.0], [1.0, 1.0]])
    eq = proportional_response(
        values, np.ones(2), np.ones(2), tolerance=1e-6, max_iterations=50_000
    )
    assert eq.prices == pytest.approx([1.0, 1.0], abs=1e-3)
    assert eq.utilities(values) == pytest.approx([1.0, 1.0], abs=1e-3)


def test_random_markets_reach_equilibrium() -> None:
    rng = np.random.default_rng(4)
    for _ in range(5):
        values = rng.random((30, 6)) * (rng.random((30, 6)) < 0.7)
        values[:, 0] += 0.01  # everyone values something
        _check_equilibrium(
            values, rng.integers(1, 20, 30).astype(float), rng.random(6) + 0.5, tol=1e-2
        )


def test_equal_budgets_one_asset_split_equally() -> None:
    values = np.array([[3.0], [1.0], [2.0]])
    eq = proportional_response(values, np.ones(3), np.array([9.0]))
    assert eq.allocation[:, 0] == pytest.approx([3.0, 3.0, 3.0])


def test_warm_start_gives_the_same_equilibrium() -> None:
    rng = np.random.default_rng(1)
    values, budgets, capacity = rng.random((12, 4)), np.ones(12), np.ones(4)
    cold = proportional_response(values, budgets, capacity, tolerance=1e-10, max_iterations=9_000)
    warm = proportional_response(
        values, budgets, capacity, bids=cold.bids, tolerance=1e-10, max_iterations=9_000
    )
    assert warm.iterations < cold.iterations
    assert warm.prices == pytest.approx(cold.prices, rel=1e-6)


def test_group_members_bands_by_collective_sector_and_skill() -> None:
    group = group_members(
        np.array([0, 1, 1]),
        np.array([2, 0, 0]),
        np.array([1.0, 0.1, 10.0]),
        sectors=3,
        bands=4,
        spread=0.5,
    )
    assert group[0] // 12 == 0
    assert group[1] // 12 == 1
    assert group[1] < group[2]  # same collective and sector, lower skill band
