"""Listings over HTTP: the market's categories and rules, offers and requests posted,
browsed, searched, edited and closed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import COLLECTIVE_PATH, Cursor, Limit, Price
from cybermutual.api.routers.market.mappers import listing_public
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_market import (
    CategoryPublic,
    ListingCreate,
    ListingPublic,
    ListingUpdate,
    MarketRulesPublic,
)
from cybermutual.domain.market.listings import ListingKind, ListingStatus
from cybermutual.services.market import ListingEdit
from cybermutual.services.market.ports import ListingQuery, ListingSort

router = APIRouter(tags=["market"], route_class=NamedRoute)


@router.get(f"{COLLECTIVE_PATH}/market/categories", response_model=list[CategoryPublic])
def categories(slug: str, services: ServicesDep) -> list[CategoryPublic]:
    """The collective's listing categories."""
    return [CategoryPublic(slug=c.slug, name=c.name) for c in services.market.categories(slug)]


@router.get(f"{COLLECTIVE_PATH}/market/rules", response_model=MarketRulesPublic)
def market_rules(slug: str, services: ServicesDep) -> MarketRulesPublic:
    """Jury size and the days a delivered order waits before it confirms itself."""
    rules = services.market.rules(slug)
    return MarketRulesPublic(jury_size=rules.jury_size, auto_confirm_days=rules.auto_confirm_days)


@router.post(
    f"{COLLECTIVE_PATH}/listings", status_code=status.HTTP_201_CREATED, response_model=ListingPublic
)
def post_listing(
    slug: str, body: ListingCreate, person: CurrentMember, services: ServicesDep
) -> ListingPublic:
    """Post an offer, a request or a task (never an asset of the commons)."""
    view = services.market.post_listing(
        slug,
        owner=person.id,
        kind=ListingKind(body.kind),
        title=body.title,
        description=body.description,
        category=body.category,
        price=body.price,
        tags=body.tags,
        quantity=body.quantity,
        location=body.location,
        asset_id=body.asset_id,
        enterprise_id=body.enterprise,
    )
    return listing_public(view)


@router.get(f"{COLLECTIVE_PATH}/listings", response_model=PagePublic[ListingPublic])
def browse(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    q: Annotated[
        str | None, Query(max_length=200, description="words, matched as prefixes")
    ] = None,
    kind: Literal["offer", "request", "task"] | None = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    min_price: Price = None,
    max_price: Price = None,
    listing_status: Annotated[Literal["open", "closed", "any"], Query(alias="status")] = "open",
    sort: Literal["newest", "price_asc", "price_desc", "reputation"] = "newest",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PagePublic[ListingPublic]:
    """Search and browse: full text, filters, a sort, and a cursor for the next page."""
    page = services.market.search(
        slug,
        ListingQuery(
            text=q,
            kind=None if kind is None else ListingKind(kind),
            category=category,
            owner_id=owner,
            min_price=min_price,
            max_price=max_price,
            status=None if listing_status == "any" else ListingStatus(listing_status),
            sort=ListingSort(sort),
            limit=limit,
            cursor=cursor,
        ),
        viewer=person.id,
    )
    return PagePublic(items=[listing_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{COLLECTIVE_PATH}/listings/{{listing_id}}", response_model=ListingPublic)
def get_listing(
    slug: str, listing_id: str, person: CurrentMember, services: ServicesDep
) -> ListingPublic:
    return listing_public(services.market.listing(slug, listing_id, viewer=person.id))


@router.patch(f"{COLLECTIVE_PATH}/listings/{{listing_id}}", response_model=ListingPublic)
def edit_listing(
    slug: str, listing_id: str, body: ListingUpdate, person: CurrentMember, services: ServicesDep
) -> ListingPublic:
    """Edit your own open listing (a new price applies to later orders)."""
    view = services.market.edit_listing(
        slug,
        actor=person.id,
        listing_id=listing_id,
        edit=ListingEdit(**body.model_dump(exclude_unset=True)),
    )
    return listing_public(view)


@router.post(f"{COLLECTIVE_PATH}/listings/{{listing_id}}/close", response_model=ListingPublic)
def close_listing(
    slug: str, listing_id: str, person: CurrentMember, services: ServicesDep
) -> ListingPublic:
    """Take your listing off the market; orders already placed carry on."""
    return listing_public(
        services.market.close_listing(slug, actor=person.id, listing_id=listing_id)
    )
