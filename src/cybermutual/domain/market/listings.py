"""Listings: offers (goods or services), requests (wanted) and small tasks.

A listing is a value; ``post`` validates a new one, ``revise`` an owner's edit, ``close`` ends it.
Categories belong to each collective (seeded with ``DEFAULT_CATEGORIES``); ``search_terms`` is
the one tokenizer the stores use, so a query matches the same words on every database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cybermutual.domain.errors import (
    InsufficientQuantity,
    InvalidValue,
    ListingClosed,
    NotTheOwner,
    UnknownCategory,
    WrongListingKind,
)
from cybermutual.domain.money import MAX_AMOUNT, check_amount

MAX_TAGS = 10
#: Ids are 32 hex digits (``new_id``); an asset id is stored in a column that holds no more.
MAX_ID = 32
MAX_TERMS_PER_QUERY = 8
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
_WORD = re.compile(r"[^\W_]+")


class ListingKind(StrEnum):
    OFFER = "offer"  # a good (with a quantity in stock) or a service, at a price per unit
    REQUEST = "request"  # something wanted, with a budget; answered by quotes
    TASK = "task"  # a small job with a reward; members apply, the poster assigns one


class ListingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # by its owner, or a request or task taken up


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("food", "Food and drink"),
    Category("crafts", "Crafts and handmade goods"),
    Category("repairs", "Repairs and maintenance"),
    Category("home", "Home and garden"),
    Category("care", "Care and wellbeing"),
    Category("lessons", "Lessons and tutoring"),
    Category("digital", "Digital and tech"),
    Category("transport", "Transport and moving"),
    Category("creative", "Creative work"),
    Category("other", "Other"),
)


@dataclass(frozen=True, slots=True)
class Listing:
    """What a member puts on the market; ``price`` is per unit, the budget or the reward."""

    id: str
    collective_id: str
    owner_id: str
    kind: ListingKind
    status: ListingStatus
    title: str
    description: str
    category: str
    tags: tuple[str, ...]
    price: int
    created_at: datetime
    updated_at: datetime
    quantity: int | None = None  # goods in stock; None: a service (no stock)
    location: str | None = None
    asset_id: str | None = None
    enterprise_id: str | None = None  # sold by an enterprise; ``owner_id`` posted it for it

    @property
    def is_open(self) -> bool:
        return self.status is ListingStatus.OPEN


def _text(value: str, *, field: str, low: int, high: int) -> str:
    value = value.strip()
    if not low <= len(value) <= high:
        raise InvalidValue(f"{field} must have {low}-{high} characters", field=field)
    return value


def check_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags are short lowercase words (letters, digits, '-'); duplicates are dropped."""
    cleaned: list[str] = []
    for raw in tags:
        tag = raw.strip().lower().lstrip("#")
        if not _TAG.match(tag):
            raise InvalidValue(
                "a tag is 1-30 characters of a-z, 0-9 and '-', starting with a letter or digit",
                field="tags",
            )
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidValue(f"at most {MAX_TAGS} tags", field="tags")
    return tuple(cleaned)


def check_category(category: str, known: Sequence[Category]) -> str:
    if category not in {c.slug for c in known}:
        raise UnknownCategory(
            f"no category '{category}' in this collective",
            category=category,
            known=[c.slug for c in known],
            field="category",
        )
    return category


def _check_quantity(kind: ListingKind, quantity: int | None) -> int | None:
    if quantity is None:
        return None
    if kind is not ListingKind.OFFER:
        raise WrongListingKind("only offers have a quantity in stock", field="quantity")
    return check_amount(quantity, allow_zero=True)


def _check_asset_id(asset_id: str | None) -> str | None:
    if asset_id is not None and not 1 <= len(asset_id) <= MAX_ID:
        raise InvalidValue(f"asset_id must have 1-{MAX_ID} characters", field="asset_id")
    return asset_id


def post(
    *,
    listing_id: str,
    collective_id: str,
    owner_id: str,
    kind: ListingKind,
    title: str,
    description: str,
    category: str,
    categories: Sequence[Category],
    tags: Iterable[str],
    price: int,
    now: datetime,
    quantity: int | None = None,
    location: str | None = None,
    asset_id: str | None = None,
    enterprise_id: str | None = None,
) -> Listing:
    """A new open listing, validated; an enterprise sells offers only."""
    if enterprise_id is not None and kind is not ListingKind.OFFER:
        raise WrongListingKind("an enterprise sells offers; requests and tasks are members'")
    return Listing(
        id=listing_id,
        collective_id=collective_id,
        owner_id=owner_id,
        kind=kind,
        status=ListingStatus.OPEN,
        title=_text(title, field="title", low=3, high=140),
        description=_text(description, field="description", low=0, high=5000),
        category=check_category(category, categories),
        tags=check_tags(tags),
        price=check_amount(price),
        created_at=now,
        updated_at=now,
        quantity=_check_quantity(kind, quantity),
        location=None if location is None else _text(location, field="location", low=1, high=120),
        asset_id=_check_asset_id(asset_id),
        enterprise_id=enterprise_id,
    )


def require_owner(listing: Listing, actor: str) -> Listing:
    if listing.owner_id != actor:
        raise NotTheOwner("only the member who posted this listing may do this")
    return listing


def require_open(listing: Listing) -> Listing:
    if not listing.is_open:
        raise ListingClosed("this listing is closed", listing=listing.id)
    return listing


def require_kind(listing: Listing, kind: ListingKind, *, action: str) -> Listing:
    if listing.kind is not kind:
        raise WrongListingKind(
            f"you can only {action} a listing of kind '{kind.value}', this is a "
            f"'{listing.kind.value}'",
            kind=listing.kind.value,
        )
    return listing


def revise(
    listing: Listing,
    *,
    actor: str,
    now: datetime,
    categories: Sequence[Category],
    title: str | None = None,
    description: str | None = None,
    category: str | None = None,
    tags: Iterable[str] | None = None,
    price: int | None = None,
    quantity: int | None = None,
    location: str | None = None,
) -> Listing:
    """The owner's edit of an open listing; fields left ``None`` are kept.

    A new price applies to later orders only: an order keeps the price it was placed at.
    """
    require_open(require_owner(listing, actor))
    return replace(
        listing,
        title=listing.title if title is None else _text(title, field="title", low=3, high=140),
        description=(
            listing.description
            if description is None
            else _text(description, field="description", low=0, high=5000)
        ),
        category=listing.category if category is None else check_category(category, categories),
        tags=listing.tags if tags is None else check_tags(tags),
        price=listing.price if price is None else check_amount(price),
        quantity=listing.quantity if quantity is None else _check_quantity(listing.kind, quantity),
        location=(
            listing.location
            if location is None
            else (_text(location, field="location", low=0, high=120) or None)
        ),
        updated_at=now,
    )


def close(listing: Listing, *, actor: str, now: datetime) -> Listing:
    """The owner takes a listing off the market (open orders on it carry on)."""
    require_open(require_owner(listing, actor))
    return replace(listing, status=ListingStatus.CLOSED, updated_at=now)


def taken(listing: Listing, *, now: datetime) -> Listing:
    """A request or task is closed once a quote is accepted or a worker assigned."""
    return replace(listing, status=ListingStatus.CLOSED, updated_at=now)


def take_stock(listing: Listing, quantity: int, *, now: datetime) -> Listing:
    """Reserve ``quantity`` units of an open offer for an order (services have no stock)."""
    require_open(listing)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 10_000:
        raise InvalidValue("quantity must be 1..10000", field="quantity")
    if listing.quantity is None:
        return listing
    if quantity > listing.quantity:
        raise InsufficientQuantity(
            f"only {listing.quantity} left, {quantity} asked",
            available=listing.quantity,
            asked=quantity,
            field="quantity",
        )
    return replace(listing, quantity=listing.quantity - quantity, updated_at=now)


def return_stock(listing: Listing, quantity: int, *, now: datetime) -> Listing:
    """Put back the units of an order that was declined or cancelled."""
    if listing.quantity is None:
        return listing
    return replace(listing, quantity=min(listing.quantity + quantity, MAX_AMOUNT), updated_at=now)


def normalise(text: str) -> str:
    """Lowercase without accents: 'Petrović' and 'petrovic' are the same word to search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_terms(text: str, *, limit: int | None = None) -> list[str]:
    """The distinct words of ``text``, normalised, at most 64 characters each, in order."""
    seen: list[str] = []
    for word in _WORD.findall(normalise(text)):
        word = word[:64]
        if word not in seen:
            seen.append(word)
        if limit is not None and len(seen) >= limit:
            break
    return seen


def document(listing: Listing) -> str:
    """The text a listing is found by: title, description, tags and category."""
    return " ".join([listing.title, listing.description, " ".join(listing.tags), listing.category])
