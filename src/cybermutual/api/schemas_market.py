"""Market request (``XCreate``) and response (``XPublic``) bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from cybermutual.api.schemas import Strict


class ReputationPublic(BaseModel):
    score: float | None = Field(
        description="Bayesian average in stars (shrunk toward the mean); null: no reviews yet"
    )
    average: float | None = Field(description="plain average, null without reviews")
    count: int
    summary: str = Field(
        default="", description="in words: 'no reviews yet', '4.5 stars from 3 reviews'"
    )


class ListingCreate(Strict):
    kind: Literal["offer", "request", "task"]
    title: str = Field(max_length=140)
    description: str = Field(default="", max_length=5000)
    category: str = Field(max_length=40, examples=["repairs"])
    price: StrictInt = Field(description="minor units: per unit (offer), budget, or reward")
    tags: list[str] = Field(default_factory=list, max_length=10)
    quantity: StrictInt | None = Field(default=None, description="goods in stock; omit: service")
    location: str | None = Field(default=None, max_length=120)
    asset_id: str | None = Field(
        default=None, max_length=32, description="refused for assets of the commons"
    )
    enterprise: str | None = Field(
        default=None,
        max_length=32,
        description="an offer sold by this enterprise (you need a role there that sells)",
    )


class TaskCreate(Strict):
    title: str = Field(max_length=140)
    description: str = Field(default="", max_length=5000)
    category: str = Field(max_length=40)
    reward: StrictInt = Field(description="minor units")
    tags: list[str] = Field(default_factory=list, max_length=10)
    location: str | None = Field(default=None, max_length=120)


class ListingUpdate(Strict):
    title: str | None = Field(default=None, max_length=140)
    description: str | None = Field(default=None, max_length=5000)
    category: str | None = Field(default=None, max_length=40)
    price: StrictInt | None = None
    tags: list[str] | None = Field(default=None, max_length=10)
    quantity: StrictInt | None = None
    location: str | None = Field(default=None, max_length=120)


class ListingPublic(BaseModel):
    id: str
    kind: str
    status: str
    owner_id: str
    owner_name: str | None = Field(default=None, description="display name")
    owner_reputation: ReputationPublic
    title: str
    description: str
    category: str
    tags: list[str]
    price: int
    quantity: int | None
    location: str | None
    asset_id: str | None
    created_at: datetime
    updated_at: datetime
    enterprise_id: str | None = Field(default=None, description="sold by this enterprise")


class TaskPublic(ListingPublic):
    """A task: a listing of kind ``task`` whose ``price`` is the reward (both are given)."""

    reward: int = Field(description="minor units paid to the worker on approval (= price)")


class CategoryPublic(BaseModel):
    slug: str
    name: str


class OrderCreate(Strict):
    listing_id: str = Field(max_length=64)
    quantity: StrictInt = Field(default=1, ge=1, le=10_000)
    note: str = Field(default="", max_length=2000)


class OrderPublic(BaseModel):
    id: str
    kind: str
    status: str
    listing_id: str
    buyer_id: str
    seller_id: str
    buyer_name: str | None = Field(default=None, description="display name")
    seller_name: str | None = Field(default=None, description="display name")
    quantity: int
    unit_price: int
    amount: int
    escrow_transfer_id: str
    payout_transfer_id: str | None
    enterprise_id: str | None = Field(default=None, description="an enterprise's sale")
    delivered_by: str | None = Field(default=None, description="who delivered it for them")
    quote_id: str | None
    application_id: str | None
    note: str
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    closed_at: datetime | None
    auto_confirm_at: datetime | None


class QuoteCreate(Strict):
    price: StrictInt = Field(description="minor units")
    message: str = Field(default="", max_length=2000)


class QuotePublic(BaseModel):
    id: str
    listing_id: str
    quoter_id: str
    quoter_name: str | None = Field(default=None, description="display name")
    price: int
    message: str
    status: str
    order_id: str | None
    created_at: datetime


class ApplicationCreate(Strict):
    message: str = Field(default="", max_length=2000)


class ApplicationPublic(BaseModel):
    id: str
    listing_id: str
    applicant_id: str
    applicant_name: str | None = Field(default=None, description="display name")
    message: str
    status: str
    created_at: datetime


class AssignCreate(Strict):
    application_id: str = Field(max_length=64)


class DisputeCreate(Strict):
    order_id: str = Field(max_length=64)
    reason: str = Field(max_length=2000)


class ReasonCreate(Strict):
    reason: str = Field(max_length=2000)


class VoteCreate(Strict):
    vote: Literal["release", "refund", "split"]


class SettlementCreate(Strict):
    seller_share: StrictInt = Field(description="minor units of the escrow the seller receives")


class JurorPublic(BaseModel):
    member_id: str
    member_name: str | None = Field(default=None, description="display name")
    voted: bool
    vote: str | None = Field(description="shown once the dispute is closed, or to the juror")
    vacated: bool = Field(
        default=False, description="left the collective before voting; the seat went on"
    )


class DisputePublic(BaseModel):
    id: str
    order: OrderPublic
    opened_by: str
    opened_by_name: str | None = Field(default=None, description="display name")
    reason: str
    status: str
    jury: list[JurorPublic]
    jury_draw: str = Field(
        description="'sha256-rank': the jury is the eligible members with the lowest "
        "sha256(seed ':' member_id) (older disputes: 'mt19937')"
    )
    jury_commitment: str = Field(description="sha256(seed), published when the jury is drawn")
    jury_seed: str | None = Field(description="the seed, revealed once the dispute is closed")
    tally: dict[str, int] | None
    outcome: str | None
    seller_share: int | None
    proposed_by: str | None
    proposed_by_name: str | None = Field(default=None, description="display name")
    proposed_share: int | None
    created_at: datetime
    closed_at: datetime | None


class ReviewCreate(Strict):
    order_id: str = Field(max_length=64)
    stars: StrictInt = Field(ge=1, le=5)
    text: str = Field(default="", max_length=2000)


class ReviewPublic(BaseModel):
    id: str
    order_id: str
    author_id: str
    author_name: str | None = Field(default=None, description="display name")
    subject_id: str
    subject_name: str | None = Field(default=None, description="display name")
    stars: int
    text: str
    created_at: datetime


class InboxItemPublic(BaseModel):
    id: str
    event: str
    subject_type: str
    subject_id: str
    message: str
    created_at: datetime
    read_at: datetime | None
    actor_id: str | None = Field(default=None, description="the member whose action it was")
    actor_name: str | None = Field(default=None, description="display name")


class InboxPublic(BaseModel):
    items: list[InboxItemPublic]
    next_cursor: str | None
    unread: int


class PlacedInboxItemPublic(InboxItemPublic):
    collective: str = Field(description="the slug of the collective it happened in")
    collective_name: str


class PersonInboxPublic(BaseModel):
    items: list[PlacedInboxItemPublic]
    next_cursor: str | None
    unread: int = Field(description="unread items in every collective")


class MarkReadCreate(Strict):
    ids: list[str] | None = Field(default=None, max_length=500, description="omit: all")


class MarkedPublic(BaseModel):
    marked: int


class MarketRulesPublic(BaseModel):
    jury_size: int
    auto_confirm_days: int


class MemberProfilePublic(BaseModel):
    """What members see of each other: name, standing, reputation, what they offer."""

    member_id: str
    display_name: str
    status: str
    joined_at: datetime
    left_at: datetime | None
    reputation: ReputationPublic
    listings: list[ListingPublic] = Field(description="their open listings, newest first")
    more_listings: bool = Field(description="more open listings than shown: ?owner= on /listings")
