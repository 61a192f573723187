"""Rounding the fractional equilibrium to whole units by a seeded lottery.

What must hold for every draw is checked over many seeds (``SEEDS``); who wins a tie is the
lottery's, so those tests check the chances, never a fixed winner.
"""

from __future__ import annotations

import numpy as np
import pytest

from cybermutual.domain.allocation import Bids, fisher_equilibrium, lottery_rng, round_to_units
from cybermutual.domain.errors import InvalidValue

SEEDS = range(40)


def _draws(
    bids: Bids, capacity: list[float], units: list[float], budgets: np.ndarray | None = None
) -> np.ndarray:
    """The rounded units for every seed in ``SEEDS``, one row per seed."""
    return np.array(
        [
            round_to_units(
                bids, np.array(capacity), np.array(units), rng=lottery_rng(seed), budgets=budgets
            )
            for seed in SEEDS
        ]
    )


def test_three_thirds_of_one_van_go_to_exactly_one_member() -> None:
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [1, 1, 1])
    for rounded in _draws(bids, [1.0], [1 / 3] * 3):
        assert sorted(rounded.tolist()) == [0, 0, 1]


def test_the_same_seed_gives_the_same_units_and_other_seeds_other_winners() -> None:
    bids = Bids.of(list(range(10)), [0] * 10, [1] * 10, [1] * 10)
    shares = np.full(10, 0.1)
    once = round_to_units(bids, np.array([1.0]), shares, rng=lottery_rng(2026))
    again = round_to_units(bids, np.array([1.0]), shares, rng=lottery_rng(2026))
    assert once.tolist() == again.tolist()
    winners = {int(np.argmax(row)) for row in _draws(bids, [1.0], [0.1] * 10)}
    assert len(winners) >= 5  # 40 draws of 10 equal chances: never one fixed winner


def test_each_bid_gets_the_floor_or_the_ceiling_of_its_share() -> None:
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [5, 5, 5])
    for rounded in _draws(bids, [6.0], [1.2, 2.7, 2.1]):
        assert rounded.sum() == 6  # the shares add up to 6: all 6 are handed out
        # floors 1, 2, 2 and the sixth unit to one of them, by their fractional parts
        assert rounded.tolist() in ([1, 3, 2], [2, 2, 2], [1, 2, 3])


def test_never_above_the_cap_even_when_capacity_is_spare() -> None:
    bids = Bids.of([0, 1], [0, 0], [1, 1], [2.5, 1.5])
    for rounded in _draws(bids, [10.0], [2.5, 1.5]):
        assert rounded.tolist() == [2, 1]


def test_a_member_is_not_rounded_up_everywhere_while_others_wait() -> None:
    # Member 0 has 0.5 on both assets, members 1 and 2 have 0.5 on one each. Each asset has
    # one spare unit: member 0's fair rounding is 0.5 + 0.5 = exactly 1 unit, never 0 or 2
    # (the lottery keeps every member's total within one unit of their total share, and
    # exactly on it when that is whole); which of the other two gets the other is drawn.
    bids = Bids.of([0, 0, 1, 2], [0, 1, 0, 1], [1, 1, 1, 1], [1, 1, 1, 1])
    seen = set()
    for rounded in _draws(bids, [1.0, 1.0], [0.5] * 4):
        per_member = np.bincount(bids.member, rounded, minlength=3)
        assert per_member.tolist() in ([1, 1, 0], [1, 0, 1])
        seen.add(tuple(per_member.tolist()))
    assert len(seen) == 2


def test_minimum_is_all_or_nothing() -> None:
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [4, 4, 4], [3, 3, 0])
    draws = _draws(bids, [5.0], [2.0, 1.0, 2.0])
    for rounded in draws:
        assert rounded[0] in (0, 3)
        assert rounded[1] in (0, 3)
        assert rounded[2] >= 2  # its whole share, and any unit a lost minimum left
        assert rounded.sum() <= 5
        assert rounded[0] + rounded[1] <= 3  # only one minimum fits beside bid 2's 2 units
    # a share of 2 of a minimum of 3 wins more often than a share of 1
    assert (draws[:, 0] == 3).sum() > (draws[:, 1] == 3).sum() > 0


def test_minimum_left_out_when_no_room() -> None:
    bids = Bids.of([0, 1], [0, 0], [1, 1], [4, 4], [3, 3])
    for rounded in _draws(bids, [4.0], [2.0, 2.0]):
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
    rounded = round_to_units(bids, capacity, eq.units, rng=lottery_rng(0))
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
        round_to_units(bids, np.array([1.0]), np.array([0.5, 0.5]), rng=lottery_rng(0))


def test_units_a_minimum_could_not_use_go_to_the_bids_with_room() -> None:
    # 12 units, four shares of 3; bid 1's minimum of 5 does not fit beside the others' 9, so it
    # gets nothing, and its 3 units go to the three bids that can still take them.
    bids = Bids.of([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1], [6, 6, 6, 6], [0, 5, 0, 0])
    for rounded in _draws(bids, [12.0], [3.0] * 4):
        assert rounded.tolist() == [4, 0, 4, 4]


def test_idle_units_go_first_to_who_gains_most_per_token() -> None:
    # Bid 3's minimum of 6 fails and leaves 3 units. Member 0 already holds a lot of value on
    # another asset, so a unit adds least to their value per token (1 on top of 23); members
    # 1 and 2 each gain a third of what they hold, and share the 3 units between them.
    bids = Bids.of(
        [0, 1, 2, 3, 0], [0, 0, 0, 0, 1], [1, 1, 2, 1, 5], [9, 9, 9, 9, 4], [0, 0, 0, 6, 0]
    )
    units = [3.0, 3.0, 3.0, 3.0, 4.0]
    for rounded in _draws(bids, [12.0, 4.0], units):
        assert rounded[3] == 0  # a share of 3 never wins a minimum of 6 beside the others' 9
        assert rounded[:3].sum() == 12
        assert rounded[4] == 4
        assert rounded[0] == 3
        assert sorted(rounded[1:3].tolist()) == [4, 5]


def test_idle_units_can_meet_a_minimum_that_was_far_from_its_share() -> None:
    # Three bids of min 7 have shares of 3 (below half their minimum): all three are dropped at
    # first, leaving 9 units idle. A member holding nothing gains most from a unit, so one of
    # them gets its minimum of 7; the 2 left go to bid 0, the only other bid with room.
    bids = Bids.of([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1], [12] * 4, [0, 7, 7, 7])
    for rounded in _draws(bids, [12.0], [3.0] * 4):
        # at most one minimum of 7 fits beside bid 0's 3 (the lottery or the idle units
        # hand it out); bid 0 takes the rest
        assert sorted(rounded[1:].tolist()) == [0, 0, 7]
        assert rounded[0] == 5


def test_budgets_weigh_who_gains_most_from_an_idle_unit() -> None:
    # The same shares and values, but member 2 has twice the budget: the idle unit is theirs.
    bids = Bids.of([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1], [6, 6, 6, 6], [0, 0, 0, 2])
    units = [3.0, 3.0, 3.0, 0.5]
    even = _draws(bids, [10.0], units)
    weighted = _draws(bids, [10.0], units, budgets=np.array([1, 1, 2, 1.0]))
    # bid 3's minimum of 2 never fits beside the others' 9: 1 unit is idle
    assert all(sorted(row.tolist()) == [0, 3, 3, 4] and row[3] == 0 for row in even)
    # among equal budgets the tie is broken by the lottery, not by position
    assert {int(np.argmax(row[:3])) for row in even} == {0, 1, 2}
    assert all(row.tolist() == [3, 3, 4, 0] for row in weighted)


def test_zero_value_bids_take_no_idle_units() -> None:
    # Bid 1's minimum of 5 does not fit; bid 2 is at its cap; bid 0 says a unit is worth
    # nothing to it, so the 4 units stay idle.
    bids = Bids.of([0, 1, 2], [0, 0, 0], [0, 1, 1], [6, 6, 4], [0, 5, 0])
    for rounded in _draws(bids, [8.0], [0.0, 4.0, 4.0]):
        assert rounded.tolist() in ([0, 0, 4], [0, 5, 4])  # 0 or bid 1's minimum, never idle
        assert rounded[0] == 0
