"""A chain once every link said yes: its orders open on the market in dependency order, and the
chain follows them to the end.

``progress`` is the one step that moves an open chain on, idempotent and safe to run anywhere:
after a market action on one of its orders (``follow_order``), on every tick, and when the last
link is accepted. Under the plan's row lock it reads each link's order, marks links delivered,
done or failed as their orders are, opens the order of every link whose inputs have all been
delivered (reserving its price from the requester in escrow, as any order does), and ends the
chain when every link is done (or one fell through). A link whose price the requester cannot
cover yet waits, and the requester is told; the next run tries again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.market import deals, listings
from cybermutual.domain.market.deals import DealKind, Order, OrderStatus
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.market.listings import ListingKind, ListingStatus
from cybermutual.domain.supply.links import (
    ChainLink,
    ChainPlan,
    LinkAction,
    LinkStatus,
    PlanStatus,
    transition,
)
from cybermutual.services import chain_makers
from cybermutual.services.bookkeeping import Books
from cybermutual.services.chain_commons import claim_commons
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.market.escrow import reserve_and_open
from cybermutual.services.market.loading import categories_of
from cybermutual.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
SUBJECT = "chain_plan"
_SETTLED = frozenset({LinkStatus.DELIVERED, LinkStatus.DONE})


def event(
    kind: EventKind, to: list[str] | tuple[str, ...], plan: ChainPlan, text: str
) -> MarketEvent:
    return MarketEvent(kind, tuple(dict.fromkeys(to)), SUBJECT, plan.id, text)


def open_chain(
    uow: UnitOfWork,
    collective: Collective,
    plan: ChainPlan,
    links: list[ChainLink],
    *,
    now: datetime,
) -> ChainPlan:
    """Every link accepted: the chain opens, and the links with no input from it release."""
    opened = replace(plan, status=PlanStatus.OPEN, updated_at=now)
    uow.chains.save_plan(opened)
    accepted = [link for link in links if link.status is LinkStatus.ACCEPTED]
    for link in accepted:
        uow.chains.save_link(transition(link, LinkAction.OPEN, actor=None, now=now))
    opened, claims = claim_commons(uow, collective, opened, accepted, now=now)
    producers = chain_makers.people(uow, accepted)
    notify(
        uow,
        collective,
        [
            *claims,
            event(
                EventKind.CHAIN_OPENED,
                [plan.requester_id, *producers],
                plan,
                "Every link of the chain said yes: its orders open step by step, each price "
                "held in escrow until its delivery is confirmed.",
            ),
        ],
        now=now,
    )
    return progress(uow, collective, opened, now=now)


def needs_progress(uow: UnitOfWork, plan: ChainPlan, *, now: datetime) -> bool:
    """Whether ``progress`` would change anything now (read only: the tick asks first)."""
    if plan.status is not PlanStatus.OPEN:
        return False
    links = [link for link in uow.chains.links(plan.id) if link.status not in _GONE]
    orders = uow.market.orders.by_ids([link.order_id for link in links if link.order_id])
    followed = [_follow(link, orders.get(link.order_id or ""), now=now) for link in links]
    if followed != links:
        return True
    status = {link.id: link.status for link in links}
    return any(
        link.status is LinkStatus.WAITING
        and all(status.get(dep) in _SETTLED for dep in link.depends_on)
        for link in links
    )


def progress(
    uow: UnitOfWork, collective: Collective, plan: ChainPlan, *, now: datetime
) -> ChainPlan:
    """Move an open chain on (see the module); the plan row is locked by the caller."""
    if plan.status is not PlanStatus.OPEN:
        return plan
    links = [link for link in uow.chains.links(plan.id) if link.status not in _GONE]
    orders = uow.market.orders.by_ids([link.order_id for link in links if link.order_id])
    followed = [_follow(link, orders.get(link.order_id or ""), now=now) for link in links]
    for old, new in zip(links, followed, strict=True):
        if new != old:
            uow.chains.save_link(new)
    if any(link.status is LinkStatus.FAILED for link in followed):
        return _fail(uow, collective, plan, followed, now=now)
    status = {link.id: link.status for link in followed}
    ready = [
        link
        for link in followed
        if link.status is LinkStatus.WAITING
        and all(status.get(dep) in _SETTLED for dep in link.depends_on)
    ]
    if ready:
        _release(uow, collective, plan, ready, now=now)
        followed = [link for link in uow.chains.links(plan.id) if link.status not in _GONE]
    if followed and all(link.status is LinkStatus.DONE for link in followed):
        done = replace(plan, status=PlanStatus.COMPLETED, updated_at=now)
        uow.chains.save_plan(done)
        notify(
            uow,
            collective,
            [
                event(
                    EventKind.CHAIN_COMPLETED,
                    [plan.requester_id],
                    plan,
                    "Your chain is complete: every link delivered and was paid.",
                )
            ],
            now=now,
        )
        return done
    return plan


_GONE = frozenset(
    {LinkStatus.DECLINED, LinkStatus.EXPIRED, LinkStatus.SUPERSEDED, LinkStatus.PROPOSED}
)


def _follow(link: ChainLink, order: Order | None, *, now: datetime) -> ChainLink:
    """The link as its order now stands."""
    if order is None or link.status not in (LinkStatus.ORDERED, LinkStatus.DELIVERED):
        return link
    if order.status is OrderStatus.DELIVERED and link.status is LinkStatus.ORDERED:
        return transition(link, LinkAction.DELIVER, actor=None, now=now)
    if order.status in (OrderStatus.COMPLETED, OrderStatus.RESOLVED):
        return transition(link, LinkAction.COMPLETE, actor=None, now=now)
    if order.status in (OrderStatus.DECLINED, OrderStatus.CANCELLED):
        return transition(link, LinkAction.FAIL, actor=None, now=now)
    return link


def _fail(
    uow: UnitOfWork,
    collective: Collective,
    plan: ChainPlan,
    links: list[ChainLink],
    *,
    now: datetime,
) -> ChainPlan:
    """An order fell through: links still waiting never open; open orders carry on as deals."""
    for link in links:
        if link.status is LinkStatus.WAITING:
            uow.chains.save_link(transition(link, LinkAction.FAIL, actor=None, now=now))
    return fail_plan(
        uow,
        collective,
        plan,
        reason="an order of the chain was declined or cancelled; links not yet ordered were "
        "dropped, orders already open carry on",
        notice="A chain you are part of stopped: one of its orders was declined or cancelled.",
        people=chain_makers.people(uow, links),
        now=now,
    )


def fail_plan(
    uow: UnitOfWork,
    collective: Collective,
    plan: ChainPlan,
    *,
    reason: str,
    notice: str,
    people: list[str],
    now: datetime,
    excluded: tuple[str, ...] | None = None,
) -> ChainPlan:
    """Mark ``plan`` failed for ``reason`` and tell its requester and ``people`` (``notice``)."""
    failed = replace(
        plan,
        status=PlanStatus.FAILED,
        reason=reason,
        excluded=plan.excluded if excluded is None else excluded,
        updated_at=now,
    )
    uow.chains.save_plan(failed)
    notify(
        uow,
        collective,
        [event(EventKind.CHAIN_FAILED, [plan.requester_id, *people], plan, notice)],
        now=now,
    )
    return failed


def _release(
    uow: UnitOfWork,
    collective: Collective,
    plan: ChainPlan,
    ready: list[ChainLink],
    *,
    now: datetime,
) -> None:
    """Open the orders of ``ready`` links, from the requester to each producer, in escrow; an
    enterprise's link is its sale (see ``chain_makers``), taken by one of its sellers."""
    books = Books(uow, collective, now=now)
    sellers = {
        link.id: chain_makers.acting_member(uow, link, avoid=plan.requester_id) for link in ready
    }
    books.lock_members(
        [
            plan.requester_id,
            *(link.maker_id for link in ready),  # an enterprise's account is paid
            *(m for m in sellers.values() if m is not None),
        ]
    )
    requester = books.membership(plan.requester_id)
    headroom = books.account_of(plan.requester_id).headroom
    goods = {g.id: g for g in uow.chains.goods(collective.id)}
    known = categories_of(uow, collective)
    slugs = {c.slug for c in known}
    every = uow.chains.links(plan.id)
    names = uow.people.names([plan.requester_id, *(link.producer_id for link in every)])
    names |= uow.enterprises.names({k.enterprise_id for k in every if k.enterprise_id})
    waiting: list[ChainLink] = []
    events: list[MarketEvent] = []
    for link in ready:
        seller = sellers[link.id]
        producer = books.membership(seller) if seller is not None else None
        if (
            requester is None
            or not requester.is_active
            or producer is None
            or not producer.is_active
        ):
            waiting.append(link)
            continue
        if headroom is not None and headroom < link.amount:
            waiting.append(link)
            continue
        good = goods[link.good_id]
        listing = listings.post(
            listing_id=new_id(),
            collective_id=collective.id,
            owner_id=producer.member_id,
            kind=ListingKind.OFFER,
            title=f"{good.name} for a supply chain",
            description=f"A link of chain plan {plan.id}: {link.quantity} {good.unit}.",
            category=good.category if good.category in slugs else "other",
            categories=known,
            tags=("chain",),
            price=link.unit_price,
            quantity=link.quantity,
            now=now,
            enterprise_id=link.enterprise_id,
        )
        pricing = deals.price_order(
            listing, buyer=plan.requester_id, quantity=link.quantity, now=now
        )
        uow.market.listings.add(replace(pricing.listing, status=ListingStatus.CLOSED))
        step = reserve_and_open(
            books,
            order_id=new_id(),
            kind=DealKind.ORDER,
            listing=listing,
            buyer=plan.requester_id,
            seller=producer.member_id,
            quantity=link.quantity,
            unit_price=pricing.unit_price,
            amount=pricing.amount,
            now=now,
            note=_delivery_note(plan, link, every, names),
            accepted=True,  # the producer accepted the link
        )
        if headroom is not None:
            headroom -= pricing.amount
        uow.market.orders.add(step.order)
        released = replace(
            transition(link, LinkAction.RELEASE, actor=None, now=now),
            order_id=step.order.id,
            listing_id=listing.id,
        )
        uow.chains.save_link(released)
        events.append(
            event(
                EventKind.CHAIN_LINK_RELEASED,
                chain_makers.people(uow, [link]),
                plan,
                f"Your link is open: make {link.quantity} {good.unit} of {good.name} and "
                "deliver; the price is held for you in escrow.",
            )
        )
    books.close()
    if waiting:
        events.append(
            event(
                EventKind.CHAIN_WAITING,
                [plan.requester_id],
                plan,
                "A link of your chain is ready but waits: your available credit does not cover "
                "its price (or a member in it has left). It opens as soon as it can.",
            )
        )
    notify(uow, collective, events, now=now)


def _delivery_note(
    plan: ChainPlan, link: ChainLink, every: list[ChainLink], names: dict[str, str]
) -> str:
    """Where the goods go: the producers whose links use them, else the requester."""
    to = sorted({names.get(d.maker_id, "") for d in every if link.id in d.depends_on} - {""})
    whom = ", ".join(to) if to else names.get(plan.requester_id, "the requester")
    return f"Supply chain {plan.id}: deliver to {whom}."


def in_a_chain(uow: UnitOfWork, order: Order) -> bool:
    """Whether ``order`` is a link of a supply chain (asked inside the step's transaction)."""
    return uow.chains.link_of_order(order.id) is not None


def follow_order(
    uow_factory: UnitOfWorkFactory, clock: Clock, collective: Collective, order: Order
) -> None:
    """After a market step on a chain's ``order``, move its chain on. Never raises (the deal's
    step is already committed; the tick runs ``progress`` again)."""
    try:
        with uow_factory() as uow:
            link = uow.chains.link_of_order(order.id)
            if link is None:
                return
            plan = uow.chains.plan(collective.id, link.plan_id, lock=True)
            if plan is not None:
                progress(uow, collective, plan, now=clock.now())
                uow.commit()
    except Exception:
        log.exception("a chain could not follow order %s; the next tick retries", order.id)
