"""Links between collectives, their positions, and payments across them (issue 17).

Members read ``.../links`` and pay with ``.../cross-payments``; servers talk to each other under
``/federation/v1/`` (``server_router``) with signed messages only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import Cursor, Limit
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_federation import (
    ClearingPublic,
    CrossPaymentCreate,
    CrossPaymentPublic,
    FederationKeyPublic,
    LinkPublic,
    TermsPublic,
)
from cybermutual.domain.federation.links import Terms
from cybermutual.domain.federation.payments import PaymentState, Side
from cybermutual.services.federation import CrossPaymentView, LinkView

router = APIRouter(tags=["federation"], route_class=NamedRoute)
#: Not in the members' OpenAPI document: only servers speak it (docs/federation.md).
server_router = APIRouter(prefix="/federation/v1", include_in_schema=False)


def _terms(terms: Terms | None) -> TermsPublic | None:
    if terms is None:
        return None
    return TermsPublic(rate=str(terms.rate), limit_out=terms.limit_out, limit_in=terms.limit_in)


def link_public(view: LinkView) -> LinkPublic:
    link = view.link
    terms = _terms(link.terms)
    assert terms is not None
    return LinkPublic(
        id=link.id,
        peer=link.peer.slug,
        peer_url=link.peer.url,
        state=link.state.value,
        terms=terms,
        peer_terms=_terms(link.peer_terms),
        currency=view.currency,
        peer_currency=link.peer_currency,
        position=view.position,
        peer_position=view.peer_position,
        held_out=view.held_out,
        held_in=view.held_in,
        payments=view.payments,
        suspended_by_us=link.suspended_by_us,
        suspended_by_peer=link.suspended_by_peer,
        created_at=link.created_at,
        activated_at=link.activated_at,
        closed_at=link.closed_at,
        clearings=[
            ClearingPublic(
                day=day,
                paid_out=n.paid_out,
                paid_in=n.paid_in,
                payments_out=n.payments_out,
                payments_in=n.payments_in,
                net=n.net,
                netted=n.netted,
                position=position,
            )
            for day, n, position in view.clearings
        ],
    )


def cross_payment_public(view: CrossPaymentView) -> CrossPaymentPublic:
    p = view.payment
    return CrossPaymentPublic(
        id=p.id,
        ref=p.payment_ref,
        link=p.link_id,
        direction="out" if p.side is Side.ORIGIN else "in",
        state=p.state.value,
        payer=p.payer,
        payee=p.payee,
        amount=p.amount_ours,
        converted=p.amount_theirs,
        currency=view.currency,
        peer_currency=view.peer_currency,
        peer=view.peer.slug,
        memo=p.memo,
        reason=p.reason,
        created_at=p.created_at,
        decided_at=p.decided_at,
    )


@router.get("/collectives/{slug}/links", response_model=list[LinkPublic])
def links(slug: str, person: CurrentMember, services: ServicesDep) -> list[LinkPublic]:
    """The collective's links to others, with each one's position (members only)."""
    return [link_public(v) for v in services.federation.links(slug, member_id=person.id)]


@router.get("/collectives/{slug}/links/{link_id}", response_model=LinkPublic)
def link(slug: str, link_id: str, person: CurrentMember, services: ServicesDep) -> LinkPublic:
    """One link: both sides' terms, our position and the peer's mirror, the daily nettings."""
    return link_public(services.federation.link(slug, member_id=person.id, link_id=link_id))


@router.post(
    "/collectives/{slug}/cross-payments",
    status_code=status.HTTP_201_CREATED,
    response_model=CrossPaymentPublic,
    responses={202: {"description": "held here; the other server has not answered yet"}},
)
def pay_across(
    slug: str,
    body: CrossPaymentCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
    response: Response,
) -> CrossPaymentPublic:
    """Pay a member of a linked collective, in this collective's currency.

    201 once both sides posted it; 202 while the other server has not answered (it is held, and
    settled in the background either way; the same request again shows where it stands); 422
    ``cross_payment_refused`` when the other side refused it (nothing was paid).
    """
    view = services.federation.pay(
        slug,
        payer=person.id,
        link_id=body.link,
        payee=body.to,
        amount=body.amount,
        memo=body.memo,
        idempotency_key=key,
    )
    if view.payment.state is not PaymentState.COMMITTED:
        response.status_code = status.HTTP_202_ACCEPTED
    return cross_payment_public(view)


@router.get("/collectives/{slug}/cross-payments", response_model=PagePublic[CrossPaymentPublic])
def cross_payments(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PagePublic[CrossPaymentPublic]:
    """Your cross-payments, sent and received, newest first."""
    items, next_cursor = services.federation.cross_payments(
        slug, member_id=person.id, limit=limit, cursor=cursor
    )
    return PagePublic(items=[cross_payment_public(v) for v in items], next_cursor=next_cursor)


@router.get("/collectives/{slug}/cross-payments/{payment_id}", response_model=CrossPaymentPublic)
def cross_payment(
    slug: str, payment_id: str, person: CurrentMember, services: ServicesDep
) -> CrossPaymentPublic:
    return cross_payment_public(
        services.federation.cross_payment(slug, member_id=person.id, payment_id=payment_id)
    )


@server_router.post("/messages")
def receive(wire: Annotated[dict[str, Any], Body()], services: ServicesDep) -> dict[str, Any]:
    """A signed message from another server (link handshakes, prepare/commit/abort, status):
    ``{message: {kind, sender, recipient, key_id, timestamp, nonce, body}, signature}``."""
    return services.federation.receive(wire)


@server_router.get("/collectives/{slug}/key", response_model=FederationKeyPublic)
def current_key(slug: str, services: ServicesDep) -> FederationKeyPublic:
    """The key this collective signs its server messages with now (see also ``.../keys``)."""
    key_id, public_key = services.federation.public_key(slug)
    return FederationKeyPublic(key_id=key_id, public_key=public_key)
