"""A collective's home: its charter, figures and recent activity; joining and leaving."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError, NotAMember
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.container import Services
from cybermutual.services.market.ports import ListingQuery
from cybermutual.web.pages.context import collective_context
from cybermutual.web.pages.history import ExportFile, read_export
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer, ViewerDep, services_of

router = page_router()
RECENT = 5


def my_collectives(request: Request, viewer: Viewer) -> dict[str, Any]:
    """The viewer's active collectives, for the header menu."""
    if viewer.person is None:
        return {"my_collectives": []}
    found = services_of(request).collectives.memberships_of(viewer.person.id)
    mine = [
        {"slug": slug, "name": name}
        for slug, name, membership in found
        if membership.status is MembershipStatus.ACTIVE
    ]
    return {"my_collectives": mine}


def _recent(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    """The newest listings and proposals the viewer may read (none where they may not)."""
    reader = viewer.person.id if viewer.person is not None else ""
    recent: dict[str, Any] = {"listings": [], "proposals": []}
    with suppress(DomainError):  # the market is for members only here
        if viewer.person is None:  # and even a public one only for anyone signed in
            raise NotAMember("sign in to read the market")
        query = ListingQuery(limit=RECENT)
        recent["listings"] = services.market.search(slug, query, viewer=reader).items
    with suppress(DomainError):
        recent["proposals"] = services.proposals.proposals(slug, viewer=reader, limit=RECENT).items
    return recent


def _home(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "home")
    keys = services.keys.keys(slug)  # public: anyone may check what the collective signs
    return {**context, **_recent(services, slug, viewer), "keys": keys}


@router.get("/c/{slug}")
def home(request: Request, slug: str, viewer: ViewerDep, services: ServicesDep) -> Response:
    return render(request, "collective/home.html", _home(services, slug, viewer))


@router.post("/c/{slug}/join")
def join(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    export: ExportFile = None,
) -> Response:
    """Join at once (open admission) or ask to (admission by approval), optionally bringing
    one's signed history from another collective (verified before anything is saved)."""
    try:
        verified = None
        if export is not None and export.filename:
            verified = services.history.verify(read_export(export), here=str(request.base_url))
        membership = services.collectives.join(slug, member_id=viewer.id, history=verified)
    except DomainError as error:
        return refused(request, "collective/home.html", error, _home(services, slug, viewer))
    brought = (
        f" Members see your verified history from {verified.summary.collective_name}."
        if verified
        else ""
    )
    if membership.status is MembershipStatus.PENDING:
        return see_other(
            f"/c/{slug}", flash=f"You asked to join; a member will approve you soon.{brought}"
        )
    return see_other(f"/c/{slug}", flash=f"Welcome! You are a member now.{brought}")


def _leave_context(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "home")
    account = None
    if context["is_member"]:
        account = services.ledger.account(slug, member_id=viewer.id).account
    listings = (
        services.market.search(
            slug, ListingQuery(owner_id=viewer.id, limit=50), viewer=viewer.id
        ).items
        if context["is_member"]
        else []
    )
    return {**context, "account": account, "open_listings": listings}


@router.get("/c/{slug}/leave")
def leave_form(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    """What leaving would do, and what must be settled first."""
    return render(request, "collective/leave.html", _leave_context(services, slug, viewer))


@router.post("/c/{slug}/leave")
def leave(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    try:
        departure = services.collectives.leave(slug, member_id=viewer.id)
    except DomainError as error:
        return refused(
            request, "collective/leave.html", error, _leave_context(services, slug, viewer)
        )
    notes = ["You left."]
    if departure.listings_closed:
        closed = len(departure.listings_closed)
        notes.append(f"{closed} listing{'' if closed == 1 else 's'} closed.")
    notes.extend(w[:1].upper() + w[1:] + "." for w in departure.warnings)
    return see_other(f"/c/{slug}", flash=" ".join(notes))
