"""Quotes on requests and applications for tasks: how a deal starts on those listings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cybermutual.domain.errors import (
    AlreadyApplied,
    AlreadyQuoted,
    InvalidTransition,
    InvalidValue,
    NotAllowed,
    OwnListing,
)
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.market.listings import (
    Listing,
    ListingKind,
    require_kind,
    require_open,
    require_owner,
)
from cybermutual.domain.money import check_amount


class QuoteStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # became an order
    WITHDRAWN = "withdrawn"


class ApplicationStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"  # became an order
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Quote:
    """A member's price for doing what a request asks."""

    id: str
    collective_id: str
    listing_id: str
    quoter_id: str
    price: int
    message: str
    status: QuoteStatus
    created_at: datetime
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Application:
    """A member offering to do a task."""

    id: str
    collective_id: str
    listing_id: str
    applicant_id: str
    message: str
    status: ApplicationStatus
    created_at: datetime


def _message(text: str) -> str:
    text = text.strip()
    if len(text) > 2000:
        raise InvalidValue("a message has at most 2000 characters", field="message")
    return text


def quote(
    listing: Listing,
    *,
    quote_id: str,
    quoter: str,
    price: int,
    message: str,
    now: datetime,
    earlier: Iterable[Quote],
) -> tuple[Quote, MarketEvent]:
    """Answer an open request with a price: one open quote per member and request
    (``earlier``: the request's quotes so far)."""
    require_open(require_kind(listing, ListingKind.REQUEST, action="quote on"))
    if listing.owner_id == quoter:
        raise OwnListing("you cannot quote on your own request")
    made = Quote(
        id=quote_id,
        collective_id=listing.collective_id,
        listing_id=listing.id,
        quoter_id=quoter,
        price=check_amount(price),
        message=_message(message),
        status=QuoteStatus.OPEN,
        created_at=now,
    )
    if any(q.quoter_id == quoter and q.status is QuoteStatus.OPEN for q in earlier):
        raise AlreadyQuoted("you already have an open quote on this request")
    event = MarketEvent(
        EventKind.QUOTE_RECEIVED,
        (listing.owner_id,),
        "listing",
        listing.id,
        f"{{actor}} quoted {price} on your request '{listing.title}'.",
        quoter,
    )
    return made, event


def accept_quote(listing: Listing, offer: Quote, *, actor: str, order_id: str) -> Quote:
    """The requester takes a quote: it becomes an order (the service reserves the price)."""
    require_open(require_owner(listing, actor))
    if offer.listing_id != listing.id or offer.status is not QuoteStatus.OPEN:
        raise InvalidTransition(f"this quote is {offer.status.value}", status=offer.status.value)
    return replace(offer, status=QuoteStatus.ACCEPTED, order_id=order_id)


def withdraw_quote(offer: Quote, *, actor: str) -> Quote:
    if offer.quoter_id != actor:
        raise NotAllowed("only the member who gave a quote may withdraw it")
    if offer.status is not QuoteStatus.OPEN:
        raise InvalidTransition(f"this quote is {offer.status.value}", status=offer.status.value)
    return replace(offer, status=QuoteStatus.WITHDRAWN)


def apply(
    listing: Listing,
    *,
    application_id: str,
    applicant: str,
    message: str,
    now: datetime,
    earlier: Iterable[Application],
) -> tuple[Application, MarketEvent]:
    """Offer to do an open task, once (``earlier``: the task's applications so far, whatever
    became of them)."""
    require_open(require_kind(listing, ListingKind.TASK, action="apply for"))
    if listing.owner_id == applicant:
        raise OwnListing("you cannot apply for your own task")
    made = Application(
        id=application_id,
        collective_id=listing.collective_id,
        listing_id=listing.id,
        applicant_id=applicant,
        message=_message(message),
        status=ApplicationStatus.OPEN,
        created_at=now,
    )
    if any(a.applicant_id == applicant for a in earlier):
        raise AlreadyApplied("you have already applied for this task")
    event = MarketEvent(
        EventKind.TASK_APPLICATION,
        (listing.owner_id,),
        "listing",
        listing.id,
        f"{{actor}} applied for your task '{listing.title}'.",
        applicant,
    )
    return made, event


def assign(listing: Listing, application: Application, *, actor: str) -> Application:
    """The poster chooses one applicant (the service reserves the reward)."""
    require_owner(require_kind(listing, ListingKind.TASK, action="assign"), actor)
    require_open(listing)
    if application.listing_id != listing.id or application.status is not ApplicationStatus.OPEN:
        raise InvalidTransition(
            f"this application is {application.status.value}", status=application.status.value
        )
    return replace(application, status=ApplicationStatus.ASSIGNED)
