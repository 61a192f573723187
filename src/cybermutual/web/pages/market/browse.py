"""The market's front: browse and search (live as one types), post, edit and close a listing,
and one's own deals ("my orders and tasks")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.enterprise.kinds import PERMISSIONS, Power
from cybermutual.domain.errors import DomainError, NotAMember
from cybermutual.domain.market import listings
from cybermutual.domain.market.deals import OrderStatus
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services
from cybermutual.services.market import ListingEdit
from cybermutual.services.market.ports import ListingQuery, ListingSort
from cybermutual.web import forms
from cybermutual.web.pages.context import collective_context
from cybermutual.web.pages.market.common import (
    KINDS,
    category_names,
    kind_of,
    listing_names,
    names_of,
    optional_price,
    price_of,
    router,
    tags_of,
)
from cybermutual.web.rendering import amount_input, refused, render
from cybermutual.web.routing import FormDep, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

PAGE = 24
SORTS = [
    ("newest", "Newest"),
    ("price_asc", "Price: low to high"),
    ("price_desc", "Price: high to low"),
    ("reputation", "Best reputation"),
]
FILTERS = ("q", "kind", "category", "min_price", "max_price", "sort")


def _query(context: dict[str, Any], values: dict[str, str], cursor: str | None) -> ListingQuery:
    """The search a browse form asks for (its amounts in the collective's currency)."""
    currency = context["currency"]
    kind = values.get("kind") or ""
    sort = values.get("sort") or "newest"
    return ListingQuery(
        text=values.get("q", "").strip() or None,
        kind=kind_of(kind) if kind else None,
        category=values.get("category") or None,
        min_price=optional_price(currency, values.get("min_price"), field="min_price"),
        max_price=optional_price(currency, values.get("max_price"), field="max_price"),
        sort=ListingSort(sort) if sort in {s.value for s in ListingSort} else ListingSort.NEWEST,
        limit=PAGE,
        cursor=cursor,
    )


@router.get("/c/{slug}/market")
def browse(
    request: Request,
    slug: str,
    viewer: MemberDep,  # a public market is open to anyone signed in (the charter's words)
    services: ServicesDep,
    cursor: str | None = None,
) -> Response:
    """Open listings, searched and filtered; as you type, only the results are sent (htmx)."""
    context = collective_context(services, slug, viewer, "market")
    partial = request.headers.get("HX-Request") == "true"
    categories = category_names(services, slug)
    values = {k: request.query_params.get(k, "") for k in FILTERS}
    base = f"/c/{slug}/market?" + urlencode({k: v for k, v in values.items() if v})
    page_context: dict[str, Any] = {
        **context,
        "values": values,
        "sorts": SORTS,
        "kinds": KINDS,
        "category_options": list(categories.items()),
        "category_names": categories,
        "base": base,
        "views": [],
        "next_cursor": None,
        "names": {},
        "members_only": False,
        "partial": partial,
    }
    template = "market/_results.html" if partial else "market/browse.html"
    reader = viewer.person.id if viewer.person is not None else ""
    try:
        found = services.market.search(slug, _query(context, values, cursor), viewer=reader)
    except NotAMember:
        return render(request, template, {**page_context, "members_only": True})
    except DomainError as error:
        # htmx swaps only what succeeds, so the fragment says why with a 200
        return refused(request, template, error, page_context, status=200 if partial else None)
    names = listing_names(services, (v.listing for v in found.items))
    return render(
        request,
        template,
        {**page_context, "views": found.items, "next_cursor": found.next_cursor, "names": names},
    )


def _form_context(
    services: Services, slug: str, viewer: Viewer, values: dict[str, str], listing_id: str = ""
) -> dict[str, Any]:
    context = {
        **collective_context(services, slug, viewer, "market"),
        "values": values,
        "kinds": KINDS,
        "category_options": list(category_names(services, slug).items()),
        "listing_id": listing_id,
        "sellers": [],
    }
    if context["is_member"] and not listing_id:
        context["sellers"] = sellers(services, slug, viewer)
    return context


def sellers(services: Services, slug: str, viewer: Viewer) -> list[tuple[str, str]]:
    """Who an offer may be sold by: the viewer, or an enterprise whose role lets them sell."""
    mine = services.enterprises.enterprises(slug, viewer=viewer.id, limit=200).items
    can_sell = [
        (v.enterprise.id, v.enterprise.name)
        for v in mine
        if any(Power.SELL in PERMISSIONS[role] for role in v.your_roles)
    ]
    return [("", "Myself"), *can_sell] if can_sell else []


NEW_DEFAULTS = {
    "enterprise": "",
    "kind": "offer",
    "title": "",
    "description": "",
    "category": "",
    "tags": "",
    "price": "",
    "quantity": "",
    "location": "",
}


@router.get("/c/{slug}/market/new")
def new_listing_form(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    kind: str = "offer",
    enterprise: str = "",
) -> Response:
    values = {
        **NEW_DEFAULTS,
        "kind": kind if kind in {k.value for k in ListingKind} else "offer",
        "enterprise": enterprise[:32],
    }
    return render(
        request, "market/listing_form.html", _form_context(services, slug, viewer, values)
    )


@router.post("/c/{slug}/market/new")
def post_listing(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    """Put an offer, a request or a task on the market."""
    values = {k: form.get(k, default) for k, default in NEW_DEFAULTS.items()}
    context = _form_context(services, slug, viewer, values)
    try:
        kind = kind_of(values["kind"])
        quantity = values["quantity"].strip()
        view = services.market.post_listing(
            slug,
            owner=viewer.id,
            kind=kind,
            title=values["title"],
            description=values["description"],
            category=values["category"],
            price=price_of(context["currency"], values["price"]),
            tags=tags_of(values["tags"]),
            quantity=_stock(quantity) if quantity else None,
            location=values["location"].strip() or None,
            enterprise_id=values["enterprise"] or None,
        )
    except DomainError as error:
        return refused(request, "market/listing_form.html", error, context)
    what = KINDS[view.listing.kind][0].lower()
    return see_other(f"/c/{slug}/market/{view.listing.id}", flash=f"Your {what} is on the market.")


def _stock(text: str) -> int:
    return forms.whole(text, field="quantity", low=0, high=10**9)


@router.get("/c/{slug}/market/{listing_id}/edit")
def edit_listing_form(
    request: Request, slug: str, listing_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    listing = services.market.listing(slug, listing_id, viewer=viewer.id).listing
    listings.require_open(listings.require_owner(listing, viewer.id))  # the domain's own checks
    context = _form_context(services, slug, viewer, {}, listing_id)
    values = {
        "kind": listing.kind.value,
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "tags": ", ".join(listing.tags),
        "price": amount_input(listing.price, context["currency"]),
        "quantity": "" if listing.quantity is None else str(listing.quantity),
        "location": listing.location or "",
    }
    return render(request, "market/listing_form.html", {**context, "values": values})


@router.post("/c/{slug}/market/{listing_id}/edit")
def edit_listing(
    request: Request,
    slug: str,
    listing_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """The owner's changes (a new price applies to later orders only)."""
    listing = services.market.listing(slug, listing_id, viewer=viewer.id).listing
    values = {k: form.get(k, default) for k, default in NEW_DEFAULTS.items()}
    values["kind"] = listing.kind.value
    context = _form_context(services, slug, viewer, values, listing_id)
    try:
        quantity = values["quantity"].strip()
        services.market.edit_listing(
            slug,
            actor=viewer.id,
            listing_id=listing_id,
            edit=ListingEdit(
                title=values["title"],
                description=values["description"],
                category=values["category"],
                tags=tags_of(values["tags"]),
                price=price_of(context["currency"], values["price"]),
                quantity=_stock(quantity) if quantity else None,
                location=values["location"].strip(),
            ),
        )
    except DomainError as error:
        return refused(request, "market/listing_form.html", error, context)
    return see_other(f"/c/{slug}/market/{listing_id}", flash="Your listing is updated.")


@router.get("/c/{slug}/market/mine")
def mine(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    role: str = "",
    status: str = "",
    cursor: str | None = None,
) -> Response:
    """The viewer's orders and tasks with each one's next step, their open listings, the
    disputes they sit on as a juror, and their balance."""
    context = collective_context(services, slug, viewer, "market")
    deal_status = OrderStatus(status) if status in {s.value for s in OrderStatus} else None
    deal_role = role if role in ("buyer", "seller") else None
    deals = services.market.my_deals(
        slug, member_id=viewer.id, role=deal_role, status=deal_status, cursor=cursor
    )
    own = services.market.search(
        slug, ListingQuery(owner_id=viewer.id, limit=50), viewer=viewer.id
    ).items
    jury = [
        d
        for d in services.market.disputes(slug, member_id=viewer.id, open_only=True).items
        if any(j.member_id == viewer.id and j.seated for j in d.dispute.jurors)
    ]
    account = services.ledger.account(slug, member_id=viewer.id).account
    names = names_of(
        services,
        [m for d in deals.items for m in (d.order.buyer_id, d.order.seller_id)]
        + [m for d in jury for m in (d.order.buyer_id, d.order.seller_id)],
    )
    query = urlencode({k: v for k, v in (("role", role), ("status", status)) if v})
    return render(
        request,
        "market/mine.html",
        {
            **context,
            "deals": deals.items,
            "next_cursor": deals.next_cursor,
            "base": f"/c/{slug}/market/mine?{query}",
            "my_listings": own,
            "category_names": category_names(services, slug),
            "jury": jury,
            "account": account,
            "names": names,
            "role": deal_role or "",
            "status": deal_status.value if deal_status else "",
            "status_options": [(s.value, s.value) for s in OrderStatus],
        },
    )
