"""Disputes over HTTP: opened on an order or a task, voted on by the jury, or settled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import COLLECTIVE_PATH, Cursor, Limit
from cybermutual.api.routers.market.mappers import dispute_public
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_market import (
    DisputeCreate,
    DisputePublic,
    ReasonCreate,
    SettlementCreate,
    VoteCreate,
)
from cybermutual.domain.market.disputes import Vote

router = APIRouter(tags=["market"], route_class=NamedRoute)


@router.post(
    f"{COLLECTIVE_PATH}/disputes", status_code=status.HTTP_201_CREATED, response_model=DisputePublic
)
def open_dispute(
    slug: str,
    body: DisputeCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> DisputePublic:
    """Buyer or seller: dispute an accepted or delivered order; a jury is drawn at once."""
    view = services.market.open_dispute(
        slug, actor=person.id, order_id=body.order_id, reason=body.reason, idempotency_key=key
    )
    return dispute_public(view)


@router.post(
    f"{COLLECTIVE_PATH}/orders/{{order_id}}/dispute",
    status_code=status.HTTP_201_CREATED,
    response_model=DisputePublic,
)
def dispute_order(
    slug: str,
    order_id: str,
    body: ReasonCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> DisputePublic:
    """The same as ``POST .../disputes`` with the order in the path."""
    view = services.market.open_dispute(
        slug, actor=person.id, order_id=order_id, reason=body.reason, idempotency_key=key
    )
    return dispute_public(view)


@router.post(
    f"{COLLECTIVE_PATH}/tasks/{{task_id}}/dispute",
    status_code=status.HTTP_201_CREATED,
    response_model=DisputePublic,
)
def dispute_task(
    slug: str,
    task_id: str,
    body: ReasonCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> DisputePublic:
    """Poster or worker: dispute the task's current assignment."""
    view = services.market.dispute_task(
        slug, actor=person.id, task_id=task_id, reason=body.reason, idempotency_key=key
    )
    return dispute_public(view)


@router.get(f"{COLLECTIVE_PATH}/disputes", response_model=PagePublic[DisputePublic])
def my_disputes(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PagePublic[DisputePublic]:
    """Disputes you are a party to or sit on the jury of."""
    page = services.market.disputes(
        slug, member_id=person.id, open_only=open_only, limit=limit, cursor=cursor
    )
    return PagePublic(items=[dispute_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{COLLECTIVE_PATH}/disputes/{{dispute_id}}", response_model=DisputePublic)
def get_dispute(
    slug: str, dispute_id: str, person: CurrentMember, services: ServicesDep
) -> DisputePublic:
    view = services.market.dispute(slug, viewer=person.id, dispute_id=dispute_id)
    return dispute_public(view)


@router.post(f"{COLLECTIVE_PATH}/disputes/{{dispute_id}}/votes", response_model=DisputePublic)
def vote(
    slug: str,
    dispute_id: str,
    body: VoteCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> DisputePublic:
    """Juror: vote release, refund or split; the majority settles the escrow."""
    view = services.market.vote(
        slug, juror=person.id, dispute_id=dispute_id, vote=Vote(body.vote), idempotency_key=key
    )
    return dispute_public(view)


@router.post(f"{COLLECTIVE_PATH}/disputes/{{dispute_id}}/settlement", response_model=DisputePublic)
def settle(
    slug: str,
    dispute_id: str,
    body: SettlementCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> DisputePublic:
    """Party: propose the seller's share; the same proposal from the other side settles it."""
    view = services.market.propose_settlement(
        slug,
        actor=person.id,
        dispute_id=dispute_id,
        seller_share=body.seller_share,
        idempotency_key=key,
    )
    return dispute_public(view)
