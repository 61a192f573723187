"""Escrow: the price reserved as a pending payment when a deal opens, and settled (posted,
voided or split) as the deal's transitions say."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import InvalidValue, OrderNotFound
from cybermutual.domain.ledger import TransferKind
from cybermutual.domain.market import deals
from cybermutual.domain.market.deals import DealKind, Escrow, Order, Step
from cybermutual.domain.market.listings import Listing
from cybermutual.services.bookkeeping import Books
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.inbox import notify
from cybermutual.services.ports import UnitOfWork


def reserve_and_open(
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
        books.account_of(listing.enterprise_id or seller),
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


def open_deal(
    uow: UnitOfWork,
    collective: Collective,
    step: deals.Step,
    idem: IdempotentRequest,
) -> Order:
    """Store the deal a step opened, tell its parties, record the request's answer, commit."""
    uow.market.orders.add(step.order)
    notify(uow, collective, step.events, now=step.order.created_at)
    idem.record(uow, collective.id, step.order.id, now=step.order.created_at)
    uow.commit()
    return step.order


def settle_escrow(books: Books, uow: UnitOfWork, order: Order, *, seller_share: int) -> Order:
    """Release ``seller_share`` of the escrow to the seller and return the rest to the buyer.

    All: the pending transfer is posted. None: it is voided. Part: it is voided and the share
    is posted as a new payment (its levy, if any, is paid by the seller as usual).
    """
    if not 0 <= seller_share <= order.amount:
        raise InvalidValue("the seller's share must be within the escrow")
    escrow = uow.transfers.get(order.escrow_id)
    if escrow is None:
        raise OrderNotFound("this order's escrow is missing", order=order.id)
    if seller_share == order.amount:
        books.settle(escrow, post=True)
        return order
    books.settle(escrow, post=False)
    if seller_share == 0:
        return order
    payout = books.move(
        books.account_of(order.buyer_id),
        books.account_of(order.payee_id),
        seller_share,
        kind=TransferKind.PAYMENT,
        memo=f"dispute share of order {order.id}",
        initiated_by=order.buyer_id,
        # covered by the reservation voided just above: a lowered limit must not strand it
        within_limit=False,
    )
    return replace(order, payout_id=payout.id)


def apply_step(books: Books, uow: UnitOfWork, step: Step, *, seller_share: int | None) -> Order:
    """Do to the escrow what the transition says (``seller_share`` for a verdict)."""
    order = step.order
    if step.escrow is Escrow.POST:
        return settle_escrow(books, uow, order, seller_share=order.amount)
    if step.escrow is Escrow.VOID:
        return settle_escrow(books, uow, order, seller_share=0)
    if step.escrow is Escrow.VERDICT:
        if seller_share is None:
            raise InvalidValue("a verdict needs the seller's share")
        return settle_escrow(books, uow, order, seller_share=seller_share)
    return order
