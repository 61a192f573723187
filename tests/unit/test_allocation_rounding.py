"""Rounding the fractional equilibrium to whole units with a min-cost flow."""

from __future__ import annotations

import numpy as np
import pytest

from cybermutual.domain.allocation import Bids, fisher_equilibrium, round_to_units
from cybermutual.domain.errors import InvalidValue


def test_three_thirds_of_one_van_go_to_exactly_one_member() -> None:
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [1, 1, 1])
    rounded = round_to_units(bids, np.array([1.0]), np.full(3, 1 / 3))
    assert sorted(rounded.tolist()) == [0, 0, 1]


def test_largest_fractions_are_rounded_up_first() -> None:
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [5, 5, 5])
    rounded = round_to_units(bids, np.array([6.0]), np.array([1.2, 2.7, 2.1]))
    assert rounded.tolist() == [1, 3, 2]


def test_never_above_the_cap_even_when_capacity_is_spare() -> None:
    bids = Bids.of([0, 1], [0, 0], [1, 1], [2.5, 1.5])
    rounded = round_to_units(bids, np.array([10.0]), np.array([2.5, 1.5]))
    assert rounded.tolist() == [2, 1]


def test_a_member_is_not_rounded_up_everywhere_while_others_wait() -> None:
    # Member 0 has 0.5 on both assets, members 1 and 2 have 0.5 on one each. Each asset has
    # one spare unit: member 0's fair rounding is ceil(0.5 + 0.5) = 1 unit, not 2.
    bids = Bids.of([0, 0, 1, 2], [0, 1, 0, 1], [1, 1, 1, 1], [1, 1, 1, 1])
    rounded = round_to_units(bids, np.array([1.0, 1.0]), np.full(4, 0.5))
    per_member = np.bincount(bids.member, rounded, minlength=3)
    assert per_member.tolist() in ([1, 1, 0], [1, 0, 1])


def test_minimum_is_all_or_nothing() -> None:
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [4, 4, 4], [3, 3, 0])
    rounded = round_to_units(bids, np.array([5.0]), np.array([2.0, 1.0, 2.0]))
    assert rounded[0] == 3  # at least half its minimum, and there is room
    assert rounded[1] == 0  # below half its minimum
    assert rounded[2] == 2
    assert rounded.sum() <= 5


def test_minimum_left_out_when_no_room() -> None:
    bids = Bids.of([0, 1], [0, 0], [1, 1], [4, 4], [3, 3])
    rounded = round_to_units(bids, np.array([4.0]), np.array([2.0, 2.0]))
    assert sorted(rounded.tolist()) == [0, 3]


def test_rounding_a_real_equilibrium_keeps_every_constraint() -> None:
    rng = np.random.default_rng(0)
    n, k, d = 300, 15, 4
    member = np.repeat(np.arange(n), d)
    asset = np.concatenate([rng.choice(k, d, replace=False) for _ in range(n)])
    maxima = rng.integers(1, 8, n * d).astype(float)
    capacity = np.floor(np.bincount(asset, maxima, minlength=k) * rng.uniform(0.3, 1.1, k))
    bids = Bids.of(member, asset, rng.lognormal(0, 0.5, n * d), maxima)
    eq = fisher_equilibrium(bids, np.ones(n), capacity)
    rounded = round_to_units(bids, capacity, eq.units)
    assert np.all(rounded <= maxima)
    assert np.all(np.bincount(asset, rounded, minlength=k) <= capacity)
    assert np.all(np.abs(rounded - eq.units) < 1)
    # whole capacity left idle only where nobody could take another unit
    idle = capacity - np.bincount(asset, rounded, minlength=k)
    can_grow = np.bincount(asset, rounded < maxima, minlength=k) > 0
    assert np.all(idle[can_grow] < len(rounded))


def test_units_must_match_the_bids() -> None:
    bids = Bids.of([0], [0], [1], [1])
    with pytest.raises(InvalidValue, match="one entry per bid"):
        round_to_units(bids, np.array([1.0]), np.array([0.5, 0.5]))
