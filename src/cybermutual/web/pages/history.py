"""Portable history: download one's signed history, bring one from another collective (when
joining, or later), and see newcomers' verified histories."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import File, Request, UploadFile
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError, InvalidValue
from cybermutual.domain.history_export import MAX_EXPORT_BYTES
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.container import Services
from cybermutual.web.pages.context import collective_context
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
ExportFile = Annotated[UploadFile | None, File()]


def read_export(upload: UploadFile | None) -> Any:
    """The JSON of an uploaded export (``invalid_value`` on the ``export`` field otherwise)."""
    if upload is None or not upload.filename:
        raise InvalidValue("choose the export file (JSON) to attach", field="export")
    raw = upload.file.read(MAX_EXPORT_BYTES + 1)
    if len(raw) > MAX_EXPORT_BYTES:
        raise InvalidValue("this file is larger than a history export can be", field="export")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidValue(
            "this file is not a history export (JSON): download it again from your other "
            "collective's wallet",
            field="export",
        ) from exc


def _page_context(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "home")
    membership = context["membership"]
    histories = (
        services.history.histories(slug, viewer_id=viewer.id, member_id=viewer.id)
        if membership is not None
        else []
    )
    can_download = membership is not None and membership.status is not MembershipStatus.PENDING
    return {
        **context,
        "histories": histories,
        "own": services.history.summary(slug, member_id=viewer.id) if can_download else None,
        "can_download": can_download,
        "can_attach": membership is not None and not membership.has_departed,
    }


@router.get("/c/{slug}/history")
def history_page(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    """Take one's history along (downloads), and the histories one brought here."""
    return render(request, "history/history.html", _page_context(services, slug, viewer))


@router.post("/c/{slug}/history")
def attach(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    export: ExportFile = None,
) -> Response:
    """Verify an export from another collective and show it to members here."""
    try:
        history = services.history.attach(
            slug, member_id=viewer.id, document=read_export(export), here=str(request.base_url)
        )
    except DomainError as error:
        return refused(
            request, "history/history.html", error, _page_context(services, slug, viewer)
        )
    return see_other(
        f"/c/{slug}/history",
        flash=f"Verified: your history at {history.issuer_name} is signed by it. "
        "Members here now see it.",
    )


@router.get("/c/{slug}/history.json")
def download_json(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    """One's history here, signed by the collective (to bring to another)."""
    envelope = services.history.export(
        slug, member_id=viewer.id, base_url=services.history.base_url(str(request.base_url))
    )
    return Response(
        json.dumps(envelope.as_json(), ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{slug}-history.json"'},
    )


@router.get("/c/{slug}/history.csv")
def download_csv(slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    """One's history here as CSV, with the collective's signature of it in the headers."""
    text, signed = services.history.signed_csv(slug, member_id=viewer.id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-history.csv"',
            "Signature-Key-Id": signed.key_id,
            "Signature": signed.signature,
        },
    )


def _newcomers_context(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "home")
    return {**context, "applicants": services.history.applicants(slug, viewer_id=viewer.id)}


@router.get("/c/{slug}/newcomers")
def newcomers(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    """Who asks to join, with the histories they brought, verified (for members)."""
    return render(request, "history/newcomers.html", _newcomers_context(services, slug, viewer))


@router.post("/c/{slug}/newcomers/{member_id}/approve")
def approve(
    request: Request, slug: str, member_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    try:
        membership = services.collectives.approve(slug, approver_id=viewer.id, member_id=member_id)
    except DomainError as error:
        return refused(
            request, "history/newcomers.html", error, _newcomers_context(services, slug, viewer)
        )
    name = services.auth.names([member_id]).get(member_id, "They")
    if membership.status is MembershipStatus.ACTIVE:
        return see_other(f"/c/{slug}/newcomers", flash=f"{name} is a member now.")
    return see_other(
        f"/c/{slug}/newcomers", flash=f"You approved {name}; more approvals are needed."
    )
