"""Orders (deals): an order from an offer with its price held in escrow, and every step a
party takes on a deal (accept, decline, cancel, deliver, confirm), for orders and tasks alike.

Every call that moves money takes an ``idempotency_key``, checked after the accounts are locked,
as ``LedgerService.pay`` does.
"""

from __future__ import annotations

from dataclasses import replace

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import InvalidValue, ListingClosed
from cybermutual.domain.idempotency import check_key
from cybermutual.domain.market import deals, listings
from cybermutual.domain.market.deals import Action, DealKind, Order, OrderStatus
from cybermutual.domain.market.listings import Listing, ListingStatus
from cybermutual.domain.market.proposals import ApplicationStatus
from cybermutual.domain.membership import require_active
from cybermutual.services.bookkeeping import Books
from cybermutual.services.enterprise_common import acting_seller
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.loading import active_member_collective, check_limit
from cybermutual.services.market.auto_confirm import AutoConfirmation
from cybermutual.services.market.escrow import apply_step, open_deal, reserve_and_open
from cybermutual.services.market.loading import (
    FindOrder,
    current_assignment,
    known_member_collective,
    load_listing,
    load_order,
    rules_of,
    visible_order,
)
from cybermutual.services.ports import Page, UnitOfWork


class OrderUseCases(AutoConfirmation):
    """Place an order, take a step on a deal (by its id or as a task's), read orders."""

    def place_order(
        self,
        slug: str,
        *,
        buyer: str,
        listing_id: str,
        quantity: int = 1,
        note: str = "",
        idempotency_key: str,
    ) -> Order:
        """Order from an offer: the price is reserved from the buyer at once."""
        idem = IdempotentRequest.of(
            buyer,
            idempotency_key,
            "market.order",
            {"listing": listing_id, "quantity": quantity, "note": note},
        )
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, buyer)
            first_look = load_listing(uow, collective, listing_id)
            seller = first_look.owner_id
            sold_by = [first_look.enterprise_id] if first_look.enterprise_id else []
            books = Books(uow, collective, now=now)
            books.lock_members([buyer, seller, *sold_by])
            earlier = idem.earlier(uow, collective.id)
            if earlier is not None:
                return load_order(uow, collective, earlier)
            # again under the lock that leaving takes too: a buyer who left meanwhile holds nothing
            require_active(books.membership(buyer))
            listing = load_listing(uow, collective, listing_id, lock=True)
            self._seller_active(uow, collective, listing)
            pricing = deals.price_order(listing, buyer=buyer, quantity=quantity, now=now)
            step = reserve_and_open(
                books,
                order_id=new_id(),
                kind=DealKind.ORDER,
                listing=listing,
                buyer=buyer,
                seller=seller,
                quantity=quantity,
                unit_price=pricing.unit_price,
                amount=pricing.amount,
                now=now,
                note=note,
            )
            if pricing.listing != listing:
                uow.market.listings.save(pricing.listing)
            return open_deal(uow, collective, step, idem)

    @staticmethod
    def _seller_active(uow: UnitOfWork, collective: Collective, listing: Listing) -> None:
        membership = uow.memberships.get(collective.id, listing.owner_id)
        if membership is None or not membership.is_active:
            raise ListingClosed("the member who posted this listing has left", listing=listing.id)

    def act(
        self,
        slug: str,
        *,
        actor: str,
        order_id: str,
        action: Action,
        idempotency_key: str | None = None,
    ) -> Order:
        """Accept, decline, cancel, deliver (submit) or confirm (approve) an order."""
        return self._act(
            slug,
            actor=actor,
            action=action,
            key=idempotency_key,
            find=lambda uow, collective: load_order(uow, collective, order_id),
        )

    def act_on_task(
        self,
        slug: str,
        *,
        actor: str,
        task_id: str,
        action: Action,
        idempotency_key: str | None = None,
    ) -> Order:
        """``act`` on the task's current assignment (submit, approve, ...), in one transaction."""
        return self._act(
            slug,
            actor=actor,
            action=action,
            key=idempotency_key,
            find=lambda uow, collective: current_assignment(
                uow, collective, viewer=actor, task_id=task_id
            ),
        )

    def _act(
        self,
        slug: str,
        *,
        actor: str,
        action: Action,
        key: str | None,
        find: FindOrder,
    ) -> Order:
        if action in (Action.AUTO_CONFIRM, Action.RESOLVE, Action.DISPUTE):
            raise InvalidValue(f"'{action.value}' is not taken through this call")
        if key is not None:
            check_key(key)
        now = self._clock.now()
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            order = find(uow, collective)
            idem = None
            if key is not None:
                body = {"order": order.id, "action": action.value}
                idem = IdempotentRequest.of(actor, key, "market.act", body)
            books = Books(uow, collective, now=now)
            books.lock_members(order.accounts)
            if idem is not None and (earlier := idem.earlier(uow, collective.id)) is not None:
                return load_order(uow, collective, earlier)
            order = load_order(uow, collective, order.id, lock=True)
            step = deals.transition(
                order,
                action,
                actor=self._for_enterprise(uow, collective, order, actor),
                now=now,
                auto_confirm_after=rules_of(uow, collective).auto_confirm_after,
            )
            if action is Action.DELIVER and order.enterprise_id is not None:
                step = replace(step, order=replace(step.order, delivered_by=actor))
            changed = apply_step(books, uow, step, seller_share=None)
            books.close()
            if changed.status in (OrderStatus.DECLINED, OrderStatus.CANCELLED):
                self._undo_listing(uow, collective, changed, now=now)
            uow.market.orders.save(changed)
            notify(uow, collective, step.events, now=now)
            if idem is not None:
                idem.record(uow, collective.id, order.id, now=now)
            uow.commit()
        return changed

    @staticmethod
    def _for_enterprise(uow: UnitOfWork, collective: Collective, order: Order, actor: str) -> str:
        """Who takes the step: on an enterprise's sale, anyone whose role there lets them sell
        acts as its seller (``not_permitted`` for anyone else who is not the buyer)."""
        if order.enterprise_id is None or actor in (order.buyer_id, order.seller_id):
            return actor
        acting_seller(uow, collective, order.enterprise_id, actor)
        return order.seller_id

    @staticmethod
    def _undo_listing(
        uow: UnitOfWork, collective: Collective, order: Order, *, now: object
    ) -> None:
        """A declined or cancelled order gives its stock back; a dropped task or request reopens."""
        listing = load_listing(uow, collective, order.listing_id, lock=True)
        if order.kind is DealKind.ORDER and order.quote_id is None:
            restored = listings.return_stock(listing, order.quantity, now=order.updated_at)
            if restored != listing:
                uow.market.listings.save(restored)
        elif listing.status is ListingStatus.CLOSED:  # a task, or a request whose deal fell through
            uow.market.listings.save(
                replace(listing, status=ListingStatus.OPEN, updated_at=order.updated_at)
            )
            if order.application_id is not None:
                application = uow.market.applications.get(order.application_id)
                if application is not None:
                    uow.market.applications.save(
                        replace(application, status=ApplicationStatus.WITHDRAWN)
                    )

    def order(self, slug: str, *, viewer: str, order_id: str) -> Order:
        self._confirm_due_lazily(slug)
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            return visible_order(uow, collective, order_id, viewer)

    def orders(
        self,
        slug: str,
        *,
        member_id: str,
        role: str | None = None,
        status: OrderStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Order]:
        """The caller's orders as buyer, seller or both, newest first."""
        if role not in (None, "buyer", "seller"):
            raise InvalidValue("role is 'buyer' or 'seller'", field="role")
        self._confirm_due_lazily(slug)
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, member_id)
            return uow.market.orders.of_member(
                collective.id,
                member_id,
                role=role,
                status=status,
                limit=check_limit(limit),
                cursor=cursor,
            )
