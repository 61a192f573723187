"""Domain values and service views as the API shows them: one function per public schema.

Nothing here decides what a viewer may see (a secret ballot, a closed listing): the services
and the domain do; these functions only copy fields.
"""

from __future__ import annotations

from cybermutual.api.schemas_market import (
    ApplicationPublic,
    DisputePublic,
    InboxItemPublic,
    JurorPublic,
    ListingPublic,
    MemberProfilePublic,
    OrderPublic,
    QuotePublic,
    ReputationPublic,
    ReviewPublic,
    TaskPublic,
)
from cybermutual.domain.market.deals import Order
from cybermutual.domain.market.proposals import Application, Quote
from cybermutual.domain.market.reviews import Reputation, Review
from cybermutual.services.inbox import InboxItem
from cybermutual.services.market import DisputeView, ListingView, MemberProfile


def reputation_public(rep: Reputation) -> ReputationPublic:
    """A member without reviews has no score (the ranking still places them at the mean)."""
    if rep.count == 0:
        return ReputationPublic(score=None, average=None, count=0, summary="no reviews yet")
    reviews = "1 review" if rep.count == 1 else f"{rep.count} reviews"
    return ReputationPublic(
        score=rep.score,
        average=None if rep.average_milli is None else rep.average_milli / 1000,
        count=rep.count,
        summary=f"{rep.score:.1f} stars from {reviews}",
    )


def listing_public(view: ListingView) -> ListingPublic:
    item = view.listing
    return ListingPublic(
        id=item.id,
        kind=item.kind.value,
        status=item.status.value,
        owner_id=item.owner_id,
        owner_reputation=reputation_public(view.owner_reputation),
        title=item.title,
        description=item.description,
        category=item.category,
        tags=list(item.tags),
        price=item.price,
        quantity=item.quantity,
        location=item.location,
        asset_id=item.asset_id,
        enterprise_id=item.enterprise_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def task_public(view: ListingView) -> TaskPublic:
    return TaskPublic(**listing_public(view).model_dump(), reward=view.listing.price)


def order_public(order: Order) -> OrderPublic:
    return OrderPublic(
        id=order.id,
        kind=order.kind.value,
        status=order.status.value,
        listing_id=order.listing_id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        quantity=order.quantity,
        unit_price=order.unit_price,
        amount=order.amount,
        escrow_transfer_id=order.escrow_id,
        payout_transfer_id=order.payout_id,
        enterprise_id=order.enterprise_id,
        delivered_by=order.delivered_by,
        quote_id=order.quote_id,
        application_id=order.application_id,
        note=order.note,
        created_at=order.created_at,
        updated_at=order.updated_at,
        delivered_at=order.delivered_at,
        closed_at=order.closed_at,
        auto_confirm_at=order.auto_confirm_at,
    )


def quote_public(quote: Quote) -> QuotePublic:
    return QuotePublic(
        id=quote.id,
        listing_id=quote.listing_id,
        quoter_id=quote.quoter_id,
        price=quote.price,
        message=quote.message,
        status=quote.status.value,
        order_id=quote.order_id,
        created_at=quote.created_at,
    )


def application_public(application: Application) -> ApplicationPublic:
    return ApplicationPublic(
        id=application.id,
        listing_id=application.listing_id,
        applicant_id=application.applicant_id,
        message=application.message,
        status=application.status.value,
        created_at=application.created_at,
    )


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


def inbox_item_public(item: InboxItem) -> InboxItemPublic:
    return InboxItemPublic(
        id=item.id,
        event=item.event,
        subject_type=item.subject_type,
        subject_id=item.subject_id,
        message=item.message,
        created_at=item.created_at,
        read_at=item.read_at,
        actor_id=item.actor_id,
    )


def member_profile_public(profile: MemberProfile) -> MemberProfilePublic:
    return MemberProfilePublic(
        member_id=profile.person.id,
        display_name=profile.person.display_name,
        status=profile.membership.status.value,
        joined_at=profile.membership.joined_at,
        left_at=profile.membership.left_at,
        reputation=reputation_public(profile.reputation),
        listings=[listing_public(v) for v in profile.listings],
        more_listings=profile.more_listings,
    )
