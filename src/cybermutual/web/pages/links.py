"""Links to other collectives: each one's terms and position on both sides, and paying a
member of a linked collective (``services.federation``: the API's same use cases)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError
from cybermutual.domain.federation.links import LinkState
from cybermutual.domain.federation.payments import PaymentState
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services
from cybermutual.services.federation import LinkView
from cybermutual.web import forms
from cybermutual.web.pages.context import collective_context
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
STATES = {
    LinkState.AWAITING_PEER: ("Waiting for their vote", "warn"),
    LinkState.OFFERED: ("Offered: waiting for our vote", "warn"),
    LinkState.ACTIVE: ("Active", "ok"),
    LinkState.SUSPENDED: ("Suspended", "bad"),
    LinkState.CLOSING: ("Closing", "warn"),
    LinkState.CLOSED: ("Closed", ""),
}


def peer_currency(view: LinkView) -> Currency:
    """The peer's currency as the link knows it (its code and decimals)."""
    code = view.link.peer_currency or "?"
    return Currency(code, code, view.link.peer_decimals or 0)


def _links_context(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "wallet")
    views = services.federation.links(slug, member_id=viewer.id)
    return {
        **context,
        "views": views,
        "peer_currencies": {v.link.id: peer_currency(v) for v in views},
        "states": STATES,
    }


@router.get("/c/{slug}/links")
def links(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    """The collective's links, each with its position on both sides."""
    return render(request, "links/links.html", _links_context(services, slug, viewer))


def _link_context(
    services: Services, slug: str, viewer: Viewer, link_id: str, typed: dict[str, str]
) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "wallet")
    view = services.federation.link(slug, member_id=viewer.id, link_id=link_id)
    return {
        **context,
        "view": view,
        "peer": peer_currency(view),
        "states": STATES,
        "typed": {"key": secrets.token_hex(12), **typed},
    }


@router.get("/c/{slug}/links/{link_id}")
def link(
    request: Request, slug: str, link_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    """One link: both sides' terms and positions, the daily nettings, and a way to pay."""
    return render(request, "links/link.html", _link_context(services, slug, viewer, link_id, {}))


@router.post("/c/{slug}/links/{link_id}/pay")
def pay(
    request: Request,
    slug: str,
    link_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Pay a member of the linked collective, in this collective's currency."""
    typed = {k: form.get(k, "") for k in ("to", "amount", "memo", "key")}
    try:
        currency = services.collectives.profile(slug).collective.currency
        view = services.federation.pay(
            slug,
            payer=viewer.id,
            link_id=link_id,
            payee=typed["to"].strip(),
            amount=forms.amount(currency, typed["amount"]),
            memo=typed["memo"].strip(),
            idempotency_key=typed["key"] or secrets.token_hex(12),
        )
    except DomainError as error:
        context = _link_context(services, slug, viewer, link_id, typed)
        context["typed"]["key"] = secrets.token_hex(12)  # a corrected form is a new payment
        return refused(request, "links/link.html", error, context)
    p = view.payment
    sent = currency.format(p.amount_ours)
    if p.state is PaymentState.COMMITTED:
        there = peer_currency(services.federation.link(slug, member_id=viewer.id, link_id=link_id))
        return see_other(
            f"/c/{slug}/links/{link_id}",
            flash=f"Paid {sent} to a member of {view.peer.slug}: "
            f"{there.format(p.amount_theirs)} there.",
        )
    return see_other(
        f"/c/{slug}/links/{link_id}",
        flash=f"{sent} is held for a member of {view.peer.slug}: it is paid or given back "
        "as soon as their server answers.",
    )
