"""A chain's commons hours, claimed through the commons allocation: never bought.

When a chain opens, each link that needs hours of a commons asset gets them the only way the
commons gives them: a bid in the allocation round taking bids, placed for the producer (who
accepted the link, hours included), added to any bid they already have for that asset. With no
round taking bids, the claim is recorded on the plan and the producer told to bid in the next
one. The facilitator then allocates as for any bid: a chain gets no priority over other members.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.commons import rounds as round_rules
from cybermutual.domain.commons.rounds import AllocationRound, RoundStatus
from cybermutual.domain.errors import DomainError
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.supply.links import ChainLink, ChainPlan
from cybermutual.services import chain_makers
from cybermutual.services.ids import new_id
from cybermutual.services.ports import UnitOfWork

SUBJECT = "chain_plan"


def _bidding_round(
    uow: UnitOfWork, collective: Collective, *, now: datetime
) -> AllocationRound | None:
    for candidate in uow.allocation_rounds.of_collective(collective.id, limit=5, cursor=None).items:
        if candidate.status is RoundStatus.OPEN and now < candidate.bids_close_at:
            return candidate
    return None


def claim_commons(
    uow: UnitOfWork,
    collective: Collective,
    plan: ChainPlan,
    links: list[ChainLink],
    *,
    now: datetime,
) -> tuple[ChainPlan, list[MarketEvent]]:
    """Bid for every link's commons hours; the plan with its ``commons_claims`` recorded."""
    needs = [(link, asset, hours) for link in links for asset, hours in link.commons]
    if not needs:
        return plan, []
    round_ = _bidding_round(uow, collective, now=now)
    goods = {g.id: g for g in uow.chains.goods(collective.id)}
    bids = uow.allocation_rounds.bids(round_.id) if round_ is not None else []
    claims: list[dict[str, Any]] = []
    events: list[MarketEvent] = []
    for link, asset_id, hours in needs:
        # the commons allocates to members: an enterprise's hours are bid for by the member
        # who will take its order
        bidder = chain_makers.acting_member(uow, link, avoid=plan.requester_id)
        asset = uow.assets.get(asset_id)
        name = asset.name if asset is not None else "a commons asset"
        claim: dict[str, Any] = {
            "link": link.id,
            "producer": link.maker_id,
            "asset": asset_id,
            "asset_name": name,
            "hours": hours,
            "round": None,
            "bid": None,
            "note": "no round takes bids now: bid for these hours in the next allocation round",
        }
        if round_ is not None and asset is not None and bidder is not None:
            earlier = next(
                (b for b in bids if b.member_id == bidder and b.asset_id == asset_id),
                None,
            )
            category = goods[link.good_id].category
            if not asset.serves(category):
                category = asset.output_categories[0]
            try:
                bid = round_rules.place_bid(
                    round_,
                    asset,
                    bid_id=new_id(),
                    member_id=bidder,
                    max_units=min(asset.capacity, hours + (earlier.max_units if earlier else 0)),
                    min_units=earlier.min_units if earlier else 0,
                    output_category=category,
                    listing_id=earlier.listing_id if earlier else None,
                    # a bid the producer placed for an enterprise stays the enterprise's
                    enterprise_id=earlier.enterprise_id if earlier else None,
                    now=now,
                )
            except DomainError as refusal:  # checked before anything is written
                claim["note"] = f"not bid for: {refusal.detail}"
            else:
                uow.allocation_rounds.save_bid(bid)
                bids = [b for b in bids if b is not earlier] + [bid]
                claim.update(round=round_.id, bid=bid.id, note="bid for in the open round")
        claims.append(claim)
        events.append(
            MarketEvent(
                EventKind.CHAIN_OPENED,
                tuple(chain_makers.people(uow, [link])),
                SUBJECT,
                plan.id,
                f"Your link needs {hours} hours of {name}: "
                + (
                    "a bid for them is in the open allocation round."
                    if claim["bid"]
                    else "bid for them in the next allocation round."
                ),
            )
        )
    claimed = replace(plan, explanation={**plan.explanation, "commons_claims": claims})
    uow.chains.save_plan(claimed)
    return claimed, events
