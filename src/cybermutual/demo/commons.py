"""The demo's workshop: assets held in common, two finished allocation rounds, and one a
visitor can finish at once."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from cybermutual.demo.people import DEMO_SLUG, SteppingClock
from cybermutual.domain.commons import AssetStatus
from cybermutual.domain.errors import CreditLimitExceeded
from cybermutual.services.container import Services


class WorkshopAsset(NamedTuple):
    name: str
    category: str
    capacity: int
    unit: str
    location: str
    outputs: list[str]
    contributor: int  # index into the demo's members


class DemoBid(NamedTuple):
    member: int  # index into the demo's members
    asset: int  # index into WORKSHOP
    max_units: int
    min_units: int
    output: str


WORKSHOP: list[WorkshopAsset] = [
    WorkshopAsset(
        "Wood lathe", "woodworking", 40, "hours", "Workshop, bay 1", ["crafts", "repairs"], 5
    ),
    WorkshopAsset("Bandsaw", "woodworking", 30, "hours", "Workshop, bay 1", ["crafts", "home"], 9),
    WorkshopAsset(
        "Sewing machines (4)", "textiles", 60, "hours", "Workshop, loft", ["crafts", "creative"], 13
    ),
    WorkshopAsset("Cargo van", "vehicles", 6, "days", "Yard", ["transport"], 2),
    WorkshopAsset("Community kitchen", "kitchens", 50, "hours", "Hall, ground floor", ["food"], 4),
    WorkshopAsset(
        "Market garden plots", "land", 12, "plots", "Riverside field", ["food", "home"], 15
    ),
    WorkshopAsset(
        "GPU server", "compute", 168, "hours", "Hall, server cupboard", ["digital", "creative"], 7
    ),
    WorkshopAsset(
        "3D printer", "fabrication", 80, "hours", "Workshop, bay 2", ["repairs", "digital"], 18
    ),
]
BIDS: list[DemoBid] = [
    DemoBid(5, 0, 16, 4, "crafts"),
    DemoBid(1, 0, 12, 0, "repairs"),
    DemoBid(9, 1, 10, 0, "home"),
    DemoBid(5, 1, 8, 0, "crafts"),
    DemoBid(13, 2, 30, 6, "crafts"),
    DemoBid(17, 2, 20, 0, "creative"),
    DemoBid(2, 3, 3, 1, "transport"),
    DemoBid(12, 3, 3, 0, "transport"),
    DemoBid(4, 4, 20, 0, "food"),
    DemoBid(1, 4, 15, 0, "food"),
    DemoBid(10, 4, 20, 5, "food"),
    DemoBid(15, 5, 6, 2, "food"),
    DemoBid(14, 5, 5, 0, "home"),
    DemoBid(7, 6, 100, 0, "digital"),
    DemoBid(0, 6, 60, 0, "creative"),
    DemoBid(8, 6, 40, 0, "digital"),
]


def seed_commons(
    services: Services,
    clock: SteppingClock,
    members: list[str],
    *,
    now: datetime,
    rng: random.Random,
) -> None:
    """A workshop of assets, two finished rounds, and a round a visitor can finish at once.

    The first round (five weeks ago) gives the facilitator a usage log with sales, so the past
    round's values are each member's measured productivity times demand, not the neutral 1.0
    every member has before anyone used anything. The last round's bidding closed and its week
    ended just now: a visitor can compute, publish, decline, re-run and close it in one sitting,
    then open the next round and bid.
    """
    clock.moment = now - timedelta(days=45)
    assets = [
        services.commons.contribute(
            DEMO_SLUG,
            member_id=members[asset.contributor],
            name=asset.name,
            category=asset.category,
            capacity=asset.capacity,
            unit=asset.unit,
            location=asset.location,
            output_categories=asset.outputs,
        )
        for asset in WORKSHOP
    ]
    _finished_round(services, clock, members, assets, rng, start=now - timedelta(days=35))
    clock.moment = now - timedelta(days=25)
    services.commons.revise(
        DEMO_SLUG, assets[7].id, member_id=members[18], status=AssetStatus.MAINTENANCE
    )
    _finished_round(
        services, clock, members, assets, rng, start=now - timedelta(days=14), decline_van=True
    )
    clock.moment = now - timedelta(days=6, hours=22)
    ready = services.allocation.open_round(
        DEMO_SLUG,
        member_id=members[1],
        period_start=now - timedelta(days=6),
        period_end=now - timedelta(minutes=30),
        bids_close_at=now - timedelta(days=6),
    )
    _bid_all(services, ready.id, members, assets, rng)


def _finished_round(
    services: Services,
    clock: SteppingClock,
    members: list[str],
    assets: list[Any],
    rng: random.Random,
    *,
    start: datetime,
    decline_van: bool = False,
) -> None:
    """A week's round from opening to close, with the use made of it and the sales it led to."""
    clock.moment = start - timedelta(days=4)
    done = services.allocation.open_round(
        DEMO_SLUG,
        member_id=members[0],
        period_start=start,
        period_end=start + timedelta(days=7),
        bids_close_at=start - timedelta(days=2),
    )
    _bid_all(services, done.id, members, assets, rng)
    clock.moment = start - timedelta(days=2) + timedelta(minutes=5)
    services.allocation.compute(DEMO_SLUG, done.id, member_id=members[3])
    report = services.allocation.publish(DEMO_SLUG, done.id, member_id=members[6])
    if decline_van:
        van = next(s for s in report.shares if s.asset_id == assets[3].id and s.units > 0)
        services.allocation.decline(DEMO_SLUG, done.id, van.id, member_id=van.member_id)
        report = services.allocation.rerun(DEMO_SLUG, done.id, member_id=members[11])
    clock.moment = start + timedelta(days=7, hours=2)
    services.allocation.close(DEMO_SLUG, done.id, member_id=members[0])
    held: dict[tuple[str, str], int] = {}
    for share in report.shares:
        if not share.is_declined and share.units > 0:
            key = (share.member_id, share.asset_id)
            held[key] = held.get(key, 0) + share.units
    categories = {(bid.member, bid.asset, bid.output) for bid in BIDS}
    for index, ((member_id, asset_id), units) in enumerate(sorted(held.items())):
        clock.moment += timedelta(minutes=17)
        output = next(
            o for m, a, o in categories if members[m] == member_id and assets[a].id == asset_id
        )
        buyer = rng.choice([m for m in members if m != member_id])
        sales = []
        try:
            sale = services.ledger.pay(
                DEMO_SLUG,
                payer=buyer,
                payee=member_id,
                amount=rng.randint(10, 60) * 100 * max(1, units // 5),
                memo=f"{output} made with the commons",
                idempotency_key=f"demo-commons-sale-{done.id}-{index}",
            )
            sales.append(sale.transfer.id)
        except CreditLimitExceeded:
            pass
        services.commons.log_usage(
            DEMO_SLUG,
            member_id=member_id,
            asset_id=asset_id,
            round_id=done.id,
            units=max(1, units - rng.randint(0, units // 3)),
            output_category=output,
            sales=sales,
        )


def _bid_all(
    services: Services,
    round_id: str,
    members: list[str],
    assets: list[Any],
    rng: random.Random,
) -> None:
    for bid in BIDS:
        services.allocation.place_bid(
            DEMO_SLUG,
            round_id,
            member_id=members[bid.member],
            asset_id=assets[bid.asset].id,
            max_units=max(1, bid.max_units - rng.randint(0, bid.max_units // 4)),
            min_units=bid.min_units,
            output_category=bid.output,
        )
