"""Every share explained; the round's price of fairness."""

from __future__ import annotations

import numpy as np
import pytest

from cybermutual.domain.allocation import (
    BidRequest,
    Bids,
    UsageObservation,
    explain_round,
    fisher_equilibrium,
    lottery_rng,
    round_to_units,
    utilitarian_allocation,
    value_bids,
)

RNG = lottery_rng(7)


def test_utilitarian_allocation_fills_highest_values_first() -> None:
    bids = Bids.of([0, 1, 2, 0], [0, 0, 0, 1], [3, 5, 1, 2], [2, 2, 10, 1])
    units = utilitarian_allocation(bids, np.array([5.0, 0.5]))
    assert units.tolist() == [2.0, 2.0, 1.0, 0.5]


def test_price_of_fairness_and_reasons() -> None:
    # Two members, one workshop-day each: ana values it at 2, ben at 1. The utilitarian gives
    # ana the whole day (2); the fair equilibrium splits it (1.5): fairness costs 25%.
    bids = Bids.of([0, 1], [0, 0], [2, 1], [1, 1])
    eq = fisher_equilibrium(bids, np.ones(2), np.array([1.0]), tolerance=1e-6)
    whole = round_to_units(bids, np.array([1.0]), eq.units, rng=RNG)
    report = explain_round(
        bids,
        np.array([1.0]),
        eq,
        member_ids=["ana", "ben"],
        asset_ids=["workshop"],
        whole_units=whole,
    )
    assert report.fair_welfare == pytest.approx(1.5)
    assert report.utilitarian_welfare == pytest.approx(2.0)
    assert report.price_of_fairness == pytest.approx(0.25)
    ana, ben = report.bids
    assert (ana.member, ana.asset, ana.units_asked) == ("ana", "workshop", 1.0)
    assert ana.units_fractional == pytest.approx(0.5)
    assert ana.price_per_unit == pytest.approx(2.0)
    assert ana.units_whole is not None
    assert ben.units_whole is not None
    assert ana.units_whole + ben.units_whole == 1
    assert "workshop" in ana.reason
    assert "price" in ana.reason
    assert ana.reason.endswith(".")


def test_explanation_carries_the_why_of_the_value() -> None:
    requests = [
        BidRequest("ana", "lathe", "chairs", 4),
        BidRequest("ben", "lathe", "chairs", 4),
    ]
    valuations = value_bids(requests, [UsageObservation("ana", "lathe", 10, 50)], [])
    bids = Bids.of([0, 1], [0, 0], [v.value_per_unit for v in valuations], [4, 4])
    eq = fisher_equilibrium(bids, np.ones(2), np.array([10.0]))
    report = explain_round(
        bids,
        np.array([10.0]),
        eq,
        member_ids=["ana", "ben"],
        asset_ids=["lathe"],
        valuations=valuations,
    )
    ana, ben = report.bids
    assert ana.price_per_unit == 0.0
    assert ana.units_fractional == pytest.approx(4.0)
    assert ana.own_weight == pytest.approx(0.5)
    assert ben.own_weight == 0.0
    assert ana.productivity == pytest.approx(5.0)
    assert ana.demand == pytest.approx(1.0)
    assert "free" in ana.reason
    assert "10 logged units" in ana.reason
    assert report.price_of_fairness == pytest.approx(0.0)


def test_zero_value_bid_is_told_why_it_got_nothing() -> None:
    bids = Bids.of([0, 1], [0, 0], [1, 0], [5, 5])
    eq = fisher_equilibrium(bids, np.ones(2), np.array([3.0]))
    report = explain_round(bids, np.array([3.0]), eq, member_ids=["a", "b"], asset_ids=["van"])
    assert report.bids[1].units_fractional == 0.0
    assert "no value" in report.bids[1].reason


def test_a_newcomer_on_an_asset_used_without_sales_is_told_where_the_value_came_from() -> None:
    requests = [BidRequest("old", "kiln", "pots", 6), BidRequest("new", "kiln", "pots", 6)]
    usage = [UsageObservation("old", "kiln", 5, 0), UsageObservation("old", "lathe", 10, 40)]
    valuations = value_bids(requests, usage, [])
    assert [v.productivity.collective_basis for v in valuations] == ["pooled", "pooled"]
    bids = Bids.of([0, 1], [0, 0], [v.value_per_unit for v in valuations], [6, 6])
    eq = fisher_equilibrium(bids, np.ones(2), np.array([8.0]))
    whole = round_to_units(bids, np.array([8.0]), eq.units, rng=RNG)
    report = explain_round(
        bids,
        np.array([8.0]),
        eq,
        member_ids=["old", "new"],
        asset_ids=["kiln"],
        whole_units=whole,
        valuations=valuations,
    )
    old, new = report.bids
    assert new.value_per_unit > old.value_per_unit > 0
    assert new.units_whole == 4  # equal budgets, one asset each: equal shares
    assert old.units_whole == 4
    assert "mean over all assets" in new.reason


def test_the_reason_says_when_a_minimum_moved_a_share_by_a_unit_or_more() -> None:
    bids = Bids.of([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1], [6, 6, 6, 6], [0, 5, 0, 0])
    capacity = np.array([12.0])
    eq = fisher_equilibrium(bids, np.ones(4), capacity, tolerance=1e-6)
    whole = round_to_units(bids, capacity, eq.units, rng=RNG)
    assert whole.tolist() == [4, 0, 4, 4]
    report = explain_round(
        bids, capacity, eq, member_ids=list("abcd"), asset_ids=["lathe"], whole_units=whole
    )
    assert "your minimum of 5 did not fit" in report.bids[1].reason
    assert "another bid's minimum left idle" in report.bids[0].reason
    up = Bids.of([0, 1], [0, 0], [1, 1], [6, 6], [0, 4])
    eq = fisher_equilibrium(up, np.ones(2), np.array([7.0]), tolerance=1e-6)
    whole = round_to_units(up, np.array([7.0]), eq.units, rng=RNG)  # 3.5 each
    assert whole.tolist() == [3, 4]
    report = explain_round(
        up, np.array([7.0]), eq, member_ids=["a", "b"], asset_ids=["kiln"], whole_units=whole
    )
    assert "rounded up to your minimum of 4" in report.bids[1].reason
