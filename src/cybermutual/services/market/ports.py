"""What the market services need from storage, as protocols (the store implements them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from cybermutual.domain.market.deals import Order, OrderStatus
from cybermutual.domain.market.disputes import Dispute
from cybermutual.domain.market.events import MarketEvent
from cybermutual.domain.market.listings import Category, Listing, ListingKind, ListingStatus
from cybermutual.domain.market.proposals import Application, Quote
from cybermutual.domain.market.reviews import Review
from cybermutual.domain.market.rules import MarketRules
from cybermutual.domain.membership import Membership
from cybermutual.services.inbox import InboxItem
from cybermutual.services.ports import Page


class ListingSort(StrEnum):
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    REPUTATION = "reputation"  # the owner's Bayesian average, best first


@dataclass(frozen=True, slots=True)
class ListingQuery:
    """Browse and search: every field narrows the list; ``text`` matches word prefixes."""

    text: str | None = None
    kind: ListingKind | None = None
    category: str | None = None
    owner_id: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    status: ListingStatus | None = ListingStatus.OPEN
    sort: ListingSort = ListingSort.NEWEST
    limit: int = 50
    cursor: str | None = None


class ListingRepository(Protocol):
    def add(self, listing: Listing) -> None: ...

    def save(self, listing: Listing) -> None: ...

    def get(self, listing_id: str, *, lock: bool = False) -> Listing | None: ...

    def by_ids(self, listing_ids: Sequence[str]) -> dict[str, Listing]:
        """These listings in one query, by id (unknown ids are left out)."""
        ...

    def open_of_owner(self, collective_id: str, owner_id: str) -> list[Listing]:
        """This member's open listings, locked."""
        ...

    def search(self, collective_id: str, query: ListingQuery, *, prior: int) -> Page[Listing]:
        """Full-text search with filters, a sort and a keyset cursor (``prior``: milli-stars)."""
        ...

    def categories(self, collective_id: str) -> list[Category]: ...

    def add_categories(self, collective_id: str, categories: Sequence[Category]) -> None: ...


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...

    def save(self, order: Order) -> None: ...

    def get(self, order_id: str, *, lock: bool = False) -> Order | None: ...

    def of_member(
        self,
        collective_id: str,
        member_id: str,
        *,
        role: str | None,
        status: OrderStatus | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Order]: ...

    def of_listing(self, listing_id: str) -> list[Order]: ...

    def by_ids(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """These orders in one query, by id (unknown ids are left out)."""
        ...

    def due(self, collective_id: str, *, now: datetime, limit: int) -> list[str]:
        """Ids of delivered orders whose confirmation period has ended (none set aside)."""
        ...

    def by_escrow(self, transfer_id: str) -> Order | None:
        """The order or task this transfer is (or was) the escrow of."""
        ...

    def open_of(self, collective_id: str) -> list[Order]:
        """Every order and task of the collective that has not ended."""
        ...

    def set_aside(self, order_id: str, *, reason: str, at: datetime) -> None:
        """Stop auto-confirming this order: it failed, for ``reason``."""
        ...

    def set_aside_of(self, collective_id: str) -> dict[str, tuple[datetime, str]]:
        """Orders whose auto-confirmation failed: when, and why."""
        ...


class QuoteRepository(Protocol):
    def add(self, quote: Quote) -> None: ...

    def save(self, quote: Quote) -> None: ...

    def get(self, quote_id: str) -> Quote | None: ...

    def of_listing(self, listing_id: str) -> list[Quote]: ...

    def withdraw_open_of(self, collective_id: str, quoter_id: str) -> int:
        """Withdraw this member's open quotes; how many."""
        ...


class ApplicationRepository(Protocol):
    def add(self, application: Application) -> None: ...

    def save(self, application: Application) -> None: ...

    def get(self, application_id: str) -> Application | None: ...

    def of_listing(self, listing_id: str) -> list[Application]: ...

    def withdraw_open_of(self, collective_id: str, applicant_id: str) -> int:
        """Withdraw this member's open task applications; how many."""
        ...


class DisputeRepository(Protocol):
    def add(self, dispute: Dispute) -> None: ...

    def save(self, dispute: Dispute) -> None: ...

    def get(self, dispute_id: str, *, lock: bool = False) -> Dispute | None: ...

    def of_order(self, order_id: str) -> Dispute | None: ...

    def of_orders(self, order_ids: Sequence[str]) -> dict[str, Dispute]:
        """The disputes of these orders, by order id, in one query per table."""
        ...

    def involving(
        self, collective_id: str, member_id: str, *, open_only: bool, limit: int, cursor: str | None
    ) -> Page[Dispute]:
        """Disputes where the member is a party or a juror, newest first."""
        ...

    def open_seats_of(self, collective_id: str, member_id: str) -> list[Dispute]:
        """Open disputes where this member holds a seat and has not voted."""
        ...

    def jury_candidates(self, collective_id: str) -> list[Membership]:
        """Every membership of the collective (``disputes.eligible_jurors`` says who may sit)."""
        ...


class ReviewRepository(Protocol):
    def add(self, review: Review) -> None:
        """Store a review and add it to its subject's reputation."""
        ...

    def exists(self, order_id: str, author_id: str) -> bool: ...

    def reviewed_by(self, author_id: str, order_ids: Sequence[str]) -> set[str]:
        """Which of these orders ``author_id`` has reviewed, in one query."""
        ...

    def of_subject(
        self, collective_id: str, subject_id: str, *, limit: int, cursor: str | None
    ) -> Page[Review]: ...

    def of_order(self, order_id: str) -> list[Review]: ...

    def reputations(
        self, collective_id: str, member_ids: Sequence[str]
    ) -> dict[str, tuple[int, int]]:
        """``(star_sum, count)`` per member who has any review."""
        ...

    def totals(self, collective_id: str) -> tuple[int, int]:
        """``(star_sum, count)`` over the whole collective."""
        ...


class InboxRepository(Protocol):
    def add(self, items: Sequence[InboxItem]) -> None: ...

    def of_member(
        self,
        collective_id: str,
        member_id: str,
        *,
        unread_only: bool,
        limit: int,
        cursor: str | None,
    ) -> Page[InboxItem]: ...

    def unread(self, collective_id: str, member_id: str) -> int: ...

    def of_person(
        self, member_id: str, *, unread_only: bool, limit: int, cursor: str | None
    ) -> Page[tuple[InboxItem, str, str]]:
        """Every collective's items of one person, newest first: (item, slug, collective name)."""
        ...

    def unread_of_person(self, member_id: str) -> int:
        """The person's unread items in every collective, counted at once."""
        ...

    def mark_read_of_person(
        self, member_id: str, *, ids: Sequence[str] | None, now: datetime
    ) -> int:
        """Mark these of the person's items (all, with ``None``) read, in any collective."""
        ...

    def mark_read(
        self, collective_id: str, member_id: str, *, ids: Sequence[str] | None, now: datetime
    ) -> int:
        """Mark these items (all, with ``None``) read; how many changed."""
        ...


class MarketRulesRepository(Protocol):
    def get(self, collective_id: str) -> MarketRules | None: ...

    def save(self, collective_id: str, rules: MarketRules, *, now: datetime) -> None: ...


class MarketStore(Protocol):
    """Every market repository on the unit of work's connection (``uow.market``)."""

    @property
    def listings(self) -> ListingRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def quotes(self) -> QuoteRepository: ...

    @property
    def applications(self) -> ApplicationRepository: ...

    @property
    def disputes(self) -> DisputeRepository: ...

    @property
    def reviews(self) -> ReviewRepository: ...

    @property
    def inbox(self) -> InboxRepository: ...

    @property
    def rules(self) -> MarketRulesRepository: ...


__all__ = ["InboxItem", "ListingQuery", "ListingSort", "MarketEvent", "MarketStore"]
