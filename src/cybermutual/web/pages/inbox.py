"""The inbox: what needs the viewer's attention in every collective, newest first; marking
items read; and the unread count every page's header shows."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.services.container import Services
from cybermutual.services.market.inbox import PlacedItem
from cybermutual.web.rendering import render
from cybermutual.web.routing import page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer, services_of

router = page_router()
PAGE = 30

#: Where an item's subject is shown, by its type (``{slug}``, ``{id}``, ``{me}`` filled in).
SUBJECT_PAGES = {
    "listing": "/c/{slug}/market/{id}",
    "order": "/c/{slug}/market/deals/{id}",
    "quote": "/c/{slug}/market",
    "dispute": "/c/{slug}/market/disputes/{id}",
    "review": "/c/{slug}/members/{me}#reviews",
    "transfer": "/c/{slug}/wallet#t-{id}",
    "member": "/c/{slug}/members/{id}",
    "proposal": "/c/{slug}/governance/{id}",
    "claim": "/c/{slug}/governance",
    "budget_round": "/c/{slug}/governance/rounds/{id}",
    "chain_plan": "/c/{slug}/chains/{id}",
}


def subject_url(placed: PlacedItem, viewer_id: str) -> str:
    """The page of what an inbox item is about (the collective's home if it has none)."""
    if placed.item.event == "membership_requested":  # an applicant has no profile yet
        return f"/c/{placed.slug}"
    pattern = SUBJECT_PAGES.get(placed.item.subject_type, "/c/{slug}")
    return pattern.format(slug=placed.slug, id=placed.item.subject_id, me=viewer_id)


def unread_count(request: Request, viewer: Viewer) -> dict[str, Any]:
    """The header's unread count, on every page: one query over the viewer's unread items."""
    if viewer.person is None:
        return {"unread": 0}
    return {"unread": services_of(request).market.unread_of_person(viewer.person.id)}


def _page(
    request: Request, viewer: Viewer, services: Services, *, unread_only: bool, cursor: str | None
) -> Response:
    inbox = services.market.inbox_of_person(
        viewer.id, unread_only=unread_only, limit=PAGE, cursor=cursor
    )
    items = [(placed, subject_url(placed, viewer.id)) for placed in inbox.items]
    return render(
        request,
        "inbox/inbox.html",
        {
            "inbox": inbox,
            "items": items,
            "unread_only": unread_only,
            "cursor": cursor,
            "section": "inbox",
        },
    )


@router.get("/inbox")
def inbox_page(
    request: Request,
    viewer: MemberDep,
    services: ServicesDep,
    unread: bool = False,
    cursor: str | None = None,
) -> Response:
    """Every collective's inbox of the viewer, newest first (``unread``: only what is unread)."""
    return _page(request, viewer, services, unread_only=unread, cursor=cursor)


def _after_marking(
    request: Request, viewer: Viewer, services: Services, unread_only: bool
) -> Response:
    """htmx swaps the list and the header's count from the page; a plain form goes back to it."""
    if request.headers.get("HX-Request") == "true":
        return _page(request, viewer, services, unread_only=unread_only, cursor=None)
    return see_other("/inbox?unread=true" if unread_only else "/inbox")


@router.post("/inbox/{item_id}/read")
def mark_read(
    request: Request, item_id: str, viewer: MemberDep, services: ServicesDep, unread: bool = False
) -> Response:
    services.market.mark_read_of_person(viewer.id, ids=[item_id[:64]])
    return _after_marking(request, viewer, services, unread)


@router.post("/inbox/read")
def mark_all_read(
    request: Request, viewer: MemberDep, services: ServicesDep, unread: bool = False
) -> Response:
    changed = services.market.mark_read_of_person(viewer.id)
    if request.headers.get("HX-Request") == "true":
        return _page(request, viewer, services, unread_only=unread, cursor=None)
    notice = f"Marked {changed} item{'s' if changed != 1 else ''} read." if changed else None
    return see_other("/inbox?unread=true" if unread else "/inbox", flash=notice)
