"""What every market use case shares: loading, role checks, escrow settlement, the inbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import (
    InvalidValue,
    ListingNotFound,
    NotAMember,
    OrderNotFound,
)
from cybermutual.domain.ledger import TransferKind
from cybermutual.domain.market.deals import Escrow, Order, Step
from cybermutual.domain.market.listings import DEFAULT_CATEGORIES, Category, Listing
from cybermutual.domain.market.rules import MarketRules
from cybermutual.domain.market.visibility import MarketAccess, market_access
from cybermutual.domain.membership import Membership
from cybermutual.services.bookkeeping import Books
from cybermutual.services.inbox import notify as notify
from cybermutual.services.loading import load_collective
from cybermutual.services.ports import UnitOfWork

#: How a use case finds the order it acts on: by its id, or as a task's current assignment.
FindOrder = Callable[[UnitOfWork, Collective], Order]


def known_member(uow: UnitOfWork, collective: Collective, member_id: str) -> Membership:
    """Anyone who is or was a member (a leaver still finishes their deals); ``not_a_member``."""
    membership = uow.memberships.get(collective.id, member_id)
    if membership is None or membership.status.value == "pending":
        raise NotAMember("you are not a member of this collective")
    return membership


def known_member_collective(uow: UnitOfWork, slug: str, member_id: str) -> Collective:
    """The collective, once ``member_id`` is found to be or to have been a member of it."""
    collective = load_collective(uow, slug)
    known_member(uow, collective, member_id)
    return collective


def market_reader(uow: UnitOfWork, collective: Collective, viewer: str) -> MarketAccess:
    """What ``viewer`` may read of this market (the charter decides); ``not_a_member`` if
    nothing. Every read of listings, reviews and reputations goes through here."""
    return market_access(collective.charter, uow.memberships.get(collective.id, viewer))


def load_listing(
    uow: UnitOfWork, collective: Collective, listing_id: str, *, lock: bool = False
) -> Listing:
    listing = uow.market.listings.get(listing_id, lock=lock)
    if listing is None or listing.collective_id != collective.id:
        raise ListingNotFound("no such listing in this collective", listing=listing_id)
    return listing


def load_order(
    uow: UnitOfWork, collective: Collective, order_id: str, *, lock: bool = False
) -> Order:
    order = uow.market.orders.get(order_id, lock=lock)
    if order is None or order.collective_id != collective.id:
        raise OrderNotFound("no such order in this collective", order=order_id)
    return order


def visible_order(uow: UnitOfWork, collective: Collective, order_id: str, viewer: str) -> Order:
    """An order as its parties see it; to anyone else it does not exist."""
    order = load_order(uow, collective, order_id)
    if order.role_of(viewer) is None:
        raise OrderNotFound("no such order in your deals", order=order_id)
    return order


def current_assignment(
    uow: UnitOfWork, collective: Collective, *, viewer: str, task_id: str
) -> Order:
    """The task's latest assignment that ``viewer`` is a party to (an ongoing one first)."""
    listing = load_listing(uow, collective, task_id)
    assigned = [o for o in uow.market.orders.of_listing(listing.id) if o.role_of(viewer)]
    if not assigned:
        raise OrderNotFound("this task has no assignment of yours")
    ongoing = [o for o in assigned if not o.status.is_terminal]
    return (ongoing or assigned)[-1]


def rules_of(uow: UnitOfWork, collective: Collective) -> MarketRules:
    return uow.market.rules.get(collective.id) or MarketRules()


def categories_of(uow: UnitOfWork, collective: Collective, *, seed: bool = False) -> list[Category]:
    """The collective's categories; the defaults until it has its own (stored on first write)."""
    stored = uow.market.listings.categories(collective.id)
    if stored:
        return stored
    if seed:
        uow.market.listings.add_categories(collective.id, DEFAULT_CATEGORIES)
    return list(DEFAULT_CATEGORIES)


def settle_escrow(books: Books, uow: UnitOfWork, order: Order, *, seller_share: int) -> Order:
    """Release ``seller_share`` of the escrow to the seller and return the rest to the buyer.

    All: the pending transfer is posted. None: it is voided. Part: it is voided and the share
    is posted as a new payment (its levy, if any, is paid by the seller as usual).
    """
    if not 0 <= seller_share <= order.amount:
        raise InvalidValue("the seller's share must be within the escrow")
    escrow = uow.transfers.get(order.escrow_id)
    if escrow is None:
        raise OrderNotFound("this order's escrow is missing", order=order.id)
    if seller_share == order.amount:
        books.settle(escrow, post=True)
        return order
    books.settle(escrow, post=False)
    if seller_share == 0:
        return order
    payout = books.move(
        books.account_of(order.buyer_id),
        books.account_of(order.seller_id),
        seller_share,
        kind=TransferKind.PAYMENT,
        memo=f"dispute share of order {order.id}",
        initiated_by=order.buyer_id,
        # covered by the reservation voided just above: a lowered limit must not strand it
        within_limit=False,
    )
    return replace(order, payout_id=payout.id)


def apply_step(books: Books, uow: UnitOfWork, step: Step, *, seller_share: int | None) -> Order:
    """Do to the escrow what the transition says (``seller_share`` for a verdict)."""
    order = step.order
    if step.escrow is Escrow.POST:
        return settle_escrow(books, uow, order, seller_share=order.amount)
    if step.escrow is Escrow.VOID:
        return settle_escrow(books, uow, order, seller_share=0)
    if step.escrow is Escrow.VERDICT:
        if seller_share is None:
            raise InvalidValue("a verdict needs the seller's share")
        return settle_escrow(books, uow, order, seller_share=seller_share)
    return order
