"""A chain plan and its links: the facilitator's proposal, which every producer agrees to.

A plan asks for ``quantity`` of a good ``by`` a date, optionally within a ``budget``. Each link
is one producer running one recipe a whole number of times; the requester pays every link's
price through the market's escrow. Nothing is ordered until every link is accepted; then the
links open in dependency order (a link waits until every link making its inputs has delivered).
A decline, or a link left undecided past ``accept_by``, re-plans without that producer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cybermutual.domain.errors import InvalidTransition, InvalidValue, LinkClosed, NotYourLink

#: How long producers have to decide on their links (never past the plan's ``by``).
ACCEPT_WINDOW = timedelta(days=2)
MAX_QUANTITY = 10_000


class PlanStatus(StrEnum):
    PROPOSED = "proposed"  # links waiting for their producers
    OPEN = "open"  # every link accepted: orders open in dependency order
    COMPLETED = "completed"  # every link's order completed
    FAILED = "failed"  # no chain is left (a re-plan found none), or an order fell through
    CANCELLED = "cancelled"  # by the requester, before it opened

    @property
    def in_progress(self) -> bool:
        return self in (PlanStatus.PROPOSED, PlanStatus.OPEN)


class LinkStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for the producer's answer
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # not answered by ``accept_by``
    SUPERSEDED = "superseded"  # a re-plan no longer needs it (or the plan ended)
    WAITING = "waiting"  # the chain is open; an input is not delivered yet
    ORDERED = "ordered"  # its order is open on the market, with the price in escrow
    DELIVERED = "delivered"
    DONE = "done"  # the order completed: paid
    FAILED = "failed"  # its order was declined, cancelled or resolved otherwise


class LinkAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    SUPERSEDE = "supersede"
    OPEN = "open"  # the chain opened; the link waits for its inputs
    RELEASE = "release"  # inputs delivered (or none): its order opens
    DELIVER = "deliver"
    COMPLETE = "complete"
    FAIL = "fail"


P, A, W, OR, D = (
    LinkStatus.PROPOSED,
    LinkStatus.ACCEPTED,
    LinkStatus.WAITING,
    LinkStatus.ORDERED,
    LinkStatus.DELIVERED,
)
#: Every legal step of a link: (from, action) -> (to, taken by its producer rather than the system).
TRANSITIONS: dict[tuple[LinkStatus, LinkAction], tuple[LinkStatus, bool]] = {
    (P, LinkAction.ACCEPT): (A, True),
    (P, LinkAction.DECLINE): (LinkStatus.DECLINED, True),
    (A, LinkAction.DECLINE): (LinkStatus.DECLINED, True),  # changed their mind before it opened
    (P, LinkAction.EXPIRE): (LinkStatus.EXPIRED, False),
    (P, LinkAction.SUPERSEDE): (LinkStatus.SUPERSEDED, False),
    (A, LinkAction.SUPERSEDE): (LinkStatus.SUPERSEDED, False),
    (A, LinkAction.OPEN): (W, False),
    (W, LinkAction.RELEASE): (OR, False),
    (OR, LinkAction.DELIVER): (D, False),
    (OR, LinkAction.COMPLETE): (LinkStatus.DONE, False),  # confirmed without a delivery step
    (D, LinkAction.COMPLETE): (LinkStatus.DONE, False),
    (W, LinkAction.FAIL): (LinkStatus.FAILED, False),
    (OR, LinkAction.FAIL): (LinkStatus.FAILED, False),
    (D, LinkAction.FAIL): (LinkStatus.FAILED, False),
}
DECIDABLE = frozenset({P, A})
#: A link its producer has said yes to, whatever became of it since.
AGREED = frozenset({A, W, OR, D, LinkStatus.DONE})
LIVE = frozenset({P, A})  # links of the current proposal


@dataclass(frozen=True, slots=True)
class ChainLink:
    id: str
    plan_id: str
    recipe_id: str
    producer_id: str
    runs: int
    good_id: str  # the main output
    quantity: int  # units of the main output
    unit_price: int
    amount: int  # unit_price * quantity: what the requester pays this link
    status: LinkStatus
    step: int  # 0 for links with no input from the chain; a link opens after its inputs
    depends_on: tuple[str, ...]  # link ids whose deliveries release this one
    commons: tuple[tuple[str, int], ...]  # (asset id, hours) claimed through the commons
    why: dict[str, Any]  # why this producer: the price, the next best, the bottleneck
    created_at: datetime
    decided_at: datetime | None = None
    order_id: str | None = None
    listing_id: str | None = None
    #: an enterprise's link: the enterprise makes it (``maker_id``), and ``producer_id`` is the
    #: member acting for it (who declared the recipe, then who accepted the link)
    enterprise_id: str | None = None

    @property
    def maker_id(self) -> str:
        """The producer as the plan sees it: the one left out after a decline."""
        return self.enterprise_id or self.producer_id


@dataclass(frozen=True, slots=True)
class ChainPlan:
    id: str
    collective_id: str
    requester_id: str
    good_id: str
    quantity: int
    by: datetime
    budget: int | None
    status: PlanStatus
    revision: int
    cost: int
    accept_by: datetime
    excluded: tuple[str, ...]  # producers who declined or let their link expire
    explanation: dict[str, Any]  # duals ("what each input is worth"), bottleneck, labour
    created_at: datetime
    updated_at: datetime
    reason: str = ""  # why it failed


def check_request(*, quantity: int, by: datetime, budget: int | None, now: datetime) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidValue("quantity is a whole number of units", field="quantity")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidValue(f"quantity is 1..{MAX_QUANTITY}", field="quantity")
    if by.tzinfo is None:
        raise InvalidValue("by needs a time zone", field="by")
    if by <= now:
        raise InvalidValue("by must be in the future", field="by")
    if budget is not None and (isinstance(budget, bool) or budget < 1):
        raise InvalidValue("a budget is a positive amount", field="budget")


def accept_deadline(*, now: datetime, by: datetime) -> datetime:
    return min(now + ACCEPT_WINDOW, by)


def transition(
    link: ChainLink, action: LinkAction, *, actor: str | None, now: datetime
) -> ChainLink:
    """The link after ``action``; ``actor`` is the producer taking it (``maker_id``: a member,
    or an enterprise a member answers for), None for the system."""
    rule = TRANSITIONS.get((link.status, action))
    by_producer = action in (LinkAction.ACCEPT, LinkAction.DECLINE)
    if by_producer and actor != link.maker_id:
        raise NotYourLink("only this link's producer may accept or decline it", link=link.id)
    if rule is None:
        if by_producer:
            raise LinkClosed(
                f"this link is {link.status.value}: it can no longer be "
                f"{'accepted' if action is LinkAction.ACCEPT else 'declined'}",
                link=link.id,
                status=link.status.value,
            )
        raise InvalidTransition(f"a {link.status.value} link cannot {action.value}")
    to, _ = rule
    decided = now if by_producer or action is LinkAction.EXPIRE else link.decided_at
    return replace(link, status=to, decided_at=decided)


def already(link: ChainLink, action: LinkAction) -> bool:
    """Whether the producer's ``action`` is what they already did (a double click: no change)."""
    if action is LinkAction.ACCEPT:
        return link.status in AGREED
    return action is LinkAction.DECLINE and link.status is LinkStatus.DECLINED


def next_actions(link: ChainLink, member_id: str) -> tuple[LinkAction, ...]:
    """What ``member_id`` may do to the link now (read from ``TRANSITIONS``)."""
    if member_id != link.maker_id:
        return ()
    return tuple(
        action
        for action in (LinkAction.ACCEPT, LinkAction.DECLINE)
        if (link.status, action) in TRANSITIONS
    )
