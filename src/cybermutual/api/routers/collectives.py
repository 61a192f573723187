"""Collectives: start one, the public directory, join, approve, leave, members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import Limit
from cybermutual.api.schemas import (
    CharterPublic,
    CollectiveCreate,
    CollectivePublic,
    CurrencyPublic,
    DeparturePublic,
    MemberPublic,
    MembershipPublic,
    PagePublic,
    StatsPublic,
)
from cybermutual.api.schemas_export import JoinCreate
from cybermutual.domain.collective import (
    Admission,
    CapitalMode,
    Charter,
    MarketVisibility,
    decimal_of,
)
from cybermutual.domain.membership import Membership, MembershipStatus
from cybermutual.domain.money import Currency
from cybermutual.domain.money_rules import CreditLimitRule
from cybermutual.services.collectives import CollectiveProfile

router = APIRouter(tags=["collectives"], route_class=NamedRoute)


def collective_public(profile: CollectiveProfile) -> CollectivePublic:
    c, s = profile.collective, profile.stats
    return CollectivePublic(
        slug=c.slug,
        name=c.name,
        currency=CurrencyPublic(
            code=c.currency.code, name=c.currency.name, decimals=c.currency.decimals
        ),
        charter=CharterPublic(
            default_credit_limit=c.charter.default_credit_limit,
            admission=c.charter.admission.value,
            levy_rate=str(c.charter.levy_rate),
            capital_mode=c.charter.capital_mode.value,
            quorum=str(c.charter.quorum),
            threshold=str(c.charter.threshold),
            supermajority=str(c.charter.supermajority),
            approvals_needed=c.charter.approvals_needed,
            claim_confirm_days=c.charter.claim_confirm_days,
            basic_income=c.charter.basic_income,
            basic_income_period=c.charter.basic_income_period,
            text=c.charter.text,
            market_visibility=c.charter.visibility.value,
            max_round_horizon_days=c.charter.max_round_horizon_days,
            budget_rounds_open_to=c.charter.budget_rounds_open_to,
            allocation_budgets=c.charter.allocation_budgets,
            allocation_productivity_weight=str(c.charter.allocation_productivity_weight),
            credit_limit_rule=c.charter.credit_limit_rule.value,
            credit_limit_multiple=str(c.charter.credit_limit_multiple),
            credit_limit_weeks=c.charter.credit_limit_weeks,
            credit_limit_floor=c.charter.credit_limit_floor,
            credit_limit_cap=c.charter.credit_limit_cap,
            demurrage_rate=str(c.charter.demurrage_rate),
            demurrage_threshold=c.charter.demurrage_threshold,
            dormant_weeks=c.charter.dormant_weeks,
            dormant_grace_weeks=c.charter.dormant_grace_weeks,
        ),
        created_at=c.created_at,
        stats=StatsPublic(
            active_members=s.active_members,
            posted_transfers=s.posted_transfers,
            volume=s.volume,
            volume_30d=s.volume_30d,
            commons_fund=s.commons_fund,
            last_activity=s.last_activity,
            demurrage=s.demurrage,
            written_off=s.written_off,
        ),
    )


def membership_public(slug: str, m: Membership) -> MembershipPublic:
    return MembershipPublic(
        collective=slug,
        member_id=m.member_id,
        status=m.status.value,
        joined_at=m.joined_at,
        left_at=m.left_at,
    )


@router.post("/collectives", status_code=status.HTTP_201_CREATED, response_model=CollectivePublic)
def create_collective(
    body: CollectiveCreate, person: CurrentMember, services: ServicesDep
) -> CollectivePublic:
    """Start a collective; you become its first member."""
    collective = services.collectives.create(
        founder_id=person.id,
        slug=body.slug,
        name=body.name,
        currency=Currency(body.currency.code, body.currency.name, body.currency.decimals),
        charter=Charter(
            default_credit_limit=body.charter.default_credit_limit,
            admission=Admission(body.charter.admission),
            levy_rate=decimal_of(body.charter.levy_rate, "charter.levy_rate"),
            capital_mode=CapitalMode(body.charter.capital_mode),
            quorum=decimal_of(body.charter.quorum, "charter.quorum"),
            threshold=decimal_of(body.charter.threshold, "charter.threshold"),
            supermajority=decimal_of(body.charter.supermajority, "charter.supermajority"),
            approvals_needed=body.charter.approvals_needed,
            claim_confirm_days=body.charter.claim_confirm_days,
            basic_income=body.charter.basic_income,
            basic_income_period=body.charter.basic_income_period,
            text=body.charter.text,
            market_visibility=None
            if body.charter.market_visibility is None
            else MarketVisibility(body.charter.market_visibility),
            max_round_horizon_days=body.charter.max_round_horizon_days,
            budget_rounds_open_to=body.charter.budget_rounds_open_to,
            allocation_budgets=body.charter.allocation_budgets,
            allocation_productivity_weight=decimal_of(
                body.charter.allocation_productivity_weight,
                "charter.allocation_productivity_weight",
            ),
            credit_limit_rule=CreditLimitRule(body.charter.credit_limit_rule),
            credit_limit_multiple=decimal_of(
                body.charter.credit_limit_multiple, "charter.credit_limit_multiple"
            ),
            credit_limit_weeks=body.charter.credit_limit_weeks,
            credit_limit_floor=body.charter.credit_limit_floor,
            credit_limit_cap=body.charter.credit_limit_cap,
            demurrage_rate=decimal_of(body.charter.demurrage_rate, "charter.demurrage_rate"),
            demurrage_threshold=body.charter.demurrage_threshold,
            dormant_weeks=body.charter.dormant_weeks,
            dormant_grace_weeks=body.charter.dormant_grace_weeks,
        ),
    )
    return collective_public(services.collectives.profile(collective.slug))


@router.get("/collectives", response_model=PagePublic[CollectivePublic])
def directory(
    services: ServicesDep, limit: Limit = 50, cursor: str | None = None
) -> PagePublic[CollectivePublic]:
    """The public directory: every collective with its aggregate figures."""
    page = services.collectives.directory(limit=limit, cursor=cursor)
    return PagePublic(
        items=[collective_public(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.get("/collectives/{slug}", response_model=CollectivePublic)
def collective(slug: str, services: ServicesDep) -> CollectivePublic:
    return collective_public(services.collectives.profile(slug))


@router.post(
    "/collectives/{slug}/memberships",
    status_code=status.HTTP_201_CREATED,
    response_model=MembershipPublic,
    responses={202: {"description": "pending: the collective admits by approval"}},
)
def join(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    response: Response,
    request: Request,
    body: JoinCreate | None = None,
) -> MembershipPublic:
    """Join (or rejoin, with the same account). Pending (202) where admission needs approval.

    Optionally send ``{"export": ...}``: your signed history from another collective. It is
    verified first (``signature_invalid``, ``unknown_key``, ``export_not_yours`` refuse the
    whole request) and members then see your verified reputation."""
    verified = (
        services.history.verify(body.export, here=str(request.base_url))
        if body is not None and body.export is not None
        else None
    )
    membership = services.collectives.join(slug, member_id=person.id, history=verified)
    if membership.status is MembershipStatus.PENDING:
        response.status_code = status.HTTP_202_ACCEPTED
    return membership_public(slug, membership)


@router.get("/collectives/{slug}/memberships", response_model=PagePublic[MemberPublic])
def members(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    status_: Annotated[MembershipStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[MemberPublic]:
    """Members of the collective (members only); ``?status=pending`` lists who waits."""
    page = services.collectives.members(
        slug, viewer_id=person.id, status=status_, limit=limit, cursor=cursor
    )
    return PagePublic(
        items=[
            MemberPublic(
                member_id=m.member_id,
                display_name=p.display_name,
                status=m.status.value,
                joined_at=m.joined_at,
            )
            for m, p in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.get("/collectives/{slug}/memberships/me", response_model=MembershipPublic)
def my_membership(slug: str, person: CurrentMember, services: ServicesDep) -> MembershipPublic:
    membership = services.collectives.own_membership(slug, member_id=person.id)
    return membership_public(slug, membership)


@router.post("/collectives/{slug}/memberships/{member_id}/approve", response_model=MembershipPublic)
def approve(
    slug: str, member_id: str, person: CurrentMember, services: ServicesDep
) -> MembershipPublic:
    """An active member admits someone who asked to join."""
    membership = services.collectives.approve(slug, approver_id=person.id, member_id=member_id)
    return membership_public(slug, membership)


@router.delete("/collectives/{slug}/memberships/me", response_model=DeparturePublic)
def leave(slug: str, person: CurrentMember, services: ServicesDep) -> DeparturePublic:
    """Leave once your balance is not negative and nothing is held; you keep your account.

    Your open listings are closed and open quotes and task applications withdrawn;
    ``warnings`` says what your leaving leaves undone.
    """
    departure = services.collectives.leave(slug, member_id=person.id)
    return DeparturePublic(
        **membership_public(slug, departure.membership).model_dump(),
        listings_closed=list(departure.listings_closed),
        quotes_withdrawn=departure.quotes_withdrawn,
        applications_withdrawn=departure.applications_withdrawn,
        warnings=list(departure.warnings),
    )
