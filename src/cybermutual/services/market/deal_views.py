"""Deals as a party sees them, with what they may do next: one deal, the deals on a listing,
and a member's own deals (what the pages' "my orders and tasks" and a listing's page show).

What a party may do next comes from the order's transition table (``deals.next_actions``), and
whether they may still review from the review rules, so no front end offers a step the domain
would refuse for its state or role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import ListingNotFound
from cybermutual.domain.market import deals
from cybermutual.domain.market.deals import Action, Order, OrderStatus
from cybermutual.domain.market.listings import Listing
from cybermutual.domain.market.reviews import REVIEWABLE
from cybermutual.domain.market.secret_ballot import DisputeSeen, seen_by
from cybermutual.services.market.loading import (
    known_member_collective,
    load_listing,
    visible_order,
)
from cybermutual.services.market.orders import OrderUseCases
from cybermutual.services.ports import Page, UnitOfWork


@dataclass(frozen=True, slots=True)
class DealView:
    """A deal for one of its parties: the listing it is on, its dispute (as the viewer may see
    it), the steps the viewer may take now, and whether they may still review it."""

    order: Order
    listing: Listing
    next_actions: tuple[Action, ...]
    dispute: DisputeSeen | None
    can_review: bool

    @property
    def is_task(self) -> bool:
        return self.order.kind is deals.DealKind.TASK


def _deal_views(
    uow: UnitOfWork, collective: Collective, orders: Sequence[Order], viewer: str
) -> list[DealView]:
    """The views of these orders in a fixed number of queries, however many there are."""
    ids = [o.id for o in orders]
    found = uow.market.listings.by_ids([o.listing_id for o in orders])
    disputes = uow.market.disputes.of_orders(ids)
    reviewed = uow.market.reviews.reviewed_by(viewer, ids)
    views = []
    for order in orders:
        listing = found.get(order.listing_id)
        if listing is None or listing.collective_id != collective.id:
            raise ListingNotFound("this deal's listing is missing", listing=order.listing_id)
        dispute = disputes.get(order.id)
        views.append(
            DealView(
                order=order,
                listing=listing,
                next_actions=deals.next_actions(order, viewer),
                dispute=None if dispute is None else seen_by(dispute, viewer),
                can_review=order.status in REVIEWABLE and order.id not in reviewed,
            )
        )
    return views


class DealViewUseCases(OrderUseCases):
    """Read deals with their next steps, for their parties."""

    def deal(self, slug: str, *, viewer: str, order_id: str) -> DealView:
        """One deal, for its buyer and seller (anyone else: ``order_not_found``)."""
        self._confirm_due_lazily(slug)
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            order = visible_order(uow, collective, order_id, viewer)
            return _deal_views(uow, collective, [order], viewer)[0]

    def listing_deals(self, slug: str, *, viewer: str, listing_id: str) -> list[DealView]:
        """The deals on a listing that ``viewer`` is a party to (its owner: all of them),
        oldest first."""
        self._confirm_due_lazily(slug)
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            listing = load_listing(uow, collective, listing_id)
            mine = [o for o in uow.market.orders.of_listing(listing.id) if o.role_of(viewer)]
            return _deal_views(uow, collective, mine, viewer)

    def my_deals(
        self,
        slug: str,
        *,
        member_id: str,
        role: str | None = None,
        status: OrderStatus | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> Page[DealView]:
        """The member's orders and tasks (as buyer or poster, seller or worker), newest first."""
        page = self.orders(
            slug, member_id=member_id, role=role, status=status, limit=limit, cursor=cursor
        )
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, member_id)
            return Page(_deal_views(uow, collective, page.items, member_id), page.next_cursor)
