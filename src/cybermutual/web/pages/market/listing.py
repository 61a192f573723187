"""A listing's page, with what the viewer may do next and only that: order an offer, quote on a
request, apply for a task; its owner sees the orders, quotes or applications and answers them."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError, NotAMember
from cybermutual.domain.market.listings import Listing, ListingKind
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.container import Services
from cybermutual.web.pages.context import collective_context
from cybermutual.web.pages.market.common import (
    KINDS,
    category_names,
    key_of,
    listing_names,
    new_key,
    price_of,
    quantity_of,
    refused_on,
    router,
)
from cybermutual.web.rendering import render
from cybermutual.web.routing import FormDep, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer


def listing_context(
    services: Services, slug: str, viewer: Viewer, listing_id: str
) -> dict[str, Any]:
    """The listing as the viewer may see it, and, for a member, their deals on it and the
    quotes or applications they may see (the owner: all of them)."""
    context = collective_context(services, slug, viewer, "market")
    reader = viewer.person.id if viewer.person is not None else ""
    view = services.market.listing(slug, listing_id, viewer=reader)
    listing = view.listing
    membership = context["membership"]
    deals: list[Any] = []
    quotes: list[Any] = []
    applications: list[Any] = []
    if membership is not None and membership.status is not MembershipStatus.PENDING:
        try:
            deals = services.market.listing_deals(slug, viewer=reader, listing_id=listing_id)
            if listing.kind is ListingKind.REQUEST:
                quotes = services.market.quotes(slug, viewer=reader, listing_id=listing_id)
            elif listing.kind is ListingKind.TASK:
                applications = services.market.applications(
                    slug, viewer=reader, listing_id=listing_id
                )
        except NotAMember:  # expelled: they see the listing, not deals
            pass
    names = listing_names(services, [listing], (d.order for d in deals), quotes, applications)
    is_owner = listing.owner_id == reader
    open_quote = any(q.quoter_id == reader and q.status.value == "open" for q in quotes)
    applied = any(a.applicant_id == reader and a.status.value == "open" for a in applications)
    return {
        **context,
        "view": view,
        "listing": listing,
        "kind_name": KINDS[listing.kind][0],
        "price_name": KINDS[listing.kind][1],
        "is_owner": is_owner,
        "deals": deals,
        "quotes": quotes,
        "open_quote": open_quote,
        "applications": applications,
        "applied": applied,
        "forms": _forms_shown(
            listing, context["is_member"], is_owner, open_quote, applied, quotes, applications
        ),
        "names": names,
        "category_names": category_names(services, slug),
        "key": new_key(),
        "values": {},
        "action": "",
    }


def _forms_shown(
    listing: Listing,
    is_member: bool,
    is_owner: bool,
    open_quote: bool,
    applied: bool,
    quotes: list[Any],
    applications: list[Any],
) -> set[str]:
    """Which of the page's forms are on it (a refusal from any other is shown at the top)."""
    shown = set()
    if is_owner:
        shown.add("owner")
    elif is_member and listing.is_open:
        offered = {
            ListingKind.OFFER: "order",
            ListingKind.REQUEST: "" if open_quote else "quote",
            ListingKind.TASK: "" if applied else "apply",
        }
        shown.add(offered[listing.kind])
    if (is_owner and listing.kind is ListingKind.REQUEST) or quotes:
        shown.add("quotes")
    if (is_owner and listing.kind is ListingKind.TASK) or applications:
        shown.add("assign")
    return shown


def _refused(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    listing_id: str,
    error: DomainError,
    *,
    action: str,
    values: dict[str, str],
) -> Response:
    """The listing's page again, the refusal beside the form it came from, what was typed kept."""
    context = listing_context(services, slug, viewer, listing_id)
    return refused_on(request, "market/listing.html", context, error, action=action, values=values)


@router.get("/c/{slug}/market/{listing_id}")
def listing_page(
    request: Request, slug: str, listing_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    return render(
        request, "market/listing.html", listing_context(services, slug, viewer, listing_id)
    )


@router.post("/c/{slug}/market/{listing_id}/order")
def order(
    request: Request,
    slug: str,
    listing_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Order from an offer: the price is held from the buyer until they confirm."""
    try:
        placed = services.market.place_order(
            slug,
            buyer=viewer.id,
            listing_id=listing_id,
            quantity=quantity_of(form.get("quantity", "1")),
            note=form.get("note", "").strip(),
            idempotency_key=key_of(form),
        )
    except DomainError as error:
        return _refused(
            request, services, slug, viewer, listing_id, error, action="order", values=form
        )
    return see_other(
        f"/c/{slug}/market/deals/{placed.id}",
        flash="Ordered. The price is held from your account until you confirm delivery.",
    )


@router.post("/c/{slug}/market/{listing_id}/quote")
def quote(
    request: Request,
    slug: str,
    listing_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Answer a request with a price."""
    context = collective_context(services, slug, viewer, "market")
    try:
        services.market.quote(
            slug,
            quoter=viewer.id,
            listing_id=listing_id,
            price=price_of(context["currency"], form.get("price", "")),
            message=form.get("message", ""),
        )
    except DomainError as error:
        return _refused(
            request, services, slug, viewer, listing_id, error, action="quote", values=form
        )
    return see_other(f"/c/{slug}/market/{listing_id}", flash="Your quote is sent.")


@router.post("/c/{slug}/market/{listing_id}/apply")
def apply(
    request: Request,
    slug: str,
    listing_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Offer to do a task."""
    try:
        services.market.apply(
            slug, applicant=viewer.id, listing_id=listing_id, message=form.get("message", "")
        )
    except DomainError as error:
        return _refused(
            request, services, slug, viewer, listing_id, error, action="apply", values=form
        )
    return see_other(
        f"/c/{slug}/market/{listing_id}", flash="You applied. The poster will choose soon."
    )


@router.post("/c/{slug}/market/{listing_id}/assign")
def assign(
    request: Request,
    slug: str,
    listing_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """The poster picks an applicant: the reward is held from the poster for them."""
    try:
        assigned = services.market.assign(
            slug,
            actor=viewer.id,
            listing_id=listing_id,
            application_id=form.get("application_id", ""),
            idempotency_key=key_of(form),
        )
    except DomainError as error:
        return _refused(
            request, services, slug, viewer, listing_id, error, action="assign", values=form
        )
    return see_other(
        f"/c/{slug}/market/deals/{assigned.id}",
        flash="Assigned. The reward is held from your account until you approve the work.",
    )


@router.post("/c/{slug}/market/{listing_id}/quotes/{quote_id}/accept")
def accept_quote(
    request: Request,
    slug: str,
    listing_id: str,
    quote_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """The requester takes a quote: an order, its price held from them."""
    try:
        accepted = services.market.accept_quote(
            slug, actor=viewer.id, quote_id=quote_id, idempotency_key=key_of(form)
        )
    except DomainError as error:
        return _refused(
            request, services, slug, viewer, listing_id, error, action="quotes", values=form
        )
    return see_other(
        f"/c/{slug}/market/deals/{accepted.id}",
        flash="Quote accepted. The price is held from your account until you confirm.",
    )


@router.post("/c/{slug}/market/{listing_id}/quotes/{quote_id}/withdraw")
def withdraw_quote(
    request: Request,
    slug: str,
    listing_id: str,
    quote_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    try:
        services.market.withdraw_quote(slug, actor=viewer.id, quote_id=quote_id)
    except DomainError as error:
        return _refused(
            request, services, slug, viewer, listing_id, error, action="quotes", values=form
        )
    return see_other(f"/c/{slug}/market/{listing_id}", flash="Your quote is withdrawn.")


@router.post("/c/{slug}/market/{listing_id}/close")
def close_listing(
    request: Request,
    slug: str,
    listing_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """The owner takes a listing off the market (open orders on it carry on)."""
    try:
        services.market.close_listing(slug, actor=viewer.id, listing_id=listing_id)
    except DomainError as error:
        return _refused(
            request, services, slug, viewer, listing_id, error, action="owner", values=form
        )
    return see_other(f"/c/{slug}/market/{listing_id}", flash="Your listing is closed.")
