"""The market's use cases: listings and search, orders with escrow, quotes, tasks.

Disputes, reviews and the inbox are in ``market_justice`` (``MarketService`` has both).
Every call that moves money (an order, an accepted quote, an assignment, any settlement) takes an
``idempotency_key``, checked after the accounts are locked, as ``LedgerService.pay`` does.

Auto-confirmation: ``auto_confirm_due(slug)`` posts every delivered order whose confirmation
period has ended (the clock passed in decides), each in a transaction of its own: an order that
cannot be confirmed is set aside and reported, never in the way of the others. It runs lazily
whenever someone reads their orders, an order, or their inbox (a failure there is logged, the
read goes on), and the lead may also schedule it (``cybermutual`` has no background worker): it
is idempotent and cheap when nothing is due.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import (
    ApplicationNotFound,
    DomainError,
    InvalidValue,
    ListingClosed,
    ListingNotFound,
    MemberNotFound,
    QuoteNotFound,
)
from cybermutual.domain.idempotency import check_key
from cybermutual.domain.ledger import TransferKind
from cybermutual.domain.market import deals, listings, proposals, visibility
from cybermutual.domain.market.deals import Action, DealKind, Order, OrderStatus
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.market.listings import Category, Listing, ListingKind, ListingStatus
from cybermutual.domain.market.proposals import Application, ApplicationStatus, Quote
from cybermutual.domain.market.reviews import Reputation as Reputation
from cybermutual.domain.market.reviews import prior_milli, reputation
from cybermutual.domain.market.rules import MarketRules
from cybermutual.domain.membership import require_active
from cybermutual.services.bookkeeping import Books
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.ids import new_id
from cybermutual.services.loading import active_member_collective, check_limit, load_collective
from cybermutual.services.market_common import (
    FindOrder,
    apply_step,
    categories_of,
    current_assignment,
    known_member_collective,
    load_listing,
    load_order,
    market_reader,
    notify,
    rules_of,
    visible_order,
)
from cybermutual.services.market_justice import MarketJustice
from cybermutual.services.market_ports import ListingQuery
from cybermutual.services.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory

_SENTINEL_LIMIT = 500  # orders auto-confirmed per call
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ListingView:
    listing: Listing
    owner_reputation: Reputation


@dataclass(frozen=True, slots=True)
class ListingEdit:
    """An owner's changes; ``None`` keeps a field."""

    title: str | None = None
    description: str | None = None
    category: str | None = None
    tags: Sequence[str] | None = None
    price: int | None = None
    quantity: int | None = None
    location: str | None = None


class MarketService(MarketJustice):
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock, rng: random.Random) -> None:
        self._uow = uow
        self._clock = clock
        self._rng = rng  # jury seeds: a CSPRNG in production, so nobody can predict a draw

    # --- rules and categories -------------------------------------------------------------

    def rules(self, slug: str) -> MarketRules:
        with self._uow(readonly=True) as uow:
            return rules_of(uow, load_collective(uow, slug))

    def set_rules(self, slug: str, rules: MarketRules) -> MarketRules:
        """Change jury size and confirmation period (operators now; passed proposals later)."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            uow.market.rules.save(collective.id, rules, now=self._clock.now())
            uow.commit()
        return rules

    def categories(self, slug: str) -> list[Category]:
        with self._uow(readonly=True) as uow:
            return categories_of(uow, load_collective(uow, slug))

    # --- listings -------------------------------------------------------------------------

    def post_listing(
        self,
        slug: str,
        *,
        owner: str,
        kind: ListingKind,
        title: str,
        description: str,
        category: str,
        price: int,
        tags: Sequence[str] = (),
        quantity: int | None = None,
        location: str | None = None,
        asset_id: str | None = None,
    ) -> ListingView:
        """Put an offer, a request or a task on the market; never an asset of the commons."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, owner)
            if asset_id is not None:
                self._refuse_commons(uow, collective, asset_id)
            listing = listings.post(
                listing_id=new_id(),
                collective_id=collective.id,
                owner_id=owner,
                kind=kind,
                title=title,
                description=description,
                category=category,
                categories=categories_of(uow, collective, seed=True),
                tags=tags,
                price=price,
                now=now,
                quantity=quantity,
                location=location,
                asset_id=asset_id,
            )
            uow.market.listings.add(listing)
            view = self._listing_views(uow, collective, [listing])[0]
            uow.commit()
        return view

    @staticmethod
    def _refuse_commons(uow: UnitOfWork, collective: Collective, asset_id: str) -> None:
        from cybermutual.domain.commons.assets import refuse_sale

        asset = uow.assets.get(asset_id)
        if asset is not None and asset.collective_id == collective.id:
            refuse_sale(asset_id, action="list")

    def edit_listing(
        self, slug: str, *, actor: str, listing_id: str, edit: ListingEdit
    ) -> ListingView:
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            current = load_listing(uow, collective, listing_id, lock=True)
            changed = listings.revise(
                current,
                actor=actor,
                now=self._clock.now(),
                categories=categories_of(uow, collective, seed=True),
                title=edit.title,
                description=edit.description,
                category=edit.category,
                tags=edit.tags,
                price=edit.price,
                quantity=edit.quantity,
                location=edit.location,
            )
            uow.market.listings.save(changed)
            view = self._listing_views(uow, collective, [changed])[0]
            uow.commit()
        return view

    def close_listing(self, slug: str, *, actor: str, listing_id: str) -> ListingView:
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            current = load_listing(uow, collective, listing_id, lock=True)
            closed = listings.close(current, actor=actor, now=self._clock.now())
            uow.market.listings.save(closed)
            view = self._listing_views(uow, collective, [closed])[0]
            uow.commit()
        return view

    def listing(self, slug: str, listing_id: str, *, viewer: str) -> ListingView:
        """A listing, as far as the charter's ``market_visibility`` shows it to ``viewer``."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            access = market_reader(uow, collective, viewer)
            listing = load_listing(uow, collective, listing_id)
            if not visibility.can_see(access, listing):
                raise ListingNotFound("no such open listing in this collective", listing=listing_id)
            return self._listing_views(uow, collective, [listing])[0]

    def task(self, slug: str, task_id: str, *, viewer: str) -> ListingView:
        """A listing of kind task; any other listing is not a task (``listing_not_found``)."""
        view = self.listing(slug, task_id, viewer=viewer)
        if view.listing.kind is not ListingKind.TASK:
            raise ListingNotFound("no such task in this collective (it is another kind of listing)")
        return view

    def search(self, slug: str, query: ListingQuery, *, viewer: str) -> Page[ListingView]:
        """Browse and search the collective's listings (open ones unless asked otherwise).

        Closed listings are for members; others see open ones, if the market is public."""
        check_limit(query.limit)
        for value in (query.min_price, query.max_price):
            if value is not None and value < 0:
                raise InvalidValue("prices are not negative", field="price")
        if query.text is not None and len(query.text) > 200:
            raise InvalidValue("a search has at most 200 characters", field="q")
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            access = market_reader(uow, collective, viewer)
            if query.status is not ListingStatus.OPEN:
                visibility.require_full_access(access, what="closed listings")
            star_sum, count = uow.market.reviews.totals(collective.id)
            page = uow.market.listings.search(
                collective.id, query, prior=prior_milli(star_sum, count)
            )
            return Page(self._listing_views(uow, collective, page.items), page.next_cursor)

    def reputation(self, slug: str, member_id: str, *, viewer: str) -> Reputation:
        """A member's (or former member's) reputation; anyone else is ``member_not_found``."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            market_reader(uow, collective, viewer)
            membership = uow.memberships.get(collective.id, member_id)
            if membership is None or membership.status.value == "pending":
                raise MemberNotFound(
                    f"no member '{member_id}' in this collective", member=member_id
                )
            return self._reputations(uow, collective, [member_id])[member_id]

    @staticmethod
    def _reputations(
        uow: UnitOfWork, collective: Collective, member_ids: Sequence[str]
    ) -> dict[str, Reputation]:
        star_sum, count = uow.market.reviews.totals(collective.id)
        prior = prior_milli(star_sum, count)
        found = uow.market.reviews.reputations(collective.id, member_ids)
        return {m: reputation(m, *found.get(m, (0, 0)), prior=prior) for m in member_ids}

    def _listing_views(
        self, uow: UnitOfWork, collective: Collective, items: Sequence[Listing]
    ) -> list[ListingView]:
        reps = self._reputations(uow, collective, sorted({i.owner_id for i in items}))
        return [ListingView(i, reps[i.owner_id]) for i in items]

    # --- orders ---------------------------------------------------------------------------

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
            seller = load_listing(uow, collective, listing_id).owner_id
            books = Books(uow, collective, now=now)
            books.lock_members([buyer, seller])
            earlier = idem.earlier(uow, collective.id)
            if earlier is not None:
                return load_order(uow, collective, earlier)
            # again under the lock that leaving takes too: a buyer who left meanwhile holds nothing
            require_active(books.membership(buyer))
            listing = load_listing(uow, collective, listing_id, lock=True)
            self._seller_active(uow, collective, listing)
            pricing = deals.price_order(listing, buyer=buyer, quantity=quantity, now=now)
            step = _reserve_and_open(
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
            return self._opened(uow, collective, step, idem)

    @staticmethod
    def _seller_active(uow: UnitOfWork, collective: Collective, listing: Listing) -> None:
        membership = uow.memberships.get(collective.id, listing.owner_id)
        if membership is None or not membership.is_active:
            raise ListingClosed("the member who posted this listing has left", listing=listing.id)

    def _opened(
        self,
        uow: UnitOfWork,
        collective: Collective,
        step: deals.Step,
        idem: IdempotentRequest,
    ) -> Order:
        uow.market.orders.add(step.order)
        notify(uow, collective, step.events, now=step.order.created_at)
        idem.record(uow, collective.id, step.order.id, now=step.order.created_at)
        uow.commit()
        return step.order

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
            books.lock_members([order.buyer_id, order.seller_id])
            if idem is not None and (earlier := idem.earlier(uow, collective.id)) is not None:
                return load_order(uow, collective, earlier)
            order = load_order(uow, collective, order.id, lock=True)
            step = deals.transition(
                order,
                action,
                actor=actor,
                now=now,
                auto_confirm_after=rules_of(uow, collective).auto_confirm_after,
            )
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

    def _confirm_due_lazily(self, slug: str) -> None:
        """Auto-confirm what is due before a read; never makes the read fail."""
        try:
            with self._uow(readonly=True) as uow:
                collective = uow.collectives.by_slug(slug)
                due = (
                    collective is not None
                    and uow.market.orders.due(collective.id, now=self._clock.now(), limit=1) != []
                )
            if due:
                self.auto_confirm_due(slug)
        except Exception:  # the read goes on; the next read or tick tries again
            log.exception("auto-confirmation before a read of %s failed", slug)

    def auto_confirm_due(self, slug: str) -> int:
        """Post every delivered order whose confirmation period is over; how many were.

        Each order is confirmed in a transaction of its own, so one that cannot be (its escrow
        broken, say) never holds up the others: it is set aside (``due`` skips it from then
        on), logged, and both parties are told in their inbox; ``ledger verify`` lists it.
        Anything else that goes wrong (the database) is logged and retried on the next run.
        """
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            due = uow.market.orders.due(collective.id, now=now, limit=_SENTINEL_LIMIT)
        confirmed = 0
        for order_id in due:
            try:
                confirmed += self._auto_confirm_one(collective, order_id, now=now)
            except DomainError as failure:
                log.error(
                    "auto-confirmation of order %s in %s failed (%s): set aside",
                    order_id,
                    slug,
                    failure.code,
                )
                self._set_aside(collective, order_id, failure, now=now)
            except Exception:
                log.exception("auto-confirmation of order %s in %s failed", order_id, slug)
        return confirmed

    def _auto_confirm_one(self, collective: Collective, order_id: str, *, now: datetime) -> int:
        with self._uow() as uow:
            order = load_order(uow, collective, order_id)
            books = Books(uow, collective, now=now)
            books.lock_members([order.buyer_id, order.seller_id])
            order = load_order(uow, collective, order_id, lock=True)
            if order.status is not OrderStatus.DELIVERED or (
                order.auto_confirm_at is None or order.auto_confirm_at > now
            ):
                return 0  # a party acted meanwhile
            step = deals.transition(order, Action.AUTO_CONFIRM, actor=None, now=now)
            uow.market.orders.save(apply_step(books, uow, step, seller_share=None))
            books.close()
            notify(uow, collective, step.events, now=now)
            uow.commit()
        return 1

    def _set_aside(
        self, collective: Collective, order_id: str, failure: DomainError, *, now: datetime
    ) -> None:
        reason = f"{failure.code}: {failure.detail}"
        try:
            with self._uow() as uow:
                order = load_order(uow, collective, order_id)
                uow.market.orders.set_aside(order_id, reason=reason, at=now)
                event = MarketEvent(
                    EventKind.AUTO_CONFIRM_FAILED,
                    (order.buyer_id, order.seller_id),
                    "order",
                    order.id,
                    f"this {order.kind.value} could not be confirmed automatically ({reason}); "
                    "the buyer can still confirm it, either party can dispute it",
                )
                notify(uow, collective, [event], now=now)
                uow.commit()
        except Exception:
            log.exception("could not set order %s aside", order_id)

    # --- requests and quotes --------------------------------------------------------------

    def quote(
        self, slug: str, *, quoter: str, listing_id: str, price: int, message: str = ""
    ) -> Quote:
        """Answer a request with a price (one open quote per member and request)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, quoter)
            listing = load_listing(uow, collective, listing_id, lock=True)
            made, event = proposals.quote(
                listing,
                quote_id=new_id(),
                quoter=quoter,
                price=price,
                message=message,
                now=now,
                earlier=uow.market.quotes.of_listing(listing.id),
            )
            uow.market.quotes.add(made)
            notify(uow, collective, [event], now=now)
            uow.commit()
        return made

    def quotes(self, slug: str, *, viewer: str, listing_id: str) -> list[Quote]:
        """The requester sees every quote; anyone else only their own."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            listing = load_listing(uow, collective, listing_id)
            found = uow.market.quotes.of_listing(listing.id)
            if listing.owner_id == viewer:
                return found
            return [q for q in found if q.quoter_id == viewer]

    def withdraw_quote(self, slug: str, *, actor: str, quote_id: str) -> Quote:
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            # the request locked first, as accept_quote does, so the two cannot cross
            load_listing(
                uow, collective, self._quote(uow, collective, quote_id).listing_id, lock=True
            )
            withdrawn = proposals.withdraw_quote(
                self._quote(uow, collective, quote_id), actor=actor
            )
            uow.market.quotes.save(withdrawn)
            uow.commit()
        return withdrawn

    @staticmethod
    def _quote(uow: UnitOfWork, collective: Collective, quote_id: str) -> Quote:
        found = uow.market.quotes.get(quote_id)
        if found is None or found.collective_id != collective.id:
            raise QuoteNotFound("no such quote in this collective", quote=quote_id)
        return found

    def accept_quote(self, slug: str, *, actor: str, quote_id: str, idempotency_key: str) -> Order:
        """The requester takes a quote: an accepted order, its price reserved from them."""
        idem = IdempotentRequest.of(
            actor, idempotency_key, "market.accept_quote", {"quote": quote_id}
        )
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            offer = self._quote(uow, collective, quote_id)
            books = Books(uow, collective, now=now)
            books.lock_members([actor, offer.quoter_id])
            earlier = idem.earlier(uow, collective.id)
            if earlier is not None:
                return load_order(uow, collective, earlier)
            require_active(books.membership(actor))  # under the lock leaving takes too
            listing = load_listing(uow, collective, offer.listing_id, lock=True)
            offer = self._quote(uow, collective, quote_id)  # re-read: withdrawn meanwhile?
            order_id = new_id()
            accepted = proposals.accept_quote(listing, offer, actor=actor, order_id=order_id)
            books.require_payee(offer.quoter_id, role="author of the quote")  # under the lock
            step = _reserve_and_open(
                books,
                order_id=order_id,
                kind=DealKind.ORDER,
                listing=listing,
                buyer=actor,
                seller=offer.quoter_id,
                quantity=1,
                unit_price=offer.price,
                amount=offer.price,
                now=now,
                accepted=True,
                quote_id=offer.id,
            )
            uow.market.quotes.save(accepted)
            uow.market.listings.save(listings.taken(listing, now=now))
            return self._opened(uow, collective, step, idem)

    # --- tasks ----------------------------------------------------------------------------

    def apply(
        self, slug: str, *, applicant: str, listing_id: str, message: str = ""
    ) -> Application:
        """Offer to do a task."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, applicant)
            listing = load_listing(uow, collective, listing_id, lock=True)
            made, event = proposals.apply(
                listing,
                application_id=new_id(),
                applicant=applicant,
                message=message,
                now=now,
                earlier=uow.market.applications.of_listing(listing.id),
            )
            uow.market.applications.add(made)
            notify(uow, collective, [event], now=now)
            uow.commit()
        return made

    def applications(self, slug: str, *, viewer: str, listing_id: str) -> list[Application]:
        """The poster sees every application; an applicant only their own."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            listing = load_listing(uow, collective, listing_id)
            found = uow.market.applications.of_listing(listing.id)
            if listing.owner_id == viewer:
                return found
            return [a for a in found if a.applicant_id == viewer]

    def assign(
        self, slug: str, *, actor: str, listing_id: str, application_id: str, idempotency_key: str
    ) -> Order:
        """The poster picks an applicant: the reward is reserved from the poster for them."""
        idem = IdempotentRequest.of(
            actor,
            idempotency_key,
            "market.assign",
            {"task": listing_id, "application": application_id},
        )
        now = self._clock.now()
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            application = uow.market.applications.get(application_id)
            if application is None or application.listing_id != listing_id:
                raise ApplicationNotFound("no such application for this task")
            listing = load_listing(uow, collective, listing_id)
            books = Books(uow, collective, now=now)
            books.lock_members([listing.owner_id, application.applicant_id])
            earlier = idem.earlier(uow, collective.id)
            if earlier is not None:
                return load_order(uow, collective, earlier)
            listing = load_listing(uow, collective, listing_id, lock=True)
            assigned = proposals.assign(listing, application, actor=actor)
            require_active(books.membership(actor))  # under the lock leaving takes too
            books.require_payee(application.applicant_id, role="applicant")
            step = _reserve_and_open(
                books,
                order_id=new_id(),
                kind=DealKind.TASK,
                listing=listing,
                buyer=actor,
                seller=application.applicant_id,
                quantity=1,
                unit_price=listing.price,
                amount=listing.price,
                now=now,
                accepted=True,
                application_id=application.id,
            )
            uow.market.applications.save(assigned)
            uow.market.listings.save(listings.taken(listing, now=now))
            return self._opened(uow, collective, step, idem)

    def task_order(self, slug: str, *, viewer: str, listing_id: str) -> Order:
        """The current (latest) assignment of a task, for its poster and its worker."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            return current_assignment(uow, collective, viewer=viewer, task_id=listing_id)


def _reserve_and_open(
    books: Books,
    *,
    order_id: str,
    kind: DealKind,
    listing: Listing,
    buyer: str,
    seller: str,
    quantity: int,
    unit_price: int,
    amount: int,
    now: datetime,
    **terms: Any,
) -> deals.Step:
    """Reserve ``amount`` as a pending payment from buyer to seller and open the deal on it."""
    escrow = books.move(
        books.account_of(buyer),
        books.account_of(seller),
        amount,
        kind=TransferKind.ESCROW,  # settled only through the deal, never through the ledger
        memo=f"escrow: {kind.value} {order_id} ({listing.title[:60]})",
        pending=True,
        initiated_by=buyer,
    )
    step = deals.open_order(
        order_id=order_id,
        kind=kind,
        listing=listing,
        buyer=buyer,
        seller=seller,
        quantity=quantity,
        unit_price=unit_price,
        escrow_id=escrow.id,
        now=now,
        **terms,
    )
    books.close()
    return step
