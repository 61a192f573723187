"""Tasks: members apply, the poster assigns one (the reward held in escrow), and the
assignment goes on as an order of kind ``task`` (submit and approve are in ``orders``)."""

from __future__ import annotations

from cybermutual.domain.errors import ApplicationNotFound
from cybermutual.domain.market import listings, proposals
from cybermutual.domain.market.deals import DealKind, Order
from cybermutual.domain.market.proposals import Application
from cybermutual.domain.membership import require_active
from cybermutual.services.bookkeeping import Books
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.loading import active_member_collective
from cybermutual.services.market.escrow import open_deal, reserve_and_open
from cybermutual.services.market.loading import (
    current_assignment,
    known_member_collective,
    load_listing,
    load_order,
)
from cybermutual.services.market.use_case import MarketUseCase


class TaskUseCases(MarketUseCase):
    """Apply for a task, read applications, assign one, find the current assignment."""

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
            step = reserve_and_open(
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
            return open_deal(uow, collective, step, idem)

    def task_order(self, slug: str, *, viewer: str, listing_id: str) -> Order:
        """The current (latest) assignment of a task, for its poster and its worker."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            return current_assignment(uow, collective, viewer=viewer, task_id=listing_id)
