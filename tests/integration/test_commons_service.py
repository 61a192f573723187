"""The allocation service on both databases: ``allocate --collective``, demand from the market."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from cybermutual.domain.errors import RoundNotFound
from cybermutual.services.container import Services
from cybermutual.store.tables import listings
from tests.conftest import FakeClock
from tests.helpers import members


def _round_with_bids(services: Services, clock: FakeClock) -> tuple[str, str, list[str]]:
    slug, people = members(services, 3)
    ids = [p.id for p in people]
    lathe = services.commons.contribute(
        slug, member_id=ids[0], name="Lathe", category="tools", capacity=12, unit="hours"
    )
    round_ = services.allocation.open_round(
        slug,
        member_id=ids[1],
        period_start=clock.now() + timedelta(days=2),
        period_end=clock.now() + timedelta(days=9),
        bids_close_at=clock.now() + timedelta(days=1),
    )
    for member_id, units, output in zip(
        ids, (6, 8, 4), ("crafts", "repairs", "crafts"), strict=True
    ):
        services.allocation.place_bid(
            slug,
            round_.id,
            member_id=member_id,
            asset_id=lathe.id,
            max_units=units,
            output_category=output,
        )
    return slug, lathe.id, ids


def test_allocate_collective_computes_the_open_round(services: Services, clock: FakeClock) -> None:
    slug, lathe, ids = _round_with_bids(services, clock)
    clock.advance(days=1, seconds=1)
    report = services.allocation.allocate_collective(slug)
    assert report.round.status.value == "computed"
    assert report.round.computed_by == "facilitator"
    assert sum(s.units for s in report.shares) == 12
    assert {s.member_id for s in report.shares} == set(ids)
    assert all(s.explanation["reason"] for s in report.shares)
    assert report.passes[0].prices[lathe] > 0


def test_no_open_round_to_allocate(services: Services) -> None:
    slug, _ = members(services, 1)
    with pytest.raises(RoundNotFound):
        services.allocation.allocate_collective(slug)


def test_open_requests_raise_demand_for_their_category(
    services: Services, clock: FakeClock
) -> None:
    slug, _, ids = _round_with_bids(services, clock)
    collective = services.collectives.profile(slug).collective
    with services.uow() as uow:
        conn = uow.connection  # type: ignore[attr-defined]
        conn.execute(
            insert(listings),
            [
                {
                    "id": f"req{n}",
                    "collective_id": collective.id,
                    "owner_id": ids[2],
                    "kind": "request",
                    "status": "open",
                    "title": "Wanted: bowls",
                    "description": "turned bowls",
                    "category": "crafts",
                    "tags": "",
                    "price": 1000,
                    "created_at": clock.now(),
                    "updated_at": clock.now(),
                }
                for n in range(3)
            ],
        )
        uow.commit()
    clock.advance(days=1, seconds=1)
    report = services.allocation.allocate_collective(slug)
    demand = {s.member_id: s.explanation["demand"] for s in report.shares}
    assert demand[ids[0]]["open_requests"] == 3
    assert demand[ids[1]]["open_requests"] == 0
    assert demand[ids[0]]["index"] > demand[ids[1]]["index"]
