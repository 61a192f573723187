"""Orders: one deal between a buyer and a seller, its escrow and its state machine.

An order on an offer, an accepted quote on a request and an assigned task are all orders (``kind``
tells them apart: on a task the poster is the buyer and the worker the seller; "submit" is
``deliver`` and "approve" is ``confirm``). The price is held in escrow as a *pending* transfer
from buyer to seller from the moment the order exists until it ends; every terminal state has
settled the escrow exactly once, as ``TRANSITIONS`` says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from cybermutual.domain.errors import (
    InvalidTransition,
    InvalidValue,
    NotAParty,
    NotTheBuyer,
    NotTheSeller,
    OwnListing,
)
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.market.listings import Listing, ListingKind, require_kind, take_stock
from cybermutual.domain.money import check_amount

DEFAULT_AUTO_CONFIRM_DAYS = 14


class DealKind(StrEnum):
    ORDER = "order"  # an offer ordered, or a request's accepted quote
    TASK = "task"  # an assigned task


class OrderStatus(StrEnum):
    PLACED = "placed"  # escrow reserved, waiting for the seller
    ACCEPTED = "accepted"
    DELIVERED = "delivered"  # or: work submitted
    DISPUTED = "disputed"
    COMPLETED = "completed"  # escrow posted to the seller
    DECLINED = "declined"  # escrow voided
    CANCELLED = "cancelled"  # escrow voided
    RESOLVED = "resolved"  # a dispute ended it: posted, voided or split

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.DECLINED, OrderStatus.CANCELLED, OrderStatus.RESOLVED}
)


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    CANCEL = "cancel"
    DELIVER = "deliver"
    CONFIRM = "confirm"
    AUTO_CONFIRM = "auto_confirm"
    DISPUTE = "dispute"
    RESOLVE = "resolve"


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    SYSTEM = "system"  # the timeout, or a dispute's verdict or settlement


class Escrow(StrEnum):
    KEEP = "keep"  # still pending
    POST = "post"  # released to the seller
    VOID = "void"  # returned to the buyer
    VERDICT = "verdict"  # as the dispute decided (post, void or split)


@dataclass(frozen=True, slots=True)
class Rule:
    to: OrderStatus
    roles: frozenset[Role]
    escrow: Escrow


def _rule(to: OrderStatus, escrow: Escrow, *roles: Role) -> Rule:
    return Rule(to, frozenset(roles), escrow)


S, B, SYS = Role.SELLER, Role.BUYER, Role.SYSTEM
#: Every legal step: (from, action) -> (to, who may take it, what happens to the escrow).
TRANSITIONS: dict[tuple[OrderStatus, Action], Rule] = {
    (OrderStatus.PLACED, Action.ACCEPT): _rule(OrderStatus.ACCEPTED, Escrow.KEEP, S),
    (OrderStatus.PLACED, Action.DECLINE): _rule(OrderStatus.DECLINED, Escrow.VOID, S),
    (OrderStatus.PLACED, Action.CANCEL): _rule(OrderStatus.CANCELLED, Escrow.VOID, B, S),
    (OrderStatus.ACCEPTED, Action.CANCEL): _rule(OrderStatus.CANCELLED, Escrow.VOID, S),
    (OrderStatus.ACCEPTED, Action.DELIVER): _rule(OrderStatus.DELIVERED, Escrow.KEEP, S),
    (OrderStatus.ACCEPTED, Action.DISPUTE): _rule(OrderStatus.DISPUTED, Escrow.KEEP, B, S),
    (OrderStatus.DELIVERED, Action.CONFIRM): _rule(OrderStatus.COMPLETED, Escrow.POST, B),
    (OrderStatus.DELIVERED, Action.AUTO_CONFIRM): _rule(OrderStatus.COMPLETED, Escrow.POST, SYS),
    (OrderStatus.DELIVERED, Action.DISPUTE): _rule(OrderStatus.DISPUTED, Escrow.KEEP, B, S),
    (OrderStatus.DISPUTED, Action.RESOLVE): _rule(OrderStatus.RESOLVED, Escrow.VERDICT, SYS),
}
#: Who may ever take each action, whatever the state (for a clear refusal).
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    action: frozenset().union(*(r.roles for (_, a), r in TRANSITIONS.items() if a is action))
    for action in Action
}


@dataclass(frozen=True, slots=True)
class Order:
    """A deal; ``amount = unit_price * quantity`` is held by the pending transfer ``escrow_id``."""

    id: str
    collective_id: str
    kind: DealKind
    listing_id: str
    buyer_id: str
    seller_id: str
    quantity: int
    unit_price: int
    amount: int
    status: OrderStatus
    escrow_id: str
    created_at: datetime
    updated_at: datetime
    note: str = ""
    quote_id: str | None = None
    application_id: str | None = None
    delivered_at: datetime | None = None
    closed_at: datetime | None = None
    auto_confirm_at: datetime | None = None
    payout_id: str | None = None  # the posted share, when a dispute split the escrow
    #: an enterprise's sale: the escrow pays its account, and the sale counts for the member
    #: who delivered it (``delivered_by``, for the co-op's productivity metric)
    enterprise_id: str | None = None
    delivered_by: str | None = None

    @property
    def payee_id(self) -> str:
        """Whose account the escrow pays: the enterprise's, or the seller's."""
        return self.enterprise_id or self.seller_id

    @property
    def accounts(self) -> list[str]:
        """The owners of the accounts the deal's money moves between (to lock)."""
        extra = [self.enterprise_id] if self.enterprise_id else []
        return [self.buyer_id, self.seller_id, *extra]

    def role_of(self, member_id: str) -> Role | None:
        if member_id == self.buyer_id:
            return Role.BUYER
        if member_id == self.seller_id:
            return Role.SELLER
        return None

    def other_party(self, member_id: str) -> str:
        return self.seller_id if member_id == self.buyer_id else self.buyer_id


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of one transition: the new order, what to do with the escrow, who to tell."""

    order: Order
    escrow: Escrow
    events: tuple[MarketEvent, ...]


def check_note(note: str) -> str:
    if len(note) > 2000:
        raise InvalidValue("a note has at most 2000 characters", field="note")
    return note


@dataclass(frozen=True, slots=True)
class Pricing:
    """What an order on an offer will cost, and the offer with its stock taken."""

    amount: int
    unit_price: int
    listing: Listing


def price_order(listing: Listing, *, buyer: str, quantity: int, now: datetime) -> Pricing:
    """Check an order on an offer before any money moves: kind, open, not one's own, stock."""
    require_kind(listing, ListingKind.OFFER, action="order")
    if listing.owner_id == buyer:
        raise OwnListing("you cannot order from your own listing")
    taken = take_stock(listing, quantity, now=now)
    amount = check_amount(listing.price * quantity)
    return Pricing(amount, listing.price, taken)


def open_order(
    *,
    order_id: str,
    kind: DealKind,
    listing: Listing,
    buyer: str,
    seller: str,
    quantity: int,
    unit_price: int,
    escrow_id: str,
    now: datetime,
    note: str = "",
    accepted: bool = False,
    quote_id: str | None = None,
    application_id: str | None = None,
) -> Step:
    """A new order whose escrow was just reserved; ``accepted`` when the seller already agreed
    (a quote they gave, a task they applied for)."""
    if buyer == seller:
        raise OwnListing("a deal needs two different members")
    order = Order(
        id=order_id,
        collective_id=listing.collective_id,
        kind=kind,
        listing_id=listing.id,
        buyer_id=buyer,
        seller_id=seller,
        quantity=quantity,
        unit_price=unit_price,
        amount=check_amount(unit_price * quantity),
        status=OrderStatus.ACCEPTED if accepted else OrderStatus.PLACED,
        escrow_id=escrow_id,
        created_at=now,
        updated_at=now,
        note=check_note(note),
        quote_id=quote_id,
        application_id=application_id,
        enterprise_id=listing.enterprise_id if kind is DealKind.ORDER else None,
    )
    if kind is DealKind.TASK:
        event = MarketEvent(
            EventKind.TASK_ASSIGNED,
            (seller,),
            "order",
            order.id,
            f"{{actor}} assigned you the task '{listing.title}'; the reward is held for you.",
            buyer,
        )
    elif accepted:
        event = MarketEvent(
            EventKind.QUOTE_ACCEPTED,
            (seller,),
            "order",
            order.id,
            f"{{actor}} accepted your quote on '{listing.title}'; the price is held for you.",
            buyer,
        )
    else:
        event = MarketEvent(
            EventKind.ORDER_PLACED,
            (seller,),
            "order",
            order.id,
            f"{{actor}} ordered {quantity} x '{listing.title}': accept or decline it.",
            buyer,
        )
    return Step(order, Escrow.KEEP, (event,))


#: What a party does by hand; the system's own steps (the timeout, a verdict) are not offered.
BY_HAND = (
    Action.ACCEPT,
    Action.DECLINE,
    Action.CANCEL,
    Action.DELIVER,
    Action.CONFIRM,
    Action.DISPUTE,
)


def next_actions(order: Order, member_id: str) -> tuple[Action, ...]:
    """What ``member_id`` may do to the order now, read from ``TRANSITIONS`` (nothing for a
    stranger), so a page offers exactly the steps ``transition`` would take."""
    role = order.role_of(member_id)
    if role is None:
        return ()
    return tuple(
        action
        for action in BY_HAND
        if (rule := TRANSITIONS.get((order.status, action))) is not None and role in rule.roles
    )


def _refuse_role(order: Order, actor: str | None, action: Action) -> Role:
    if actor is None:
        return Role.SYSTEM
    role = order.role_of(actor)
    task = order.kind is DealKind.TASK
    if role is None:
        raise NotAParty(
            "only the poster and the worker of this task may do this"
            if task
            else "only the buyer and the seller of this order may do this"
        )
    allowed = ACTION_ROLES[action]
    if role not in allowed:
        what = (
            f"{_TASK_VERBS.get(action, action.value)} this task"
            if task
            else (f"{action.value} this order")
        )
        if Role.SELLER in allowed:
            raise NotTheSeller(f"only the {'worker' if task else 'seller'} may {what}")
        raise NotTheBuyer(f"only the {'poster' if task else 'buyer'} may {what}")
    return role


#: A task's actions and states in the words its poster and worker use.
_TASK_VERBS = {
    Action.ACCEPT: "accept",
    Action.DECLINE: "decline",
    Action.CANCEL: "drop",
    Action.DELIVER: "submit the work for",
    Action.CONFIRM: "approve",
    Action.DISPUTE: "dispute",
}
_TASK_STATES = {
    OrderStatus.PLACED: "waiting for the worker",
    OrderStatus.ACCEPTED: "assigned, and the worker has not submitted the work yet",
    OrderStatus.DELIVERED: "submitted, waiting for the poster's approval",
    OrderStatus.DISPUTED: "in dispute",
    OrderStatus.COMPLETED: "approved and paid already",
    OrderStatus.DECLINED: "declined",
    OrderStatus.CANCELLED: "dropped",
    OrderStatus.RESOLVED: "settled by its dispute",
}
_TASK_NEXT = {
    (OrderStatus.ACCEPTED, Action.CONFIRM): "the worker submits it first (POST .../submit)",
}


def _not_now(order: Order, action: Action, role: Role | None) -> str:
    """Why ``action`` is not possible in the order's state, in the deal's own terms."""
    if order.kind is not DealKind.TASK:
        who = "" if role is None else f"the {role.value} "
        return f"{who}cannot {action.value} an order that is {order.status.value}"
    verb = _TASK_VERBS.get(action, action.value)
    who = "" if role is None else ("the worker " if role is Role.SELLER else "the poster ")
    reason = f"{who}cannot {verb} this task: it is {_TASK_STATES[order.status]}"
    if hint := _TASK_NEXT.get((order.status, action)):
        reason += f"; {hint}"
    return reason


def transition(
    order: Order,
    action: Action,
    *,
    actor: str | None,
    now: datetime,
    auto_confirm_after: timedelta = timedelta(days=DEFAULT_AUTO_CONFIRM_DAYS),
) -> Step:
    """Take ``action`` as ``actor`` (None: the system), or refuse with a stable code."""
    role = _refuse_role(order, actor, action)
    rule = TRANSITIONS.get((order.status, action))
    if rule is None or role not in rule.roles:
        raise InvalidTransition(
            _not_now(order, action, None if rule is None else role),
            status=order.status.value,
            action=action.value,
        )
    changed = replace(order, status=rule.to, updated_at=now)
    if rule.to is OrderStatus.DELIVERED:
        changed = replace(changed, delivered_at=now, auto_confirm_at=now + auto_confirm_after)
    if rule.to is OrderStatus.DISPUTED:
        changed = replace(changed, auto_confirm_at=None)
    if rule.to.is_terminal:
        changed = replace(changed, closed_at=now, auto_confirm_at=None)
    return Step(changed, rule.escrow, _events(changed, action, actor))


def _events(order: Order, action: Action, actor: str | None) -> tuple[MarketEvent, ...]:
    task = order.kind is DealKind.TASK

    def to(kind: EventKind, who: tuple[str, ...], message: str) -> tuple[MarketEvent, ...]:
        return (MarketEvent(kind, who, "order", order.id, message, actor),)

    buyer, seller = (order.buyer_id,), (order.seller_id,)
    if action is Action.ACCEPT:
        return to(EventKind.ORDER_ACCEPTED, buyer, "{actor} accepted your order.")
    if action is Action.DECLINE:
        return to(
            EventKind.ORDER_DECLINED, buyer, "{actor} declined your order; the hold is released."
        )
    if action is Action.CANCEL:
        other = (order.other_party(actor),) if actor else buyer + seller
        return to(
            EventKind.ORDER_CANCELLED,
            other,
            ("{actor} cancelled" if actor else "An order was cancelled")
            + (" a task; the reward is released." if task else " an order; the hold is released."),
        )
    if action is Action.DELIVER:
        if task:
            return to(
                EventKind.WORK_SUBMITTED,
                buyer,
                "{actor} submitted the work: approve or dispute it.",
            )
        return to(EventKind.ORDER_DELIVERED, buyer, "{actor} delivered your order: confirm it.")
    if action is Action.CONFIRM:
        kind = EventKind.WORK_APPROVED if task else EventKind.ORDER_COMPLETED
        what = "approved your work" if task else "confirmed the delivery"
        return to(kind, seller, f"{{actor}} {what}: the payment was released to you.")
    if action is Action.AUTO_CONFIRM:
        return to(
            EventKind.ORDER_COMPLETED,
            buyer + seller,
            "The confirmation period ended: the payment was released to the seller.",
        )
    return ()  # disputes announce themselves (see disputes.py)
