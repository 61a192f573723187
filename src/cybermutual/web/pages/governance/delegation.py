"""Delegation (whom I trust with my vote, who trusts me) and the policy history."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError
from cybermutual.domain.governance.kinds import members_named
from cybermutual.services.container import Services
from cybermutual.web.pages.governance.common import members, section
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
POLICIES_PAGE = 30


def _delegation_context(
    services: Services, slug: str, viewer: Viewer, values: dict[str, str]
) -> dict[str, Any]:
    context = section(services, slug, viewer, values=values, delegation=None, others=[])
    if context["is_member"]:
        context["delegation"] = services.votes.delegation(slug, member=viewer.id)
        context["others"] = [(i, n) for i, n in members(services, slug, viewer) if i != viewer.id]
    return context


@router.get("/c/{slug}/governance/delegation")
def delegation(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    context = _delegation_context(services, slug, viewer, {"to": ""})
    return render(request, "governance/delegation.html", context)


@router.post("/c/{slug}/governance/delegation")
def delegate(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    to = form.get("to", "")
    try:
        view = services.votes.delegate(slug, member=viewer.id, to=to)
    except DomainError as error:
        context = _delegation_context(services, slug, viewer, {"to": to})
        return refused(request, "governance/delegation.html", error, context)
    return see_other(
        f"/c/{slug}/governance/delegation",
        flash=f"You delegated your vote to {view.delegate_name}. "
        "Whenever you do not vote yourself, their vote counts for you.",
    )


@router.post("/c/{slug}/governance/delegation/revoke")
def revoke(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    try:
        services.votes.undelegate(slug, member=viewer.id)
    except DomainError as error:
        context = _delegation_context(services, slug, viewer, {"to": ""})
        return refused(request, "governance/delegation.html", error, context)
    return see_other(
        f"/c/{slug}/governance/delegation",
        flash="You no longer delegate your vote: only your own votes count for you.",
    )


@router.get("/c/{slug}/governance/policies")
def policies(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    cursor: str | None = None,
) -> Response:
    """Every passed proposal and what it changed, newest first, with when it took effect."""
    context = section(services, slug, viewer, records=[], next_cursor=None)
    try:
        page = services.proposals.policies(
            slug, viewer=viewer.id, limit=POLICIES_PAGE, cursor=cursor
        )
    except DomainError as error:
        return refused(request, "governance/policies.html", error, context)
    named = (m for _, p in page.items for m in members_named(p.effect))
    context.update(
        records=page.items, next_cursor=page.next_cursor, names=services.auth.names(named)
    )
    return render(request, "governance/policies.html", context)
