"""Invariants of the facilitator over random small markets (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.allocation import Bids, fisher_equilibrium, lottery_rng, round_to_units
from tests.helpers import examples

TOLERANCE = 0.005
#: The lottery's seed: every guarantee of the rounding holds whatever it is.
SEEDS = st.integers(0, 2**64)


@dataclass(frozen=True)
class Market:
    bids: Bids
    budgets: np.ndarray
    capacity: np.ndarray


@st.composite
def markets(draw: st.DrawFn, *, equal_budgets: bool = False, minimums: bool = False) -> Market:
    n = draw(st.integers(1, 6))
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
    values = draw(
        st.lists(st.one_of(st.just(0.0), st.floats(0.01, 100.0)), min_size=size, max_size=size)
    )
    maxima = draw(st.lists(st.integers(1, 12).map(float), min_size=size, max_size=size))
    mins = [float(draw(st.integers(0, int(m)))) for m in maxima] if minimums else [0.0] * size
    capacity = draw(st.lists(st.integers(0, 30).map(float), min_size=k, max_size=k))
    if equal_budgets:
        budgets = [1.0] * n
    else:
        budgets = draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n))
    bids = Bids.of([p[0] for p in pairs], [p[1] for p in pairs], values, maxima, mins)
    return Market(bids, np.array(budgets), np.array(capacity))


def solve(market: Market):  # type: ignore[no-untyped-def]
    return fisher_equilibrium(
        market.bids, market.budgets, market.capacity, tolerance=TOLERANCE, max_iterations=50_000
    )


@settings(max_examples=examples(150), deadline=None)
@given(markets())
def test_never_above_capacity_or_a_bids_maximum(market: Market) -> None:
    eq = solve(market)
    used = np.bincount(market.bids.asset, eq.units, minlength=market.capacity.size)
    assert np.all(used <= market.capacity * (1 + 1e-9) + 1e-12)
    assert np.all(eq.units <= market.bids.max_units)
    assert np.all(eq.units >= 0)


@settings(max_examples=examples(150), deadline=None)
@given(markets())
def test_every_bidder_with_positive_value_gets_a_positive_share(market: Market) -> None:
    eq = solve(market)
    bids = market.bids
    useful = (bids.value_per_unit > 0) & (market.capacity[bids.asset] > 0)
    for member in np.unique(bids.member[useful]):
        assert eq.utilities[member] > 0
    assert np.all(eq.units[useful] > 0)


@settings(max_examples=examples(150), deadline=None)
@given(markets(equal_budgets=True))
def test_equal_budgets_envy_free_within_tolerance_and_priced_assets_full(market: Market) -> None:
    eq = solve(market)
    assert eq.converged
    assert eq.equilibrium_gap <= TOLERANCE
    used = np.bincount(market.bids.asset, eq.units, minlength=market.capacity.size)
    priced = eq.prices > 0
    assert np.allclose(used[priced], market.capacity[priced], rtol=1e-9)


@settings(max_examples=examples(100), deadline=None)
@given(markets(equal_budgets=True))
def test_without_binding_caps_nobody_envies_a_bundle(market: Market) -> None:
    # Caps at least the capacity never bind: the textbook Fisher market, where equal budgets
    # make the equilibrium envy-free bundle by bundle (within the tolerance).
    bids = market.bids
    loose = bids.with_max_units(np.maximum(bids.max_units, market.capacity[bids.asset]))
    eq = fisher_equilibrium(loose, market.budgets, market.capacity, tolerance=TOLERANCE)
    n = market.budgets.size
    bundles = np.zeros((n, market.capacity.size))
    values = np.zeros((n, market.capacity.size))
    bundles[bids.member, bids.asset] = eq.units
    values[bids.member, bids.asset] = bids.value_per_unit
    own = (values * bundles).sum(axis=1)
    others = values @ bundles.T  # [i, j] = i's value of j's bundle
    for i in range(n):
        if own[i] > 0:
            assert others[i].max() <= own[i] * (1 + TOLERANCE) + 1e-9


@settings(max_examples=examples(150), deadline=None)
@given(markets(), SEEDS)
def test_rounding_stays_within_one_unit_capacity_and_maximum(market: Market, seed: int) -> None:
    eq = solve(market)
    rounded = round_to_units(market.bids, market.capacity, eq.units, rng=lottery_rng(seed))
    used = np.bincount(market.bids.asset, rounded, minlength=market.capacity.size)
    assert np.all(used <= np.floor(market.capacity))
    assert np.all(rounded <= market.bids.max_units)
    assert np.all(np.abs(rounded - eq.units) < 1)


@settings(max_examples=examples(100), deadline=None)
@given(markets(minimums=True), SEEDS)
def test_rounding_respects_minimums(market: Market, seed: int) -> None:
    eq = solve(market)
    rounded = round_to_units(market.bids, market.capacity, eq.units, rng=lottery_rng(seed))
    used = np.bincount(market.bids.asset, rounded, minlength=market.capacity.size)
    assert np.all(used <= np.floor(market.capacity))
    assert np.all(rounded <= market.bids.max_units)
    assert np.all((rounded == 0) | (rounded >= market.bids.min_units))
    meets = eq.units >= market.bids.min_units
    # a bid that meets its minimum is within one unit of its share, except that it may be
    # rounded up further by the units a minimum not met left on its asset
    dropped = (~meets) & (rounded == 0) & (eq.units > 0)
    freed = np.bincount(market.bids.asset, dropped, minlength=market.capacity.size) > 0
    assert np.all((rounded - eq.units)[meets] > -1)
    assert np.all(((rounded - eq.units) < 1)[meets & ~freed[market.bids.asset]])


def _could_take_an_idle_unit(market: Market, rounded: np.ndarray) -> np.ndarray:
    """Bids of positive value that could take an idle unit (or their whole minimum)."""
    bids = market.bids
    idle = np.floor(market.capacity) - np.bincount(
        bids.asset, rounded, minlength=market.capacity.size
    )
    need = np.maximum(1, np.ceil(bids.min_units) - rounded)
    return np.asarray(
        (bids.value_per_unit > 0)
        & (rounded + need <= np.floor(bids.max_units))
        & (need <= idle[bids.asset])
    )


@settings(max_examples=examples(200), deadline=None)
@given(markets(minimums=True), SEEDS)
def test_no_unit_idle_while_a_bid_with_room_exists(market: Market, seed: int) -> None:
    eq = solve(market)
    rounded = round_to_units(
        market.bids, market.capacity, eq.units, budgets=market.budgets, rng=lottery_rng(seed)
    )
    assert not np.any(_could_take_an_idle_unit(market, rounded))
    used = np.bincount(market.bids.asset, rounded, minlength=market.capacity.size)
    assert np.all(used <= np.floor(market.capacity))
    assert np.all(rounded <= market.bids.max_units)
    assert np.all((rounded == 0) | (rounded >= market.bids.min_units))


@settings(max_examples=examples(100), deadline=None)
@given(markets(minimums=True), st.data(), SEEDS)
def test_no_unit_idle_whatever_the_fractional_shares(
    market: Market, data: st.DataObject, seed: int
) -> None:
    # Rounding must hold its guarantees for any shares that fit, not only equilibria.
    bids = market.bids
    raw = np.array(data.draw(st.lists(st.floats(0, 1), min_size=bids.size, max_size=bids.size)))
    units = raw * bids.max_units
    load = np.bincount(bids.asset, units, minlength=market.capacity.size)
    scale = np.where(load > market.capacity, market.capacity / np.maximum(load, 1e-12), 1.0)
    units = units * scale[bids.asset]
    rounded = round_to_units(bids, market.capacity, units, rng=lottery_rng(seed))
    assert not np.any(_could_take_an_idle_unit(market, rounded))
    used = np.bincount(bids.asset, rounded, minlength=market.capacity.size)
    assert np.all(used <= np.floor(market.capacity))
    assert np.all(rounded <= bids.max_units)
    assert np.all((rounded == 0) | (rounded >= bids.min_units))
    meets = units >= bids.min_units
    assert np.all((rounded - units)[meets] > -1)
