"""Auto-confirmation: ``auto_confirm_due(slug)`` posts every delivered order whose confirmation
period has ended (the clock passed in decides), each in a transaction of its own: an order that
cannot be confirmed is set aside and reported, never in the way of the others. It runs lazily
whenever someone reads their orders, an order, or their inbox (a failure there is logged, the
read goes on), and the lead may also schedule it (``cybermutual`` has no background worker): it
is idempotent and cheap when nothing is due.
"""

from __future__ import annotations

import logging
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import DomainError
from cybermutual.domain.market import deals
from cybermutual.domain.market.deals import Action, OrderStatus
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.services.bookkeeping import Books
from cybermutual.services.inbox import notify
from cybermutual.services.loading import load_collective
from cybermutual.services.market.escrow import apply_step
from cybermutual.services.market.loading import load_order
from cybermutual.services.market.use_case import MarketUseCase

_SENTINEL_LIMIT = 500  # orders auto-confirmed per call
log = logging.getLogger(__name__)


class AutoConfirmation(MarketUseCase):
    """Delivered orders confirmed once their period is over (see the module)."""

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
            books.lock_members(order.accounts)
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
