"""Orders over HTTP: an order with its price held in escrow, and each step a party takes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import COLLECTIVE_PATH, Cursor, Limit, OptionalKey
from cybermutual.api.routers.market.mappers import order_public
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_market import OrderCreate, OrderPublic
from cybermutual.domain.market.deals import Action, OrderStatus

router = APIRouter(tags=["market"], route_class=NamedRoute)


@router.post(
    f"{COLLECTIVE_PATH}/orders", status_code=status.HTTP_201_CREATED, response_model=OrderPublic
)
def place_order(
    slug: str, body: OrderCreate, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Order from an offer: the price is held from your account until you confirm."""
    order = services.market.place_order(
        slug,
        buyer=person.id,
        listing_id=body.listing_id,
        quantity=body.quantity,
        note=body.note,
        idempotency_key=key,
    )
    return order_public(order)


@router.get(f"{COLLECTIVE_PATH}/orders", response_model=PagePublic[OrderPublic])
def my_orders(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    role: Literal["buyer", "seller"] | None = None,
    order_status: Annotated[
        Literal[
            "placed",
            "accepted",
            "delivered",
            "disputed",
            "completed",
            "declined",
            "cancelled",
            "resolved",
        ]
        | None,
        Query(alias="status"),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PagePublic[OrderPublic]:
    """Your orders as buyer, seller (or task poster and worker), newest first."""
    page = services.market.orders(
        slug,
        member_id=person.id,
        role=role,
        status=None if order_status is None else OrderStatus(order_status),
        limit=limit,
        cursor=cursor,
    )
    return PagePublic(items=[order_public(o) for o in page.items], next_cursor=page.next_cursor)


@router.get(f"{COLLECTIVE_PATH}/orders/{{order_id}}", response_model=OrderPublic)
def get_order(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep
) -> OrderPublic:
    return order_public(services.market.order(slug, viewer=person.id, order_id=order_id))


def _act(
    services: ServicesDep, slug: str, person_id: str, order_id: str, action: Action, key: str | None
) -> OrderPublic:
    return order_public(
        services.market.act(
            slug, actor=person_id, order_id=order_id, action=action, idempotency_key=key
        )
    )


@router.post(f"{COLLECTIVE_PATH}/orders/{{order_id}}/accept", response_model=OrderPublic)
def accept(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: OptionalKey = None
) -> OrderPublic:
    """Seller: take the order on."""
    return _act(services, slug, person.id, order_id, Action.ACCEPT, key)


@router.post(f"{COLLECTIVE_PATH}/orders/{{order_id}}/decline", response_model=OrderPublic)
def decline(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Seller: refuse the order; the buyer's hold is released."""
    return _act(services, slug, person.id, order_id, Action.DECLINE, key)


@router.post(f"{COLLECTIVE_PATH}/orders/{{order_id}}/cancel", response_model=OrderPublic)
def cancel(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Either side before acceptance, or the seller before delivery; the hold is released."""
    return _act(services, slug, person.id, order_id, Action.CANCEL, key)


@router.post(f"{COLLECTIVE_PATH}/orders/{{order_id}}/deliver", response_model=OrderPublic)
def deliver(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: OptionalKey = None
) -> OrderPublic:
    """Seller: mark it delivered; it confirms itself after the charter's period."""
    return _act(services, slug, person.id, order_id, Action.DELIVER, key)


@router.post(f"{COLLECTIVE_PATH}/orders/{{order_id}}/confirm", response_model=OrderPublic)
def confirm(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Buyer: confirm delivery; the held payment is posted to the seller."""
    return _act(services, slug, person.id, order_id, Action.CONFIRM, key)
