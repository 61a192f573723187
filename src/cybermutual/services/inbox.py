"""The inbox: every event lands with each of its recipients, worded with the actor's name.

The market raises most events; payments received and membership requests and approvals land in
the same inbox (issue #9), so a member reads one list of what happened to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.services.ids import new_id
from cybermutual.services.ports import UnitOfWork

SOMEONE = "A member"  # the actor of an event whose name cannot be found (never expected)


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One event as it landed with one recipient."""

    id: str
    collective_id: str
    member_id: str
    event: str
    subject_type: str
    subject_id: str
    message: str  # "{actor}" in it stands for the name of ``actor_id`` (filled in when read)
    created_at: datetime
    read_at: datetime | None = None
    actor_id: str | None = None


def notify(
    uow: UnitOfWork, collective: Collective, events: Iterable[MarketEvent], *, now: datetime
) -> None:
    """Every event lands in each recipient's inbox (``{actor}`` is named when it is read).

    Nothing is looked up here: a payment's notice costs one insert in its group's transaction.
    """
    events = list(events)
    if not events:
        return
    uow.market.inbox.add(
        [
            InboxItem(
                id=new_id(),
                collective_id=collective.id,
                member_id=recipient,
                event=event.kind.value,
                subject_type=event.subject_type,
                subject_id=event.subject_id,
                message=event.message,
                created_at=now,
                actor_id=event.actor,
            )
            for event in events
            for recipient in dict.fromkeys(event.recipients)
        ]
    )


def with_names(uow: UnitOfWork, items: Sequence[InboxItem]) -> list[InboxItem]:
    """The items with ``{actor}`` in their messages replaced by the actor's current name."""
    actors = {i.actor_id for i in items if i.actor_id is not None and "{actor}" in i.message}
    names = uow.people.names(actors) if actors else {}
    return [
        replace(i, message=i.message.replace("{actor}", names.get(i.actor_id or "", SOMEONE)))
        if "{actor}" in i.message
        else i
        for i in items
    ]


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
