"""The rounding lottery over many rounds: identical bidders get identical expected units.

Before issue 13 whole units were rounded by a min-cost flow whose ties fell to input order:
ten identical bidders on one van, and the last bid won every round (bids are ordered by member
id, so the same member won every time). These tests run many seeded rounds and check that every
bidder's expected units equal their fractional share, whatever their position.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cybermutual.domain.allocation import (
    Bids,
    fisher_equilibrium,
    lottery_rng,
    round_to_units,
    solve_instance,
)
from cybermutual.domain.errors import InvalidValue

ROUNDS = 4_000


def _wins(bids: Bids, capacity: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    eq = fisher_equilibrium(bids, budgets, capacity, tolerance=1e-6)
    wins = np.zeros(bids.size)
    for seed in range(ROUNDS):
        wins += round_to_units(bids, capacity, eq.units, rng=lottery_rng(seed), budgets=budgets)
    return wins


def test_ten_identical_bidders_on_one_van_win_equally_often() -> None:
    bids = Bids.of(list(range(10)), [0] * 10, [1.0] * 10, [1.0] * 10)
    wins = _wins(bids, np.array([1.0]), np.ones(10))
    assert wins.sum() == ROUNDS  # the van goes out every round, to exactly one member
    # chi-square test of "every position wins 1 in 10": a fixed winner gives p ~ 0
    assert stats.chisquare(wins).pvalue > 1e-4
    assert wins.max() / ROUNDS < 0.13  # the old rounding: the last bid, every round (1.0)


def test_the_order_bias_of_the_old_rounding_is_gone_on_a_busier_asset() -> None:
    # 7 identical bidders, 3 units of a kiln, each asking for up to 2: shares of 3/7 each.
    # Reversing the input order must not change anyone's chances.
    n = 7
    forward = Bids.of(list(range(n)), [0] * n, [2.0] * n, [2.0] * n)
    wins = _wins(forward, np.array([3.0]), np.ones(n))
    assert wins.sum() == 3 * ROUNDS
    expected = np.full(n, 3 * ROUNDS / n)
    assert stats.chisquare(wins, expected).pvalue > 1e-4
    backward = Bids.of(list(range(n))[::-1], [0] * n, [2.0] * n, [2.0] * n)
    back = _wins(backward, np.array([3.0]), np.ones(n))
    assert stats.chisquare(back, expected).pvalue > 1e-4


def test_unequal_shares_are_won_in_proportion_to_them() -> None:
    # Budgets 1, 2 and 3 on one van: shares 1/6, 2/6, 3/6, and so are the chances.
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1.0] * 3, [1.0] * 3)
    wins = _wins(bids, np.array([1.0]), np.array([1.0, 2.0, 3.0]))
    assert stats.chisquare(wins, ROUNDS * np.array([1, 2, 3]) / 6).pvalue > 1e-4


def test_the_cli_instance_of_the_issue_no_longer_always_picks_the_last_member() -> None:
    van = {
        "assets": [{"id": "van", "capacity": 1}],
        "members": [{"id": f"m{k:02d}", "budget": 100} for k in range(10)],
        "bids": [
            {"member": f"m{k:02d}", "asset": "van", "max_units": 1, "value_per_unit": 3}
            for k in range(10)
        ],
    }
    counts: dict[str, int] = {}
    for seed in range(300):
        out = solve_instance(van, seed=seed)
        for allocation in out["allocations"]:  # type: ignore[attr-defined]
            if allocation["units"]:
                counts[allocation["member"]] = counts.get(allocation["member"], 0) + 1
    assert sum(counts.values()) == 300
    assert len(counts) == 10
    assert max(counts.values()) < 60  # 30 expected each; the old rounding gave m09 all 300


@pytest.mark.parametrize("seed", [0, 1, 2**64, 2**128 - 1])
def test_a_published_seed_reproduces_the_draw(seed: int) -> None:
    bids = Bids.of(list(range(6)), [0, 0, 0, 1, 1, 1], [1.0] * 6, [3.0] * 6)
    capacity = np.array([4.0, 5.0])
    units = np.array([4 / 3] * 3 + [5 / 3] * 3)
    first = round_to_units(bids, capacity, units, rng=lottery_rng(seed))
    assert np.array_equal(first, round_to_units(bids, capacity, units, rng=lottery_rng(seed)))


def test_a_negative_seed_is_refused() -> None:
    with pytest.raises(InvalidValue, match="seed"):
        lottery_rng(-1)
    with pytest.raises(InvalidValue, match="passes"):
        lottery_rng(1, 0)
