"""Disputes (jury votes, settlements), reviews, reputation and the inbox over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.routers.market import listing_public, order_public, reputation_public
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_market import (
    DisputeCreate,
    DisputePublic,
    InboxItemPublic,
    InboxPublic,
    JurorPublic,
    MarkedPublic,
    MarkReadCreate,
    MemberProfilePublic,
    ReasonCreate,
    ReputationPublic,
    ReviewCreate,
    ReviewPublic,
    SettlementCreate,
    VoteCreate,
)
from cybermutual.domain.market.disputes import Vote
from cybermutual.domain.market.reviews import Review
from cybermutual.services.market import DisputeView
from cybermutual.services.market.ports import ListingQuery

router = APIRouter(tags=["market"], route_class=NamedRoute)
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500)]
C = "/collectives/{slug}"


def dispute_public(view: DisputeView) -> DisputePublic:
    """What the service let the viewer see (``secret_ballot.seen_by``), field by field."""
    d = view.dispute
    return DisputePublic(
        id=d.id,
        order=order_public(view.order),
        opened_by=d.opened_by,
        reason=d.reason,
        status=d.status.value,
        jury=[
            JurorPublic(
                member_id=j.member_id,
                voted=j.voted,
                vote=None if j.vote is None else j.vote.value,
                vacated=not j.seated,
            )
            for j in d.jurors
        ],
        jury_draw=d.jury_draw,
        jury_commitment=d.commitment,
        jury_seed=d.seed,
        tally=None if d.tally is None else {k.value: v for k, v in d.tally.items()},
        outcome=None if d.outcome is None else d.outcome.value,
        seller_share=d.seller_share,
        proposed_by=d.proposed_by,
        proposed_share=d.proposed_share,
        created_at=d.created_at,
        closed_at=d.closed_at,
    )


def review_public(review: Review) -> ReviewPublic:
    return ReviewPublic(
        id=review.id,
        order_id=review.order_id,
        author_id=review.author_id,
        subject_id=review.subject_id,
        stars=review.stars,
        text=review.text,
        created_at=review.created_at,
    )


@router.post(f"{C}/disputes", status_code=status.HTTP_201_CREATED, response_model=DisputePublic)
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
    f"{C}/orders/{{order_id}}/dispute",
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
    f"{C}/tasks/{{task_id}}/dispute",
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


@router.get(f"{C}/disputes", response_model=PagePublic[DisputePublic])
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


@router.get(f"{C}/disputes/{{dispute_id}}", response_model=DisputePublic)
def get_dispute(
    slug: str, dispute_id: str, person: CurrentMember, services: ServicesDep
) -> DisputePublic:
    view = services.market.dispute(slug, viewer=person.id, dispute_id=dispute_id)
    return dispute_public(view)


@router.post(f"{C}/disputes/{{dispute_id}}/votes", response_model=DisputePublic)
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


@router.post(f"{C}/disputes/{{dispute_id}}/settlement", response_model=DisputePublic)
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


@router.post(f"{C}/reviews", status_code=status.HTTP_201_CREATED, response_model=ReviewPublic)
def write_review(
    slug: str, body: ReviewCreate, person: CurrentMember, services: ServicesDep
) -> ReviewPublic:
    """Review the other side of a finished deal (once)."""
    made = services.market.review(
        slug, author=person.id, order_id=body.order_id, stars=body.stars, text=body.text
    )
    return review_public(made)


@router.get(f"{C}/reviews", response_model=PagePublic[ReviewPublic])
def reviews_of(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    member: Annotated[str, Query(max_length=64, description="whose reviews")],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PagePublic[ReviewPublic]:
    page = services.market.reviews_of(
        slug, member_id=member, viewer=person.id, limit=limit, cursor=cursor
    )
    return PagePublic(items=[review_public(r) for r in page.items], next_cursor=page.next_cursor)


@router.get(f"{C}/reputation/{{member_id}}", response_model=ReputationPublic)
def member_reputation(
    slug: str, member_id: str, person: CurrentMember, services: ServicesDep
) -> ReputationPublic:
    """A member's Bayesian average rating and review count."""
    return reputation_public(services.market.reputation(slug, member_id, viewer=person.id))


@router.get(f"{C}/members/{{member_id}}", response_model=MemberProfilePublic)
def member_profile(
    slug: str, member_id: str, person: CurrentMember, services: ServicesDep
) -> MemberProfilePublic:
    """A member's profile: name, when they joined, reputation, and their open listings."""
    membership, who = services.collectives.member(slug, viewer_id=person.id, member_id=member_id)
    listings = services.market.search(
        slug, ListingQuery(owner_id=member_id, limit=20), viewer=person.id
    )
    return MemberProfilePublic(
        member_id=who.id,
        display_name=who.display_name,
        status=membership.status.value,
        joined_at=membership.joined_at,
        left_at=membership.left_at,
        reputation=reputation_public(services.market.reputation(slug, member_id, viewer=person.id)),
        listings=[listing_public(v) for v in listings.items],
        more_listings=listings.next_cursor is not None,
    )


@router.get(f"{C}/inbox", response_model=InboxPublic)
def inbox(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    unread: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> InboxPublic:
    """What needs your attention in this collective's market, newest first."""
    found = services.market.inbox(
        slug, member_id=person.id, unread_only=unread, limit=limit, cursor=cursor
    )
    return InboxPublic(
        items=[
            InboxItemPublic(
                id=i.id,
                event=i.event,
                subject_type=i.subject_type,
                subject_id=i.subject_id,
                message=i.message,
                created_at=i.created_at,
                read_at=i.read_at,
                actor_id=i.actor_id,
            )
            for i in found.page.items
        ],
        next_cursor=found.page.next_cursor,
        unread=found.unread,
    )


@router.post(f"{C}/inbox/read", response_model=MarkedPublic)
def mark_read(
    slug: str, body: MarkReadCreate, person: CurrentMember, services: ServicesDep
) -> MarkedPublic:
    """Mark these items (or all, without ``ids``) read."""
    return MarkedPublic(marked=services.market.mark_read(slug, member_id=person.id, ids=body.ids))
