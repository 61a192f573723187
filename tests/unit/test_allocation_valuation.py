"""Valuations: productivity shrunk toward the collective mean, times demand."""

from __future__ import annotations

import pytest

from cybermutual.domain.allocation import (
    BidRequest,
    DemandSignal,
    UsageObservation,
    demand_index,
    estimate_productivity,
    value_bids,
)
from cybermutual.domain.errors import InvalidValue

USAGE = [
    UsageObservation("ana", "lathe", units=30, sales_value=300),  # 10 per hour
    UsageObservation("ben", "lathe", units=10, sales_value=20),  # 2 per hour
]


def test_newcomer_is_valued_at_the_collective_mean() -> None:
    rates = estimate_productivity(USAGE, [("cleo", "lathe")], prior_units=10)
    cleo = rates["cleo", "lathe"]
    assert cleo.collective_rate == pytest.approx(320 / 40)
    assert cleo.rate == pytest.approx(8.0)
    assert cleo.own_rate is None
    assert cleo.own_weight == 0.0
    assert cleo.collective_basis == "asset"


def test_experience_moves_the_estimate_toward_the_own_record() -> None:
    rates = estimate_productivity(USAGE, [("ana", "lathe"), ("ben", "lathe")], prior_units=10)
    ana, ben = rates["ana", "lathe"], rates["ben", "lathe"]
    assert ana.own_weight == pytest.approx(0.75)
    assert ana.rate == pytest.approx((300 + 10 * 8) / 40)
    assert ben.own_weight == pytest.approx(0.5)
    assert ben.rate == pytest.approx((20 + 10 * 8) / 20)
    assert ben.rate < rates["ana", "lathe"].rate


def test_unused_asset_falls_back_to_the_pooled_rate_then_the_default() -> None:
    rates = estimate_productivity(USAGE, [("ana", "van")])
    assert rates["ana", "van"].rate == pytest.approx(8.0)
    empty = estimate_productivity([], [("ana", "van")], default_rate=2.5)
    assert empty["ana", "van"].rate == pytest.approx(2.5)


def test_demand_index_averages_to_one() -> None:
    index = demand_index(
        [DemandSignal("bread", 30, 9), DemandSignal("chairs", 0, 0)], ["bread", "chairs"]
    )
    assert index["bread"].index == pytest.approx(40 / 20.5)
    assert index["chairs"].index == pytest.approx(1 / 20.5)
    assert index["bread"].index + index["chairs"].index == pytest.approx(2.0)


def test_value_is_productivity_times_demand() -> None:
    requests = [
        BidRequest("ana", "lathe", "chairs", max_units=5),
        BidRequest("cleo", "lathe", "bread", max_units=5),
    ]
    signals = [DemandSignal("chairs", 10, 0), DemandSignal("bread", 0, 0)]
    ana, cleo = value_bids(requests, USAGE, signals)
    assert ana.value_per_unit == pytest.approx(ana.productivity.rate * ana.demand.index)
    assert ana.demand.index == pytest.approx(11 / 6)
    assert cleo.productivity.rate == pytest.approx(8.0)
    assert cleo.value_per_unit == pytest.approx(8.0 * 1 / 6)


def test_negative_usage_is_refused() -> None:
    with pytest.raises(InvalidValue):
        UsageObservation("ana", "lathe", units=-1, sales_value=0)
    with pytest.raises(InvalidValue):
        estimate_productivity(USAGE, [], prior_units=0)


def test_an_asset_used_without_sales_falls_back_to_the_pooled_rate() -> None:
    # Nobody's use of the kiln has led to a sale yet: its own mean (0 per unit) says nothing
    # about the level, so the prior is the pooled rate over every asset, as for an unused one.
    usage = [*USAGE, UsageObservation("dan", "kiln", units=5, sales_value=0)]
    rates = estimate_productivity(usage, [("cleo", "kiln"), ("dan", "kiln")], prior_units=10)
    pooled = 320 / 45
    cleo, dan = rates["cleo", "kiln"], rates["dan", "kiln"]
    assert cleo.collective_rate == pytest.approx(pooled)
    assert cleo.collective_basis == "pooled"
    assert cleo.rate == pytest.approx(pooled)
    # the member who used it without selling is still shrunk toward the prior by their record
    assert dan.own_rate == 0.0
    assert dan.rate == pytest.approx(10 * pooled / 15)
    assert 0 < dan.rate < cleo.rate


def test_a_newcomer_is_valued_above_zero_when_no_use_anywhere_led_to_sales() -> None:
    (new,) = value_bids(
        [BidRequest("new", "k", "food", 5)], [UsageObservation("old", "k", 5, 0)], []
    )
    assert new.value_per_unit == pytest.approx(1.0)  # default_rate times an average demand
    assert new.productivity.collective_rate == pytest.approx(1.0)
    assert new.productivity.collective_basis == "default"
    scaled = value_bids(
        [BidRequest("new", "k", "food", 5)],
        [UsageObservation("old", "k", 5, 0)],
        [],
        default_rate=3,
    )
    assert scaled[0].value_per_unit == pytest.approx(3.0)
