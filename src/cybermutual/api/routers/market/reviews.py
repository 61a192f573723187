"""Reviews and reputations over HTTP, and a member's market profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import COLLECTIVE_PATH, Cursor, Limit
from cybermutual.api.routers.market.mappers import (
    member_profile_public,
    reputation_public,
    review_public,
)
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_market import (
    MemberProfilePublic,
    ReputationPublic,
    ReviewCreate,
    ReviewPublic,
)

router = APIRouter(tags=["market"], route_class=NamedRoute)


@router.post(
    f"{COLLECTIVE_PATH}/reviews", status_code=status.HTTP_201_CREATED, response_model=ReviewPublic
)
def write_review(
    slug: str, body: ReviewCreate, person: CurrentMember, services: ServicesDep
) -> ReviewPublic:
    """Review the other side of a finished deal (once)."""
    made = services.market.review(
        slug, author=person.id, order_id=body.order_id, stars=body.stars, text=body.text
    )
    return review_public(made)


@router.get(f"{COLLECTIVE_PATH}/reviews", response_model=PagePublic[ReviewPublic])
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


@router.get(f"{COLLECTIVE_PATH}/reputation/{{member_id}}", response_model=ReputationPublic)
def member_reputation(
    slug: str, member_id: str, person: CurrentMember, services: ServicesDep
) -> ReputationPublic:
    """A member's Bayesian average rating and review count."""
    return reputation_public(services.market.reputation(slug, member_id, viewer=person.id))


@router.get(f"{COLLECTIVE_PATH}/members/{{member_id}}", response_model=MemberProfilePublic)
def member_profile(
    slug: str, member_id: str, person: CurrentMember, services: ServicesDep
) -> MemberProfilePublic:
    """A member's profile: name, when they joined, reputation, and their open listings."""
    profile = services.market.member_profile(slug, viewer=person.id, member_id=member_id)
    return member_profile_public(profile)
