"""Profiles: one's own (name, email, memberships with balances) and a member's, with the
reputation and reviews the market gives them."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from cybermutual.web.pages.context import collective_context
from cybermutual.web.rendering import render
from cybermutual.web.routing import page_router
from cybermutual.web.sessions import MemberDep, ServicesDep

router = page_router()
REVIEWS = 20


@router.get("/profile")
def own_profile(request: Request, viewer: MemberDep, services: ServicesDep) -> Response:
    """Who the viewer is here, and their account in each collective."""
    holdings = services.ledger.holdings(viewer.id)
    return render(request, "profile/own.html", {"holdings": holdings, "section": "profile"})


@router.get("/c/{slug}/members/{member_id}")
def member_profile(
    request: Request,
    slug: str,
    member_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    cursor: str | None = None,
) -> Response:
    """A member as other members see them: standing, reputation (and the verified histories
    they brought from other collectives), reviews, open listings."""
    context = collective_context(services, slug, viewer, "home")
    profile = services.market.member_profile(slug, viewer=viewer.id, member_id=member_id)
    reviews = services.market.reviews_of(
        slug, member_id=member_id, viewer=viewer.id, limit=REVIEWS, cursor=cursor
    )
    authors = services.auth.names(r.author_id for r in reviews.items)
    histories = services.history.histories(slug, viewer_id=viewer.id, member_id=member_id)
    return render(
        request,
        "profile/member.html",
        {
            **context,
            "profile": profile,
            "reviews": reviews,
            "authors": authors,
            "cursor": cursor,
            "is_me": member_id == viewer.id,
            "histories": histories,  # verified histories brought from other collectives
        },
    )
