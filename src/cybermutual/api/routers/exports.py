"""Federation: a collective's public keys, a member's signed history, and its verification."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response, status
from fastapi.responses import JSONResponse

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.schemas_export import (
    AttachCreate,
    IssuerPublic,
    KeysPublic,
    PublicKeyPublic,
    SignedExport,
    VerifiedHistoryPublic,
)
from cybermutual.domain.history_export import VerifiedHistory
from cybermutual.domain.signing import PublicKey

router = APIRouter(tags=["federation"], route_class=NamedRoute)


def key_public(key: PublicKey) -> PublicKeyPublic:
    return PublicKeyPublic(
        key_id=key.key_id,
        algorithm=key.algorithm,
        public_key=key.public_key,
        fingerprint=key.fingerprint,
        created_at=key.created_at,
        retired_at=key.retired_at,
        current=key.is_current,
    )


def history_public(history: VerifiedHistory) -> VerifiedHistoryPublic:
    s = history.summary
    return VerifiedHistoryPublic(
        issuer=IssuerPublic(
            slug=history.issuer_slug, base_url=history.issuer_base_url, name=history.issuer_name
        ),
        key_id=history.key_id,
        issued_at=history.issued_at,
        verified_at=history.verified_at,
        digest=history.digest,
        member_name=s.member_name,
        status=s.status,
        joined_at=s.joined_at,
        left_at=s.left_at,
        reviews=s.reviews,
        average_milli=s.average_milli,
        score_milli=s.score_milli,
        trades=s.trades,
        turnover=s.turnover,
        currency_code=s.currency_code,
        currency_decimals=s.currency_decimals,
        levies_paid=s.levies_paid,
        paid_to_commons_fund=s.paid_to_commons_fund,
        assets_contributed=s.assets_contributed,
    )


@router.get("/collectives/{slug}/keys", response_model=KeysPublic)
def keys(slug: str, services: ServicesDep) -> KeysPublic:
    """The collective's public signing keys (public: anyone verifies what it signs). Canonical
    JSON, encodings and the signed envelope are described in ``docs/federation.md``."""
    return KeysPublic(collective=slug, keys=[key_public(k) for k in services.keys.keys(slug)])


@router.get(
    "/collectives/{slug}/me/export",
    response_model=SignedExport,
    responses={200: {"content": {"text/csv": {}}}},
)
def my_export(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    request: Request,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    """Your history in this collective, signed by it: postings, reviews received, reputation,
    contributions to the commons, membership dates (leavers keep theirs). ``?format=csv``: the
    postings as CSV, with the collective's signature of those exact bytes in the
    ``Signature-Key-Id`` and ``Signature`` headers."""
    base = services.history.base_url(str(request.base_url))
    if format_ == "csv":
        text, signed = services.history.signed_csv(slug, member_id=person.id)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{slug}-history.csv"',
                "Signature-Key-Id": signed.key_id,
                "Signature": signed.signature,
            },
        )
    envelope = services.history.export(slug, member_id=person.id, base_url=base)
    return JSONResponse(
        envelope.as_json(),
        headers={"Content-Disposition": f'attachment; filename="{slug}-history.json"'},
    )


@router.post("/exports/verify", response_model=VerifiedHistoryPublic)
def verify_export(
    document: Annotated[dict[str, Any], Body(description="a signed history export")],
    person: CurrentMember,
    services: ServicesDep,
    request: Request,
) -> VerifiedHistoryPublic:
    """Check a signed history export against its issuer's public keys (this server's, or
    fetched from the issuer's ``/keys``): what it proves, or ``signature_invalid`` /
    ``unknown_key`` / ``issuer_unreachable``. Nothing is recorded."""
    verification = services.history.verify(document, here=str(request.base_url))
    return history_public(verification.as_history(verified_at=services.clock.now()))


@router.post(
    "/collectives/{slug}/memberships/me/histories",
    status_code=status.HTTP_201_CREATED,
    response_model=VerifiedHistoryPublic,
)
def attach_history(
    slug: str, body: AttachCreate, person: CurrentMember, services: ServicesDep, request: Request
) -> VerifiedHistoryPublic:
    """Attach your signed history from another collective to your membership (or request)
    here: verified, then shown to members (a newer export of the same issuer replaces it)."""
    return history_public(
        services.history.attach(
            slug, member_id=person.id, document=body.export, here=str(request.base_url)
        )
    )


@router.get(
    "/collectives/{slug}/memberships/{member_id}/histories",
    response_model=list[VerifiedHistoryPublic],
)
def member_histories(
    slug: str, member_id: str, person: CurrentMember, services: ServicesDep
) -> list[VerifiedHistoryPublic]:
    """A member's (or applicant's) verified histories from other collectives, newest first
    (members, and the person themselves: ``me``)."""
    member_id = person.id if member_id == "me" else member_id
    return [
        history_public(h)
        for h in services.history.histories(slug, viewer_id=person.id, member_id=member_id)
    ]
