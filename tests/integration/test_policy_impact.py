"""A policy's impact on a real collective, calibrated from its own data (both databases)."""

from __future__ import annotations

from typing import Any

import pytest

from cybermutual.domain.errors import InvalidValue, NotAMember
from cybermutual.services.container import Services
from cybermutual.services.policy_impact import PolicyChange
from tests.helpers import members, person


def trading(services: Services) -> tuple[str, list[Any]]:
    slug, people = members(services, 6, credit_limit=50_000, levy_rate="0.02")
    for k in range(12):
        services.ledger.pay(
            slug,
            payer=people[k % 6].id,
            payee=people[(k + 1) % 6].id,
            amount=1_000 + 100 * k,
            idempotency_key=f"k{k}",
        )
    return slug, people


def test_snapshot_reads_the_collective(services: Services) -> None:
    slug, _ = trading(services)
    snapshot = services.policy_impact.snapshot(slug)
    assert len(snapshot.balances) == 6
    assert sum(snapshot.balances) + snapshot.commons_fund == 0
    assert snapshot.trade_volume == {"other": sum(1_000 + 100 * k for k in range(12)) // 12}
    assert str(snapshot.levy_rate) == "0.02"


def test_a_higher_levy_fills_the_commons_fund(services: Services) -> None:
    slug, people = trading(services)
    impact = services.policy_impact.estimate(
        slug, PolicyChange(levy_rate="0.2"), viewer_id=people[0].id, seeds=3, steps=12
    )
    assert impact["commons_fund"]["change"]["mean"] > 0
    same = services.policy_impact.estimate(slug, PolicyChange(levy_rate="0.02"), seeds=2, steps=8)
    assert same["median_consumption"]["change"]["mean"] == 0  # no change, no effect
    with pytest.raises(NotAMember):
        services.policy_impact.estimate(
            slug, PolicyChange(levy_rate="0.1"), viewer_id=person(services, "out").id
        )
    with pytest.raises(InvalidValue):
        services.policy_impact.estimate(slug, PolicyChange(levy_rate="2"))


def test_snapshot_finds_categories_as_the_platform_records_them(services: Services) -> None:
    """A direct payment counts in the category its payee sells in; ``other`` only if unknown.

    The old reader put every direct payment in ``other`` (98.9% of the demo's trade).
    """
    from cybermutual.domain.market.listings import ListingKind

    slug, people = members(services, 3, credit_limit=50_000, levy_rate="0.02")
    baker, stranger, buyer = people
    services.market.post_listing(
        slug,
        owner=baker.id,
        kind=ListingKind.OFFER,
        title="Bread",
        description="",
        category="food",
        price=500,
    )
    services.commons.contribute(
        slug,
        member_id=stranger.id,
        name="Van",
        category="vehicles",
        capacity=6,
        unit="days",
        output_categories=["transport", "food"],
    )
    for k, (payee, amount) in enumerate([(baker, 2_400), (baker, 1_200), (stranger, 1_200)]):
        services.ledger.pay(
            slug, payer=buyer.id, payee=payee.id, amount=amount, idempotency_key=f"c{k}"
        )
    snapshot = services.policy_impact.snapshot(slug)
    assert snapshot.trade_volume == {"food": 3_600 // 12, "other": 1_200 // 12}
    assert snapshot.category_sources == {"seller_category": 300, "unknown": 100}
    assert sorted(snapshot.sales) == [0, 100, 300]  # each member's sales a week
    assert snapshot.asset_weights == {"transport": 0.5, "food": 0.5}
    assert (snapshot.services, snapshot.services_paid, snapshot.basic_income) == ({}, 0, 0)
