"""Public services: what the commons fund pays for, providing one, and claims (file, confirm,
reject, withdraw). Who received which service is private: a member sees only their own claims."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError
from cybermutual.services.container import Services
from cybermutual.services.public_services import ClaimView
from cybermutual.web import forms
from cybermutual.web.pages.governance.common import members, section
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
SERVICES_PAGE = 100
CLAIMS_PAGE = 50
CLAIM_ACTIONS = {
    "confirm": "Confirmed: the commons fund pays the provider as soon as the budget allows.",
    "reject": "Rejected: the provider is told, and nothing is paid.",
    "withdraw": "You withdrew your claim.",
}


def _index_context(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    listed = services.public_services.services(slug, viewer=viewer.id, limit=SERVICES_PAGE)
    to_answer: list[tuple[Any, ClaimView]] = []
    for view in listed.items:
        claims = services.public_services.claims(
            slug, viewer=viewer.id, service_id=view.service.id, limit=CLAIMS_PAGE
        )
        to_answer.extend(
            (view.service, c)
            for c in claims.items
            if c.claim.recipient_id == viewer.id and c.claim.status.value == "filed"
        )
    return {"service_views": listed.items, "to_answer": to_answer}


@router.get("/c/{slug}/governance/services")
def services_index(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    context = section(services, slug, viewer, service_views=[], to_answer=[])
    try:
        context.update(_index_context(services, slug, viewer))
    except DomainError as error:
        return refused(request, "governance/services.html", error, context)
    return render(request, "governance/services.html", context)


def _service_context(
    services: Services, slug: str, viewer: Viewer, service_id: str, values: dict[str, str]
) -> dict[str, Any]:
    view = services.public_services.service(slug, viewer=viewer.id, service_id=service_id)
    claims = services.public_services.claims(
        slug, viewer=viewer.id, service_id=service_id, limit=CLAIMS_PAGE
    )
    context = section(services, slug, viewer, others=[])
    if context["is_member"]:
        context["others"] = [(i, n) for i, n in members(services, slug, viewer) if i != viewer.id]
    context.update(
        sv=view,
        service=view.service,
        is_provider=any(member == viewer.id for member, _ in view.providers),
        claims=claims.items,
        values={"recipient": "", "units": "1", "note": "", **values},
        confirm_key=uuid.uuid4().hex,
    )
    return context


@router.get("/c/{slug}/governance/services/{service_id}")
def service(
    request: Request, slug: str, service_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    context = _service_context(services, slug, viewer, service_id, {})
    return render(request, "governance/service.html", context)


def _refused(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    service_id: str,
    error: DomainError,
    values: dict[str, str] | None = None,
) -> Response:
    context = _service_context(services, slug, viewer, service_id, values or {})
    return refused(request, "governance/service.html", error, context)


@router.post("/c/{slug}/governance/services/{service_id}/providers")
def provide(
    request: Request, slug: str, service_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    try:
        view = services.public_services.add_provider(slug, member=viewer.id, service_id=service_id)
    except DomainError as error:
        return _refused(request, services, slug, viewer, service_id, error)
    return see_other(
        f"/c/{slug}/governance/services/{service_id}",
        flash=f"You provide {view.service.name} now: file a claim after each time you serve "
        "someone.",
    )


@router.post("/c/{slug}/governance/services/{service_id}/providers/stop")
def stop_providing(
    request: Request, slug: str, service_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    try:
        services.public_services.remove_provider(slug, member=viewer.id, service_id=service_id)
    except DomainError as error:
        return _refused(request, services, slug, viewer, service_id, error)
    return see_other(
        f"/c/{slug}/governance/services/{service_id}",
        flash="You no longer provide this service. Claims you filed are still answered.",
    )


@router.post("/c/{slug}/governance/services/{service_id}/claims")
def file_claim(
    request: Request,
    slug: str,
    service_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    values = {"recipient": "", "units": "", "note": "", **form}
    try:
        units = forms.whole(values["units"], field="units", low=1, high=1_000_000)
        view = services.public_services.file_claim(
            slug,
            provider=viewer.id,
            service_id=service_id,
            recipient=values["recipient"],
            units=units,
            note=values["note"].strip(),
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, service_id, error, values)
    return see_other(
        f"/c/{slug}/governance/services/{service_id}",
        flash=f"Claim filed: {view.recipient_name} is asked to confirm it.",
    )


@router.post("/c/{slug}/governance/services/{service_id}/claims/{claim_id}/{action}")
def claim_action(
    request: Request,
    slug: str,
    service_id: str,
    claim_id: str,
    action: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Confirm or reject (the recipient), withdraw (the provider)."""
    key = (form.get("idempotency_key") or None) if action == "confirm" else None
    try:
        view = services.public_services.act(
            slug,
            actor=viewer.id,
            claim_id=claim_id,
            action=action,
            idempotency_key=key,
            service_id=service_id,
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, service_id, error)
    said = CLAIM_ACTIONS.get(action, "Done.")
    if view.claim.status.value == "paid":
        said = f"Confirmed: the commons fund paid {view.provider_name}."
    return see_other(f"/c/{slug}/governance/services/{service_id}", flash=said)
