"""Decline and re-run: declined units are shared among the members who kept their share."""

from __future__ import annotations

import numpy as np
import pytest

from cybermutual.domain.allocation import (
    Bids,
    fisher_equilibrium,
    lottery_rng,
    reallocate_declined,
)
from cybermutual.domain.errors import InvalidValue

BIDS = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [3, 3, 3])
BUDGETS = np.ones(3)
CAPACITY = np.array([3.0])


def test_a_full_decline_goes_to_the_others() -> None:
    first = fisher_equilibrium(BIDS, BUDGETS, CAPACITY, tolerance=1e-6)
    assert first.units == pytest.approx([1, 1, 1])
    again = reallocate_declined(
        BIDS, BUDGETS, CAPACITY, received=first.units, declined=np.array([1.0, 0, 0])
    )
    assert again.units == pytest.approx([0, 1.5, 1.5], abs=1e-3)
    assert again.decliners.tolist() == [True, False, False]
    assert again.second_pass_units == pytest.approx([0, 0.5, 0.5], abs=1e-3)


def test_a_partial_decline_keeps_the_rest_fixed() -> None:
    again = reallocate_declined(
        BIDS,
        BUDGETS,
        CAPACITY,
        received=np.array([1.0, 1.0, 1.0]),
        declined=np.array([0.5, 0, 0]),
    )
    assert again.units == pytest.approx([0.5, 1.25, 1.25], abs=1e-3)


def test_whole_units_stay_whole_and_within_caps() -> None:
    bids = Bids.of([0, 1, 2, 0], [0, 0, 0, 1], [1, 2, 1, 1], [2, 2, 4, 1])
    again = reallocate_declined(
        bids,
        BUDGETS,
        np.array([4.0, 1.0]),
        received=np.array([2.0, 1.0, 1.0, 1.0]),
        declined=np.array([2.0, 0, 0, 0]),
        whole_units=True,
        rng=lottery_rng(0),
    )
    assert again.units.tolist() == [int(u) for u in again.units]
    assert again.units[0] == 0
    assert again.units[3] == 1
    assert again.units[1] <= 2
    assert again.units[1] >= 1
    assert again.units[:3].sum() == 4


def test_declining_more_than_received_is_refused() -> None:
    with pytest.raises(InvalidValue, match="declined"):
        reallocate_declined(
            BIDS, BUDGETS, CAPACITY, received=np.ones(3), declined=np.array([2.0, 0, 0])
        )


def test_what_a_member_already_holds_counts_toward_their_minimum() -> None:
    # 12 units: member 0 (max 10, min 4) holds 5, member 1 declines its 4, member 2 (max 6)
    # holds 3. Member 0 already meets its minimum, so any extra unit is welcome: the 4 freed
    # units are shared 2 and 2, and none is left idle.
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [10, 4, 6], [4, 0, 0])
    again = reallocate_declined(
        bids,
        BUDGETS,
        np.array([12.0]),
        received=np.array([5.0, 4.0, 3.0]),
        declined=np.array([0.0, 4.0, 0.0]),
        whole_units=True,
        rng=lottery_rng(0),
    )
    assert again.units.tolist() == [7, 0, 5]
    assert again.second_pass_units.tolist() == [2, 0, 2]


def test_a_minimum_not_yet_met_still_holds_in_the_second_pass() -> None:
    # Member 0 holds 1 of a minimum of 4: a second-pass share must bring it to 4 or be nothing.
    bids = Bids.of([0, 1, 2], [0, 0, 0], [1, 1, 1], [10, 4, 6], [4, 0, 0])
    again = reallocate_declined(
        bids,
        BUDGETS,
        np.array([12.0]),
        received=np.array([1.0, 4.0, 3.0]),
        declined=np.array([0.0, 4.0, 0.0]),
        whole_units=True,
        rng=lottery_rng(0),
    )
    assert again.second_pass_units[0] == 0 or again.second_pass_units[0] >= 3
    assert again.units[0] == 1 or again.units[0] >= 4
    assert again.units.sum() <= 12


def test_whole_units_need_the_lottery() -> None:
    with pytest.raises(InvalidValue, match="lottery"):
        reallocate_declined(
            BIDS,
            BUDGETS,
            CAPACITY,
            received=np.ones(3),
            declined=np.array([1.0, 0, 0]),
            whole_units=True,
        )
