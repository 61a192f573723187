"""The token budget a bidder sees while typing (``AllocationService.forecast``), both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybermutual.domain.errors import BiddingClosed, InvalidValue, NotAMember, OutputNotServed
from cybermutual.services.commons_rounds import BidDraft
from cybermutual.services.container import Services
from tests.helpers import FakeClock, members, person


def _round(services: Services, clock: FakeClock, count: int = 3) -> tuple[str, str, str, list[str]]:
    slug, people = members(services, count)
    ids = [p.id for p in people]
    lathe = services.commons.contribute(
        slug, member_id=ids[0], name="Lathe", category="tools", capacity=10, unit="hours"
    )
    round_ = services.allocation.open_round(
        slug,
        member_id=ids[0],
        period_start=clock.now() + timedelta(days=2),
        period_end=clock.now() + timedelta(days=9),
        bids_close_at=clock.now() + timedelta(days=1),
        token_budget=100,
    )
    return slug, round_.id, lathe.id, ids


def test_bids_that_fit_cost_nothing(services: Services, clock: FakeClock) -> None:
    slug, round_id, lathe, ids = _round(services, clock)
    empty = services.allocation.forecast(slug, round_id, member_id=ids[1])
    assert (empty.budget == 100 and empty.bids == ()) or list(empty.bids) == []
    assert empty.left == 100
    draft = BidDraft(lathe, max_units=4, min_units=0, output_category="crafts")
    fits = services.allocation.forecast(slug, round_id, member_id=ids[1], draft=draft)
    assert fits.left == 100
    assert fits.spent == 0
    assert [(b.asset_name, b.asked, b.units, b.price_per_unit) for b in fits.bids] == [
        ("Lathe", 4, 4, 0.0)
    ]


def test_a_contested_asset_takes_the_budget_and_typing_places_nothing(
    services: Services, clock: FakeClock
) -> None:
    slug, round_id, lathe, ids = _round(services, clock)
    services.allocation.place_bid(
        slug, round_id, member_id=ids[0], asset_id=lathe, max_units=8, output_category="crafts"
    )
    mine = services.allocation.place_bid(
        slug, round_id, member_id=ids[1], asset_id=lathe, max_units=1, output_category="crafts"
    )
    draft = BidDraft(lathe, max_units=9, min_units=0, output_category="crafts")
    contested = services.allocation.forecast(slug, round_id, member_id=ids[1], draft=draft)
    assert [b.asked for b in contested.bids] == [9]  # the typed bid replaces my placed one
    assert contested.bids[0].price_per_unit > 0
    assert contested.spent == pytest.approx(100, rel=0.02)  # the whole budget buys the share
    assert contested.left == pytest.approx(0, abs=2)
    bids = services.allocation.bids(slug, round_id, viewer_id=ids[1]).items
    assert {(b.member_id, b.max_units) for b in bids} == {(ids[0], 8), (ids[1], 1)}
    assert mine.id in {b.id for b in bids}


def test_a_forecast_is_refused_as_the_bid_would_be(services: Services, clock: FakeClock) -> None:
    slug, round_id, lathe, ids = _round(services, clock)
    with pytest.raises(InvalidValue):
        services.allocation.forecast(
            slug, round_id, member_id=ids[1], draft=BidDraft(lathe, 11, 0, "crafts")
        )
    services.commons.revise(slug, lathe, member_id=ids[0], output_categories=["crafts"])
    with pytest.raises(OutputNotServed):
        services.allocation.forecast(
            slug, round_id, member_id=ids[1], draft=BidDraft(lathe, 2, 0, "food")
        )
    with pytest.raises(NotAMember):
        services.allocation.forecast(slug, round_id, member_id=person(services, "out").id)
    clock.advance(days=1)
    with pytest.raises(BiddingClosed):
        services.allocation.forecast(slug, round_id, member_id=ids[1])


def test_what_is_left_is_never_below_zero_nor_above_the_budget(
    sqlite_services: Services, clock: FakeClock
) -> None:
    services = sqlite_services
    slug, round_id, lathe, ids = _round(services, clock, count=3)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        others=st.lists(st.integers(min_value=1, max_value=10), min_size=2, max_size=2),
        typed=st.integers(min_value=1, max_value=10),
        minimum=st.integers(min_value=0, max_value=10),
    )
    def check(others: list[int], typed: int, minimum: int) -> None:
        for member_id, units in zip(ids[:2], others, strict=True):  # a bid replaces the last
            services.allocation.place_bid(
                slug,
                round_id,
                member_id=member_id,
                asset_id=lathe,
                max_units=units,
                output_category="crafts",
            )
        draft = BidDraft(lathe, typed, min(minimum, typed), "crafts")
        forecast = services.allocation.forecast(slug, round_id, member_id=ids[2], draft=draft)
        assert 0 <= forecast.left <= forecast.budget == 100
        assert forecast.spent <= forecast.budget * 1.02  # whole units: within a unit's price
        assert all(0 <= b.units <= typed for b in forecast.bids)
        if sum(others) + typed <= 10:  # everything fits: free
            assert forecast.left == 100

    check()
