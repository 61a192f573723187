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
    # one minimum of 3 fits, the other does not; the unit left over is not left idle
    assert sorted(rounded.tolist()) == [0, 4]


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


def test_units_a_minimum_could_not_use_go_to_the_bids_with_room() -> None:
    # 12 units, four shares of 3; bid 1's minimum of 5 does not fit beside the others' 9, so it
    # gets nothing, and its 3 units go to the three bids that can still take them.
    bids = Bids.of([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1], [6, 6, 6, 6], [0, 5, 0, 0])
    rounded = round_to_units(bids, np.array([12.0]), np.full(4, 3.0))
    assert rounded.tolist() == [4, 0, 4, 4]


def test_idle_units_go_first_to_who_gains_most_per_token() -> None:
    # Bid 3's minimum of 6 fails and leaves 3 units. Member 0 already holds a lot of value on
    # another asset, so a unit adds least to their value per token (1 on top of 23); members
    # 1 and 2 each gain a third of what they hold, and share the 3 units between them.
    bids = Bids.of(
        [0, 1, 2, 3, 0], [0, 0, 0, 0, 1], [1, 1, 2, 1, 5], [9, 9, 9, 9, 4], [0, 0, 0, 6, 0]
    )
    units = np.array([3.0, 3.0, 3.0, 3.0, 4.0])
    rounded = round_to_units(bids, np.array([12.0, 4.0]), units)
    assert rounded[3] == 0
    assert rounded[:3].sum() == 12
    assert rounded[4] == 4
    assert rounded[0] == 3
    assert sorted(rounded[1:3].tolist()) == [4, 5]


def test_idle_units_can_meet_a_minimum_that_was_far_from_its_share() -> None:
    # Three bids of min 7 have shares of 3 (below half their minimum): all three are dropped at
    # first, leaving 9 units idle. A member holding nothing gains most from a unit, so one of
    # them gets its minimum of 7; the 2 left go to bid 0, the only other bid with room.
    bids = Bids.of([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1], [12] * 4, [0, 7, 7, 7])
    rounded = round_to_units(bids, np.array([12.0]), np.full(4, 3.0))
    assert rounded[0] == 5
    assert sorted(rounded[1:].tolist()) == [0, 0, 7]


def test_budgets_weigh_who_gains_most_from_an_idle_unit() -> None:
    # The same shares and values, but member 2 has twice the budget: the idle unit is theirs.
    bids = Bids.of([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1], [6, 6, 6, 6], [0, 0, 0, 2])
    units = np.array([3.0, 3.0, 3.0, 0.5])
    even = round_to_units(bids, np.array([10.0]), units)
    weighted = round_to_units(bids, np.array([10.0]), units, budgets=np.array([1, 1, 2, 1.0]))
    assert even.tolist() == [4, 3, 3, 0]  # a tie, broken by position
    assert weighted.tolist() == [3, 3, 4, 0]


def test_zero_value_bids_take_no_idle_units() -> None:
    # Bid 1's minimum of 5 does not fit; bid 2 is at its cap; bid 0 says a unit is worth
    # nothing to it, so the 4 units stay idle.
    bids = Bids.of([0, 1, 2], [0, 0, 0], [0, 1, 1], [6, 6, 4], [0, 5, 0])
    rounded = round_to_units(bids, np.array([8.0]), np.array([0.0, 4.0, 4.0]))
    assert rounded.tolist() == [0, 0, 4]
