"""Accounts, transfers (single, batch, pending) and the public verification of a ledger."""

from __future__ import annotations

from fastapi import APIRouter, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import Limit
from cybermutual.api.schemas import (
    AccountPublic,
    BatchCreate,
    CurrencyPublic,
    PagePublic,
    StatementLinePublic,
    TransferCreate,
    TransferPublic,
    VerificationProblemPublic,
    VerificationPublic,
)
from cybermutual.services.ledger import PaymentOrder, TransferView
from cybermutual.services.wallet import StatementLine

router = APIRouter(tags=["ledger"], route_class=NamedRoute)


def transfer_public(view: TransferView) -> TransferPublic:
    t = view.transfer
    return TransferPublic(
        id=t.id,
        from_=view.payer,
        to=view.payee,
        amount=t.amount,
        memo=t.memo,
        status=t.status.value,
        kind=t.kind.value,
        levy=view.levy,
        created_at=t.created_at,
        settled_at=t.settled_at,
    )


@router.get("/collectives/{slug}/accounts/me", response_model=AccountPublic)
def my_account(slug: str, person: CurrentMember, services: ServicesDep) -> AccountPublic:
    view = services.ledger.account(slug, member_id=person.id)
    a, c = view.account, view.currency
    return AccountPublic(
        balance=a.balance,
        available=a.available,
        reserved=a.reserved,
        credit_limit=a.credit_limit,
        currency=CurrencyPublic(code=c.code, name=c.name, decimals=c.decimals),
        membership=view.membership.value,
    )


def statement_line_public(line: StatementLine) -> StatementLinePublic:
    p, deal = line.posting, line.deal
    return StatementLinePublic(
        transfer_id=p.transfer.id,
        posted_at=p.posted_at,
        kind=p.transfer.kind.value,
        purpose=line.purpose.value,
        amount=p.change,
        balance_after=p.balance_after,
        memo=p.transfer.memo,
        counterparty_id=line.counterparty.member_id,
        counterparty_name=line.counterparty.name,
        order_id=deal.order_id if deal else None,
        listing_id=deal.listing_id if deal else None,
    )


@router.get(
    "/collectives/{slug}/accounts/me/statement",
    response_model=PagePublic[StatementLinePublic],
)
def my_statement(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[StatementLinePublic]:
    """Your statement: every posting that changed your balance, newest first, each with the
    balance it left (a levy is listed after the payment it was charged on)."""
    page = services.ledger.statement(slug, member_id=person.id, limit=limit, cursor=cursor)
    return PagePublic(
        items=[statement_line_public(line) for line in page.lines], next_cursor=page.next_cursor
    )


@router.post(
    "/collectives/{slug}/transfers",
    status_code=status.HTTP_201_CREATED,
    response_model=TransferPublic,
)
def pay(
    slug: str,
    body: TransferCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> TransferPublic:
    """Pay a member (``pending: true`` reserves the amount until you release it)."""
    view = services.ledger.pay(
        slug,
        payer=person.id,
        payee=body.to,
        amount=body.amount,
        memo=body.memo,
        pending=body.pending,
        idempotency_key=key,
    )
    return transfer_public(view)


@router.post(
    "/collectives/{slug}/transfers/batch",
    status_code=status.HTTP_201_CREATED,
    response_model=list[TransferPublic],
)
def pay_batch(
    slug: str,
    body: BatchCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> list[TransferPublic]:
    """Several payments from your account, all posted or none.

    The body is ``{"payments": [{"to": MEMBER_ID, "amount": MINOR_UNITS, "memo": "..."}, ...]}``
    (1 to 1,000 payments). A refusal names the payment that caused it: ``context.index`` is its
    0-based position, and nothing of the batch is paid.
    """
    views = services.ledger.pay_batch(
        slug,
        payer=person.id,
        payments=[PaymentOrder(person.id, p.to, p.amount, p.memo) for p in body.payments],
        idempotency_key=key,
    )
    return [transfer_public(v) for v in views]


@router.get("/collectives/{slug}/transfers", response_model=PagePublic[TransferPublic])
def my_transfers(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[TransferPublic]:
    """Your own entries, newest first."""
    page = services.ledger.transfers(slug, member_id=person.id, limit=limit, cursor=cursor)
    return PagePublic(items=[transfer_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get("/collectives/{slug}/transfers/{transfer_id}", response_model=TransferPublic)
def get_transfer(
    slug: str, transfer_id: str, person: CurrentMember, services: ServicesDep
) -> TransferPublic:
    """One of your transfers (as payer or payee), e.g. one linked from an order or your inbox."""
    return transfer_public(
        services.ledger.transfer(slug, member_id=person.id, transfer_id=transfer_id)
    )


@router.post("/collectives/{slug}/transfers/{transfer_id}/post", response_model=TransferPublic)
def release(
    slug: str, transfer_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> TransferPublic:
    """Release a pending payment to the payee (payer only)."""
    return transfer_public(
        services.ledger.settle(
            slug, actor=person.id, transfer_id=transfer_id, post=True, idempotency_key=key
        )
    )


@router.post("/collectives/{slug}/transfers/{transfer_id}/void", response_model=TransferPublic)
def cancel(
    slug: str, transfer_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> TransferPublic:
    """Cancel a pending payment (payer or payee); the reservation is released."""
    return transfer_public(
        services.ledger.settle(
            slug, actor=person.id, transfer_id=transfer_id, post=False, idempotency_key=key
        )
    )


@router.get("/collectives/{slug}/ledger/verify", response_model=VerificationPublic)
def verify(slug: str, services: ServicesDep) -> VerificationPublic:
    """Public proof: balances and levies recomputed from the hash-chained journal, the zero sum,
    and every open order's escrow, every reservation and every leaver checked; each problem has
    a stable ``kind``, the ids it concerns and a sentence."""
    result = services.ledger.verify(slug)
    return VerificationPublic(
        ok=result.ok,
        entries=result.entries,
        head=result.head,
        unsealed=result.unsealed,
        problems=[
            VerificationProblemPublic(kind=p.kind, ids=dict(p.ids), message=p.message)
            for p in result.problems
        ],
    )
