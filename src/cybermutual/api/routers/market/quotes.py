"""Quotes over HTTP: requests answered with a price, one accepted as an order."""

from __future__ import annotations

from fastapi import APIRouter, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import COLLECTIVE_PATH
from cybermutual.api.routers.market.mappers import order_public, quote_public
from cybermutual.api.schemas_market import OrderPublic, QuoteCreate, QuotePublic

router = APIRouter(tags=["market"], route_class=NamedRoute)


@router.post(
    f"{COLLECTIVE_PATH}/listings/{{listing_id}}/quotes",
    status_code=status.HTTP_201_CREATED,
    response_model=QuotePublic,
)
def give_quote(
    slug: str, listing_id: str, body: QuoteCreate, person: CurrentMember, services: ServicesDep
) -> QuotePublic:
    """Answer a request with your price."""
    made = services.market.quote(
        slug, quoter=person.id, listing_id=listing_id, price=body.price, message=body.message
    )
    return quote_public(made)


@router.get(f"{COLLECTIVE_PATH}/listings/{{listing_id}}/quotes", response_model=list[QuotePublic])
def list_quotes(
    slug: str, listing_id: str, person: CurrentMember, services: ServicesDep
) -> list[QuotePublic]:
    """All quotes (the requester) or your own (anyone else)."""
    found = services.market.quotes(slug, viewer=person.id, listing_id=listing_id)
    return [quote_public(q) for q in found]


@router.post(
    f"{COLLECTIVE_PATH}/quotes/{{quote_id}}/accept",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderPublic,
)
def accept_quote(
    slug: str, quote_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Requester: take this quote; it becomes an accepted order with the price held."""
    order = services.market.accept_quote(
        slug, actor=person.id, quote_id=quote_id, idempotency_key=key
    )
    return order_public(order)


@router.post(f"{COLLECTIVE_PATH}/quotes/{{quote_id}}/withdraw", response_model=QuotePublic)
def withdraw_quote(
    slug: str, quote_id: str, person: CurrentMember, services: ServicesDep
) -> QuotePublic:
    return quote_public(services.market.withdraw_quote(slug, actor=person.id, quote_id=quote_id))
