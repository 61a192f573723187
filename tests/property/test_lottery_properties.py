"""Invariants of the rounding lottery (hypothesis): what holds for every seed, and in expectation.

Every draw: each asset hands out exactly its total share when that is whole (never more than
its whole capacity), no bid gets more than it asked, every bid gets the floor or the ceiling of
its share, and every member's total is within one unit of their total share. In expectation:
each bid's units equal its fractional share, which is checked by averaging many draws with a
bound that a correct lottery misses with probability below one in a million per example.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.allocation import (
    Bids,
    dependent_rounding,
    fisher_equilibrium,
    lottery_rng,
    round_to_units,
)
from tests.helpers import examples

SEEDS = st.integers(0, 2**64)


@dataclass(frozen=True)
class Shares:
    """Bids with fractional shares that use every asset up to a whole number of units."""

    bids: Bids
    capacity: np.ndarray
    units: np.ndarray
    n_members: int


@st.composite
def whole_shares(draw: st.DrawFn) -> Shares:
    """Random bids, and shares that fill each asset's whole capacity (or give every cap)."""
    n = draw(st.integers(1, 7))
    k = draw(st.integers(1, 4))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, k - 1)),
            min_size=1,
            max_size=n * k,
            unique=True,
        )
    )
    size = len(pairs)
    maxima = np.array(draw(st.lists(st.integers(1, 9), min_size=size, max_size=size)), float)
    weights = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=size, max_size=size)))
    asset = np.array([a for _, a in pairs])
    capacity = np.zeros(k)
    units = np.zeros(size)
    for a in range(k):
        on = asset == a
        if not on.any():
            continue
        demand = int(maxima[on].sum())
        cap = draw(st.integers(0, demand + 2))
        capacity[a] = cap
        units[on] = _fill(maxima[on], weights[on], min(cap, demand))
    bids = Bids.of([m for m, _ in pairs], asset, np.ones(size), maxima)
    return Shares(bids, capacity, units, n)


def _fill(maxima: np.ndarray, weights: np.ndarray, total: int) -> np.ndarray:
    """Shares proportional to ``weights``, within ``maxima``, adding up to ``total``."""
    share = np.zeros_like(maxima)
    left = float(total)
    open_ = np.ones(maxima.size, dtype=bool)
    while left > 1e-12 and open_.any():
        split = left * weights * open_ / (weights * open_).sum()
        room = maxima - share
        take = np.minimum(split, room)
        share += take
        left -= float(take.sum())
        open_ &= share < maxima - 1e-12
    return share


@settings(max_examples=examples(200), deadline=None)
@given(whole_shares(), SEEDS)
def test_every_draw_conserves_units_and_stays_within_one_unit(shares: Shares, seed: int) -> None:
    bids = shares.bids
    rounded = round_to_units(bids, shares.capacity, shares.units, rng=lottery_rng(seed))
    used = np.bincount(bids.asset, rounded, minlength=shares.capacity.size)
    total = np.bincount(bids.asset, shares.units, minlength=shares.capacity.size)
    assert np.array_equal(used, np.round(total))  # each asset's units conserved
    assert np.all(used <= shares.capacity)
    assert np.all(rounded <= bids.max_units)  # no bidder above demand
    assert np.all(rounded >= np.floor(shares.units + 1e-9))
    assert np.all(rounded <= np.ceil(shares.units - 1e-9))
    members = np.bincount(bids.member, rounded, minlength=shares.n_members)
    owed = np.bincount(bids.member, shares.units, minlength=shares.n_members)
    assert np.all(np.abs(members - owed) < 1 + 1e-9)  # a member's total: floor or ceiling


@settings(max_examples=examples(100), deadline=None)
@given(whole_shares(), SEEDS)
def test_the_same_seed_draws_the_same_units(shares: Shares, seed: int) -> None:
    draw = [
        round_to_units(shares.bids, shares.capacity, shares.units, rng=lottery_rng(seed, p))
        for p in (1, 1, 2)
    ]
    assert np.array_equal(draw[0], draw[1])


DRAWS = 2_000


@settings(max_examples=examples(25), deadline=None)
@given(whole_shares())
def test_expected_units_equal_the_fractional_shares(shares: Shares) -> None:
    # Each bid is its floor plus a 0/1 draw (variance <= 1/4), so the mean of DRAWS draws is
    # within 5.5 standard errors of its expectation except with probability < 4e-8 per bid.
    bids = shares.bids
    total = np.zeros(bids.size)
    for seed in range(DRAWS):
        total += round_to_units(bids, shares.capacity, shares.units, rng=lottery_rng(seed))
    mean = total / DRAWS
    assert np.all(np.abs(mean - shares.units) <= 5.5 * 0.5 / np.sqrt(DRAWS))


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), min_size=1, max_size=24, unique=True),
    st.data(),
    SEEDS,
)
def test_dependent_rounding_keeps_every_vertex_at_its_floor_or_ceiling(
    pairs: list[tuple[int, int]], data: st.DataObject, seed: int
) -> None:
    member = np.array([m for m, _ in pairs])
    asset = np.array([a for _, a in pairs])
    fraction = np.array(
        data.draw(st.lists(st.floats(0, 1), min_size=len(pairs), max_size=len(pairs)))
    )
    up = dependent_rounding(member, asset, fraction, n_members=6, rng=lottery_rng(seed))
    assert np.all(up[fraction >= 1 - 1e-9])
    assert not np.any(up[fraction <= 1e-9])
    for groups, size in ((member, 6), (asset, 4)):
        rounded = np.bincount(groups, up, minlength=size)
        owed = np.bincount(groups, fraction, minlength=size)
        assert np.all(rounded >= np.floor(owed + 1e-9))
        assert np.all(rounded <= np.ceil(owed - 1e-9))


@settings(max_examples=examples(40), deadline=None)
@given(st.integers(2, 12), st.integers(1, 11), SEEDS)
def test_identical_bidders_are_never_ranked_by_position(n: int, capacity: int, seed: int) -> None:
    # n identical bidders on one asset: the equilibrium gives each capacity / n, and any draw
    # hands out exactly min(capacity, n) units, one per winner, to some set of them.
    bids = Bids.of(list(range(n)), [0] * n, [1.0] * n, [1.0] * n)
    eq = fisher_equilibrium(bids, np.ones(n), np.array([float(capacity)]))
    rounded = round_to_units(bids, np.array([float(capacity)]), eq.units, rng=lottery_rng(seed))
    assert rounded.sum() == min(capacity, n)
    assert set(rounded.tolist()) <= {0, 1}
