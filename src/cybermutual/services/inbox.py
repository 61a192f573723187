"""The inbox: every event lands with each of its recipients, worded with the actor's name.

The market raises most events; payments received and membership requests and approvals land in
the same inbox (issue #9), so a member reads one list of what happened to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.services.common import new_id
from cybermutual.services.market_ports import InboxItem
from cybermutual.services.ports import UnitOfWork

SOMEONE = "A member"  # the actor of an event whose name cannot be found (never expected)


def notify(
    uow: UnitOfWork, collective: Collective, events: Iterable[MarketEvent], *, now: datetime
) -> None:
    """Every event lands in each recipient's inbox, ``{actor}`` replaced by the actor's name."""
    events = list(events)
    if not events:
        return
    actors = {e.actor for e in events if e.actor is not None and "{actor}" in e.message}
    names = uow.people.names(actors) if actors else {}
    uow.market.inbox.add(
        [
            InboxItem(
                id=new_id(),
                collective_id=collective.id,
                member_id=recipient,
                event=event.kind.value,
                subject_type=event.subject_type,
                subject_id=event.subject_id,
                message=event.message.replace("{actor}", names.get(event.actor or "", SOMEONE)),
                created_at=now,
            )
            for event in events
            for recipient in dict.fromkeys(event.recipients)
        ]
    )


def payment_received(
    collective: Collective,
    *,
    transfer_id: str,
    payer: str,
    payee: str,
    amount: int,
    memo: str,
    pending: bool = False,
    released: bool = False,
) -> MarketEvent:
    """The payee's notice of a payment (held for them, released to them, or simply paid)."""
    money = collective.currency.format(amount)
    if pending:
        text = f"{{actor}} is holding {money} for you until they release it"
    elif released:
        text = f"{{actor}} released {money} they held for you"
    else:
        text = f"{{actor}} paid you {money}"
    if memo:
        text += f" ({memo[:80]})"
    return MarketEvent(
        EventKind.PAYMENT_RECEIVED, (payee,), "transfer", transfer_id, text + ".", payer
    )
