"""Public services: providers, claims, confirmations (paid from the commons fund)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_governance import (
    ClaimCreate,
    ClaimPublic,
    ProviderPublic,
    ServicePublic,
)
from cybermutual.services.public_services import ClaimView, ServiceView

router = APIRouter(tags=["public services"])
Limit = Annotated[int, Query(ge=1, le=200)]
BASE = "/collectives/{slug}/services"


def service_public(view: ServiceView) -> ServicePublic:
    s = view.service
    return ServicePublic(
        id=s.id,
        name=s.name,
        category=s.category,
        rate_per_unit=s.rate_per_unit,
        budget_per_period=s.budget_per_period,
        period=s.period.value,
        status=s.status.value,
        proposal=s.proposal_id,
        created_at=s.created_at,
        ended_at=s.ended_at,
        providers=[ProviderPublic(member=m, member_name=n) for m, n in view.providers],
        period_key=view.period_key,
        spent_this_period=view.spent_this_period,
        budget_this_period=s.budget_per_period + view.raised_this_period,
    )


def claim_public(view: ClaimView) -> ClaimPublic:
    c = view.claim
    return ClaimPublic(
        id=c.id,
        service=c.service_id,
        provider=c.provider_id,
        provider_name=view.provider_name,
        recipient=c.recipient_id,
        recipient_name=view.recipient_name,
        units=c.units,
        amount=c.amount,
        status=c.status.value,
        status_reason=c.status_reason,
        note=c.note,
        filed_at=c.filed_at,
        auto_confirm_at=c.auto_confirm_at,
        confirmed_at=c.confirmed_at,
        paid_at=c.paid_at,
        transfer=c.transfer_id,
    )


@router.get(BASE, response_model=PagePublic[ServicePublic])
def services_(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[ServicePublic]:
    """Services the members voted to fund, newest first, with what each spent this period."""
    page = services.public_services.services(slug, viewer=person.id, limit=limit, cursor=cursor)
    return PagePublic(items=[service_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{BASE}/{{service_id}}", response_model=ServicePublic)
def service(
    slug: str, service_id: str, person: CurrentMember, services: ServicesDep
) -> ServicePublic:
    return service_public(
        services.public_services.service(slug, viewer=person.id, service_id=service_id)
    )


@router.post(
    f"{BASE}/{{service_id}}/providers",
    status_code=status.HTTP_201_CREATED,
    response_model=ServicePublic,
)
def add_provider(
    slug: str, service_id: str, person: CurrentMember, services: ServicesDep
) -> ServicePublic:
    """Offer to provide the service: you may then file claims for what you provide."""
    return service_public(
        services.public_services.add_provider(slug, member=person.id, service_id=service_id)
    )


@router.delete(f"{BASE}/{{service_id}}/providers/me", status_code=status.HTTP_204_NO_CONTENT)
def remove_provider(
    slug: str, service_id: str, person: CurrentMember, services: ServicesDep
) -> Response:
    services.public_services.remove_provider(slug, member=person.id, service_id=service_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    f"{BASE}/{{service_id}}/claims", status_code=status.HTTP_201_CREATED, response_model=ClaimPublic
)
def file_claim(
    slug: str, service_id: str, body: ClaimCreate, person: CurrentMember, services: ServicesDep
) -> ClaimPublic:
    """A provider claims ``units`` of service given to ``recipient``, who then confirms it."""
    return claim_public(
        services.public_services.file_claim(
            slug,
            provider=person.id,
            service_id=service_id,
            recipient=body.recipient,
            units=body.units,
            note=body.note,
        )
    )


@router.get(f"{BASE}/{{service_id}}/claims", response_model=PagePublic[ClaimPublic])
def claims(
    slug: str,
    service_id: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[ClaimPublic]:
    """The claims you filed or received on this service (nobody sees who received what)."""
    page = services.public_services.claims(
        slug, viewer=person.id, service_id=service_id, limit=limit, cursor=cursor
    )
    return PagePublic(items=[claim_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{BASE}/{{service_id}}/claims/{{claim_id}}", response_model=ClaimPublic)
def claim(
    slug: str, service_id: str, claim_id: str, person: CurrentMember, services: ServicesDep
) -> ClaimPublic:
    return claim_public(
        services.public_services.claim(
            slug, viewer=person.id, claim_id=claim_id, service_id=service_id
        )
    )


@router.post(f"{BASE}/{{service_id}}/claims/{{claim_id}}/confirm", response_model=ClaimPublic)
def confirm(
    slug: str,
    service_id: str,
    claim_id: str,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> ClaimPublic:
    """The recipient confirms: the fund pays the provider now if the claim fits the period's
    budget and the fund, or the claim waits (``status_reason``) and is paid when it fits."""
    return claim_public(
        services.public_services.act(
            slug,
            actor=person.id,
            claim_id=claim_id,
            action="confirm",
            idempotency_key=key,
            service_id=service_id,
        )
    )


@router.post(f"{BASE}/{{service_id}}/claims/{{claim_id}}/reject", response_model=ClaimPublic)
def reject(
    slug: str, service_id: str, claim_id: str, person: CurrentMember, services: ServicesDep
) -> ClaimPublic:
    """The recipient says the service was not given as claimed."""
    return claim_public(
        services.public_services.act(
            slug, actor=person.id, claim_id=claim_id, action="reject", service_id=service_id
        )
    )


@router.post(f"{BASE}/{{service_id}}/claims/{{claim_id}}/withdraw", response_model=ClaimPublic)
def withdraw_claim(
    slug: str, service_id: str, claim_id: str, person: CurrentMember, services: ServicesDep
) -> ClaimPublic:
    return claim_public(
        services.public_services.act(
            slug, actor=person.id, claim_id=claim_id, action="withdraw", service_id=service_id
        )
    )
