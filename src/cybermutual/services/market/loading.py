"""Loading what a market use case works on, and who may: members, listings, orders, rules."""

from __future__ import annotations

from collections.abc import Callable

from cybermutual.domain.collective import Collective
from cybermutual.domain.enterprise.kinds import Power, powers
from cybermutual.domain.errors import ListingNotFound, NotAMember, OrderNotFound
from cybermutual.domain.market.deals import Order
from cybermutual.domain.market.listings import DEFAULT_CATEGORIES, Category, Listing
from cybermutual.domain.market.rules import MarketRules
from cybermutual.domain.market.visibility import MarketAccess, market_access
from cybermutual.domain.membership import Membership
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
    """An order as its parties see it (on an enterprise's sale, everyone whose role there
    sells); to anyone else it does not exist."""
    order = load_order(uow, collective, order_id)
    if order.role_of(viewer) is None and not _sells_for(uow, order, viewer):
        raise OrderNotFound("no such order in your deals", order=order_id)
    return order


def _sells_for(uow: UnitOfWork, order: Order, viewer: str) -> bool:
    if order.enterprise_id is None:
        return False
    return Power.SELL in powers(uow.enterprises.roles_of(order.enterprise_id, viewer))


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
