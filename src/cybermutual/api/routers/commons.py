"""The commons: assets (never for sale), allocation rounds, bids, allocations, usage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import COLLECTIVE_PATH, Limit
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_commons import (
    AllocationPublic,
    AllocationsPublic,
    AssetCreate,
    AssetPublic,
    AssetUpdate,
    BidCreate,
    BidPublic,
    LotteryCheckPublic,
    LotteryPassPublic,
    PassPublic,
    RoundCreate,
    RoundPublic,
    SalePublic,
    UsageCreate,
    UsagePublic,
)
from cybermutual.domain.commons import AllocationRound, Asset, AssetStatus, Bid, Share, UsageRecord
from cybermutual.domain.commons.shares import PassSummary
from cybermutual.services.commons_facilitation import LOTTERY_GENERATOR
from cybermutual.services.commons_rounds import RoundReport

router = APIRouter(tags=["commons"], route_class=NamedRoute)
BASE = COLLECTIVE_PATH
ROUND = BASE + "/allocation-rounds/{round_id}"


def asset_public(a: Asset) -> AssetPublic:
    return AssetPublic(
        id=a.id,
        name=a.name,
        category=a.category,
        capacity=a.capacity,
        unit=a.unit,
        location=a.location,
        description=a.description,
        output_categories=list(a.output_categories),
        status=a.status.value,
        contributed_by=a.contributed_by,
        contributed_at=a.contributed_at,
    )


def round_public(r: AllocationRound) -> RoundPublic:
    return RoundPublic(
        id=r.id,
        period_start=r.period_start,
        period_end=r.period_end,
        bids_close_at=r.bids_close_at,
        token_budget=r.token_budget,
        status=r.status.value,
        passes=r.passes,
        opened_by=r.opened_by,
        opened_at=r.opened_at,
        computed_by=r.computed_by,
        computed_at=r.computed_at,
        published_by=r.published_by,
        published_at=r.published_at,
        closed_by=r.closed_by,
        closed_at=r.closed_at,
        cancelled_by=r.cancelled_by,
        cancelled_at=r.cancelled_at,
        lottery_seed=r.lottery_seed,
    )


def bid_public(b: Bid, enterprises: Mapping[str, str] | None = None) -> BidPublic:
    return BidPublic(
        enterprise_id=b.enterprise_id,
        enterprise_name=None
        if b.enterprise_id is None
        else (enterprises or {}).get(b.enterprise_id),
        id=b.id,
        round_id=b.round_id,
        member_id=b.member_id,
        asset_id=b.asset_id,
        max_units=b.max_units,
        min_units=b.min_units,
        output_category=b.output_category,
        listing_id=b.listing_id,
        placed_at=b.placed_at,
    )


def pass_public(p: PassSummary) -> PassPublic:
    return PassPublic(
        pass_no=p.pass_no,
        prices=dict(p.prices),
        summary=dict(p.summary),
        computed_at=p.computed_at,
    )


def allocation_public(
    s: Share, assets: dict[str, Asset], enterprises: Mapping[str, str] | None = None
) -> AllocationPublic:
    asset = assets.get(s.asset_id)
    return AllocationPublic(
        enterprise_id=s.enterprise_id,
        enterprise_name=None
        if s.enterprise_id is None
        else (enterprises or {}).get(s.enterprise_id),
        id=s.id,
        member_id=s.member_id,
        asset_id=s.asset_id,
        asset_name=asset.name if asset else "",
        unit=asset.unit if asset else "",
        bid_id=s.bid_id,
        units=s.units,
        pass_no=s.pass_no,
        price_per_unit=s.price_per_unit,
        value_per_unit=s.value_per_unit,
        declined=s.is_declined,
        declined_at=s.declined_at,
        explanation=dict(s.explanation),
    )


def allocations_public(
    report: RoundReport, *, member_id: str | None = None, enterprise_id: str | None = None
) -> AllocationsPublic:
    assets = dict(report.assets)
    return AllocationsPublic(
        round=round_public(report.round),
        passes=[pass_public(p) for p in report.passes],
        allocations=[
            allocation_public(s, assets, report.enterprises)
            for s in report.shares
            if (member_id is None or s.member_id == member_id)
            and (enterprise_id is None or s.enterprise_id == enterprise_id)
        ],
    )


def usage_public(u: UsageRecord) -> UsagePublic:
    return UsagePublic(
        id=u.id,
        member_id=u.member_id,
        asset_id=u.asset_id,
        round_id=u.round_id,
        units=u.units,
        output_category=u.output_category,
        sales=[SalePublic(transfer_id=s.transfer_id, amount=s.amount) for s in u.sales],
        sales_value=u.sales_value,
        note=u.note,
        logged_at=u.logged_at,
        enterprise_id=u.enterprise_id,
    )


# assets


@router.post(BASE + "/assets", status_code=status.HTTP_201_CREATED, response_model=AssetPublic)
def contribute_asset(
    slug: str, body: AssetCreate, person: CurrentMember, services: ServicesDep
) -> AssetPublic:
    """Contribute an asset to the commons: from now on the collective owns it, for good."""
    asset = services.commons.contribute(
        slug,
        member_id=person.id,
        name=body.name,
        category=body.category,
        capacity=body.capacity,
        unit=body.unit,
        location=body.location,
        description=body.description,
        output_categories=body.output_categories,
    )
    return asset_public(asset)


@router.get(BASE + "/assets", response_model=PagePublic[AssetPublic])
def list_assets(
    slug: str,
    services: ServicesDep,
    status_: Annotated[
        Literal["available", "maintenance", "retired"] | None, Query(alias="status")
    ] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[AssetPublic]:
    """What the collective holds in common (public)."""
    page = services.commons.assets(
        slug,
        status=None if status_ is None else AssetStatus(status_),
        limit=limit,
        cursor=cursor,
    )
    return PagePublic(items=[asset_public(a) for a in page.items], next_cursor=page.next_cursor)


@router.get(BASE + "/assets/{asset_id}", response_model=AssetPublic)
def get_asset(slug: str, asset_id: str, services: ServicesDep) -> AssetPublic:
    return asset_public(services.commons.asset(slug, asset_id))


@router.patch(BASE + "/assets/{asset_id}", response_model=AssetPublic)
def revise_asset(
    slug: str, asset_id: str, body: AssetUpdate, person: CurrentMember, services: ServicesDep
) -> AssetPublic:
    """Keep an asset's record up to date, put it in maintenance, or retire it (any member)."""
    asset = services.commons.revise(
        slug,
        asset_id,
        member_id=person.id,
        name=body.name,
        capacity=body.capacity,
        location=body.location,
        description=body.description,
        output_categories=body.output_categories,
        status=None if body.status is None else AssetStatus(body.status),
    )
    return asset_public(asset)


def refuse_sale(slug: str, asset_id: str, action: str, services: ServicesDep) -> None:
    """Selling, buying, pricing, transferring, renting or listing an asset: always refused."""
    services.commons.refuse_sale(slug, asset_id, action=action)


for _method in ("POST", "PUT", "PATCH"):  # one operation id per method keeps OpenAPI valid
    router.add_api_route(
        BASE + "/assets/{asset_id}/{action}",
        refuse_sale,
        methods=[_method],
        operation_id=f"refuse_asset_sale_{_method.lower()}",
        responses={422: {"description": "always: commons_not_for_sale"}},
    )


# allocation rounds


@router.post(
    BASE + "/allocation-rounds", status_code=status.HTTP_201_CREATED, response_model=RoundPublic
)
def open_round(
    slug: str, body: RoundCreate, person: CurrentMember, services: ServicesDep
) -> RoundPublic:
    """Open a round for a coming period; every member gets ``token_budget`` tokens to bid."""
    round_ = services.allocation.open_round(
        slug,
        member_id=person.id,
        period_start=body.period_start,
        period_end=body.period_end,
        bids_close_at=body.bids_close_at,
        token_budget=body.token_budget,
    )
    return round_public(round_)


@router.get(BASE + "/allocation-rounds", response_model=PagePublic[RoundPublic])
def list_rounds(
    slug: str, services: ServicesDep, limit: Limit = 50, cursor: str | None = None
) -> PagePublic[RoundPublic]:
    page = services.allocation.rounds(slug, limit=limit, cursor=cursor)
    return PagePublic(items=[round_public(r) for r in page.items], next_cursor=page.next_cursor)


@router.get(ROUND, response_model=RoundPublic)
def get_round(slug: str, round_id: str, services: ServicesDep) -> RoundPublic:
    return round_public(services.allocation.report(slug, round_id).round)


@router.get(ROUND + "/lottery", response_model=LotteryCheckPublic)
def check_lottery(slug: str, round_id: str, services: ServicesDep) -> LotteryCheckPublic:
    """Re-draw the round's rounding lottery from its published seed, pass by pass, and say
    whether it gives exactly the published units (public, like the round)."""
    checks = services.allocation.check_lottery(slug, round_id)
    round_ = services.allocation.report(slug, round_id).round
    return LotteryCheckPublic(
        round_id=round_.id,
        lottery_seed=round_.lottery_seed,
        generator=LOTTERY_GENERATOR,
        passes=[
            LotteryPassPublic(
                pass_no=c.pass_no,
                seed=c.seed,
                checked=c.checked,
                shares=c.shares,
                matches=c.matches,
                differing=list(c.differing),
            )
            for c in checks
        ],
    )


@router.post(ROUND + "/compute", response_model=AllocationsPublic)
def compute_round(
    slug: str, round_id: str, person: CurrentMember, services: ServicesDep
) -> AllocationsPublic:
    """Once bidding has closed, any member asks the facilitator to share the commons out."""
    return allocations_public(services.allocation.compute(slug, round_id, member_id=person.id))


@router.post(ROUND + "/publish", response_model=AllocationsPublic)
def publish_round(
    slug: str, round_id: str, person: CurrentMember, services: ServicesDep
) -> AllocationsPublic:
    """Make the computed shares binding."""
    return allocations_public(services.allocation.publish(slug, round_id, member_id=person.id))


@router.post(ROUND + "/rerun", response_model=AllocationsPublic)
def rerun_round(
    slug: str, round_id: str, person: CurrentMember, services: ServicesDep
) -> AllocationsPublic:
    """Share out the declined units among the other bidders (another facilitator pass)."""
    return allocations_public(services.allocation.rerun(slug, round_id, member_id=person.id))


@router.post(ROUND + "/close", response_model=RoundPublic)
def close_round(
    slug: str, round_id: str, person: CurrentMember, services: ServicesDep
) -> RoundPublic:
    """Close a published round once its period is over."""
    return round_public(services.allocation.close(slug, round_id, member_id=person.id))


@router.post(ROUND + "/cancel", response_model=RoundPublic)
def cancel_round(
    slug: str, round_id: str, person: CurrentMember, services: ServicesDep
) -> RoundPublic:
    """Call off a round before it is published and release its bids.

    The member who opened it may, and anyone may once that member is no longer active.
    """
    return round_public(services.allocation.cancel_round(slug, round_id, member_id=person.id))


# bids


@router.post(ROUND + "/bids", status_code=status.HTTP_201_CREATED, response_model=BidPublic)
def place_bid(
    slug: str, round_id: str, body: BidCreate, person: CurrentMember, services: ServicesDep
) -> BidPublic:
    """Bid for an asset; a second bid for the same asset replaces the first."""
    bid = services.allocation.place_bid(
        slug,
        round_id,
        member_id=person.id,
        asset_id=body.asset_id,
        max_units=body.max_units,
        min_units=body.min_units,
        output_category=body.output_category,
        listing_id=body.listing_id,
        enterprise_id=body.enterprise,
    )
    return bid_public(bid, services.allocation.enterprise_names(slug, [bid.enterprise_id]))


@router.get(ROUND + "/bids", response_model=PagePublic[BidPublic])
def list_bids(
    slug: str,
    round_id: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PagePublic[BidPublic]:
    """The round's bids, a page at a time like every list (``{items, next_cursor}``)."""
    page = services.allocation.bids(slug, round_id, viewer_id=person.id, limit=limit, cursor=cursor)
    names = services.allocation.enterprise_names(slug, [b.enterprise_id for b in page.items])
    return PagePublic(
        items=[bid_public(b, names) for b in page.items], next_cursor=page.next_cursor
    )


@router.delete(ROUND + "/bids/{bid_id}", status_code=status.HTTP_204_NO_CONTENT)
def withdraw_bid(
    slug: str, round_id: str, bid_id: str, person: CurrentMember, services: ServicesDep
) -> Response:
    services.allocation.withdraw_bid(slug, round_id, bid_id, member_id=person.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# allocations


@router.get(ROUND + "/allocations", response_model=AllocationsPublic)
def list_allocations(
    slug: str,
    round_id: str,
    person: CurrentMember,
    services: ServicesDep,
    member_id: str | None = Query(default=None, max_length=64),
    enterprise_id: str | None = Query(default=None, max_length=64),
) -> AllocationsPublic:
    """Every share of the round with the facilitator's reason, for the collective's members
    (``enterprise_id``: only the shares that enterprise holds)."""
    report = services.allocation.report(slug, round_id, viewer_id=person.id)
    return allocations_public(report, member_id=member_id, enterprise_id=enterprise_id)


@router.post(ROUND + "/allocations/{allocation_id}/decline", response_model=AllocationPublic)
def decline_allocation(
    slug: str, round_id: str, allocation_id: str, person: CurrentMember, services: ServicesDep
) -> AllocationPublic:
    """Decline your share; a re-run gives its units to others."""
    share = services.allocation.decline(slug, round_id, allocation_id, member_id=person.id)
    asset = services.commons.asset(slug, share.asset_id)
    names = services.allocation.enterprise_names(slug, [share.enterprise_id])
    return allocation_public(share, {asset.id: asset}, names)


# usage


@router.post(BASE + "/usage", status_code=status.HTTP_201_CREATED, response_model=UsagePublic)
def log_usage(
    slug: str, body: UsageCreate, person: CurrentMember, services: ServicesDep
) -> UsagePublic:
    """Log what you used and the sales it produced; it feeds the next round's valuations."""
    record = services.commons.log_usage(
        slug,
        member_id=person.id,
        asset_id=body.asset_id,
        units=body.units,
        output_category=body.output_category,
        round_id=body.round_id,
        sales=body.sales,
        note=body.note,
        enterprise_id=body.enterprise,
    )
    return usage_public(record)


@router.get(BASE + "/usage", response_model=PagePublic[UsagePublic])
def list_usage(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    member_id: str | None = Query(default=None, max_length=64),
    asset_id: str | None = Query(default=None, max_length=64),
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[UsagePublic]:
    page = services.commons.usage(
        slug,
        viewer_id=person.id,
        member_id=member_id,
        asset_id=asset_id,
        limit=limit,
        cursor=cursor,
    )
    return PagePublic(items=[usage_public(u) for u in page.items], next_cursor=page.next_cursor)
