"""Requests answered with quotes; the requester accepts one and it becomes an order."""

from __future__ import annotations

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import QuoteNotFound
from cybermutual.domain.market import listings, proposals
from cybermutual.domain.market.deals import DealKind, Order
from cybermutual.domain.market.proposals import Quote
from cybermutual.domain.membership import require_active
from cybermutual.services.bookkeeping import Books
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.loading import active_member_collective
from cybermutual.services.market.escrow import open_deal, reserve_and_open
from cybermutual.services.market.loading import known_member_collective, load_listing, load_order
from cybermutual.services.market.use_case import MarketUseCase
from cybermutual.services.ports import UnitOfWork


class QuoteUseCases(MarketUseCase):
    """Quote on a request, read, withdraw or accept quotes."""

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
            step = reserve_and_open(
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
            return open_deal(uow, collective, step, idem)
