"""Enterprises: co-operatives and firms, their roles, contracts, hours, pay periods, payouts,
equity, capital and reports (``services/enterprises.py``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_enterprise import (
    CapitalCreate,
    CapitalPublic,
    ContractCreate,
    ContractPublic,
    EnterpriseCreate,
    EnterprisePublic,
    GrantCreate,
    GrantPublic,
    HoldingPublic,
    HoursCreate,
    HoursPublic,
    MixCreate,
    PersonInRolePublic,
    RegisterPublic,
    RoleCreate,
    TermsUpdate,
)
from cybermutual.domain.enterprise.contracts import Contract, HoursAction, HoursEntry, HoursStatus
from cybermutual.domain.enterprise.kinds import (
    CapitalAsset,
    EnterpriseKind,
    MeritMetric,
    MixWeights,
    Role,
)
from cybermutual.domain.enterprise.pay import Grant
from cybermutual.services.enterprises import EnterpriseView

router = APIRouter(tags=["enterprises"], route_class=NamedRoute)
Limit = Annotated[int, Query(ge=1, le=200)]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv for a spreadsheet")]
BASE = "/collectives/{slug}/enterprises"
ONE = BASE + "/{enterprise_id}"
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the report (JSON, or CSV)"}
}


def hours_text(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize())


def enterprise_public(view: EnterpriseView) -> EnterprisePublic:
    e, a = view.enterprise, view.account
    return EnterprisePublic(
        id=e.id,
        kind=e.kind.value,
        name=e.name,
        description=e.description,
        created_at=e.created_at,
        created_by=e.created_by,
        balance=a.balance,
        available=a.available,
        credit_limit=a.credit_limit,
        reserve=e.reserve,
        loss_carried=e.loss_carried,
        reserve_share=str(e.reserve_share),
        merit_metric=e.merit_metric.value,
        mix=MixCreate(hours=e.mix.hours, productivity=e.mix.productivity, ratings=e.mix.ratings),
        wage_rates={r.value: w for r, w in e.wage_rates},
        people=[
            PersonInRolePublic(member_id=p.member_id, role=p.role.value, since=p.since)
            for p in view.people
        ],
        your_roles=sorted(r.value for r in view.your_roles),
    )


def contract_public(c: Contract) -> ContractPublic:
    return ContractPublic(
        id=c.id,
        enterprise=c.enterprise_id,
        member_id=c.member_id,
        role=c.role.value,
        hourly_wage=c.hourly_wage,
        starts_at=c.starts_at,
        ends_at=c.ends_at,
        created_at=c.created_at,
    )


def hours_public(h: HoursEntry) -> HoursPublic:
    return HoursPublic(
        id=h.id,
        contract=h.contract_id,
        member_id=h.member_id,
        worked_at=h.worked_at,
        hours=hours_text(h.minutes) or "0",
        minutes=h.minutes,
        note=h.note,
        status=h.status.value,
        logged_at=h.logged_at,
        decided_at=h.decided_at,
        period=h.period_id,
    )


def grant_public(g: Grant) -> GrantPublic:
    return GrantPublic(
        id=g.id,
        member_id=g.member_id,
        shares=g.shares,
        granted_at=g.granted_at,
        vest_start=g.vest_start,
        vest_end=g.vest_end,
    )


def capital_public(c: CapitalAsset) -> CapitalPublic:
    return CapitalPublic(
        id=c.id,
        name=c.name,
        value=c.value,
        labour_hours_replaced=c.labour_hours_replaced,
        automation=c.is_automation,
        acquired_at=c.acquired_at,
    )


# --- the enterprise --------------------------------------------------------------------------


@router.post(BASE, status_code=status.HTTP_201_CREATED, response_model=EnterprisePublic)
def create(
    slug: str, body: EnterpriseCreate, person: CurrentMember, services: ServicesDep
) -> EnterprisePublic:
    """Found a co-operative (you and ``cofounders`` are its worker-owners) or a firm (you are
    its owner, holding ``founder_shares``). It gets its own account in the collective."""
    mix = body.mix
    view = services.enterprises.create(
        slug,
        founder=person.id,
        kind=EnterpriseKind(body.kind),
        name=body.name,
        description=body.description,
        cofounders=tuple(body.cofounders),
        founder_shares=body.founder_shares,
        reserve_share=body.reserve_share,
        merit_metric=MeritMetric(body.merit_metric),
        mix=None if mix is None else MixWeights(mix.hours, mix.productivity, mix.ratings),
    )
    return enterprise_public(view)


@router.get(BASE, response_model=PagePublic[EnterprisePublic])
def list_(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[EnterprisePublic]:
    page = services.enterprises.enterprises(slug, viewer=person.id, limit=limit, cursor=cursor)
    return PagePublic(
        items=[enterprise_public(v) for v in page.items], next_cursor=page.next_cursor
    )


@router.get(ONE, response_model=EnterprisePublic)
def one(
    slug: str, enterprise_id: str, person: CurrentMember, services: ServicesDep
) -> EnterprisePublic:
    return enterprise_public(
        services.enterprises.enterprise(slug, viewer=person.id, enterprise_id=enterprise_id)
    )


@router.patch(ONE, response_model=EnterprisePublic)
def change_terms(
    slug: str, enterprise_id: str, body: TermsUpdate, person: CurrentMember, services: ServicesDep
) -> EnterprisePublic:
    """A firm's majority owner sets its wage rates and reserve share (a co-operative's terms
    are decided by its worker-owners' vote)."""
    rates = None if body.wage_rates is None else {Role(r): w for r, w in body.wage_rates.items()}
    return enterprise_public(
        services.enterprises.change_terms(
            slug,
            actor=person.id,
            enterprise_id=enterprise_id,
            wage_rates=rates,
            reserve_share=body.reserve_share,
        )
    )


@router.post(ONE + "/roles", status_code=status.HTTP_201_CREATED, response_model=EnterprisePublic)
def appoint(
    slug: str, enterprise_id: str, body: RoleCreate, person: CurrentMember, services: ServicesDep
) -> EnterprisePublic:
    """Appoint a manager or an employee (owners hold equity; worker-owners are voted in)."""
    return enterprise_public(
        services.enterprises.appoint(
            slug,
            actor=person.id,
            enterprise_id=enterprise_id,
            member=body.member,
            role=Role(body.role),
        )
    )


@router.delete(ONE + "/roles/{role}/{member_id}", response_model=EnterprisePublic)
def dismiss(
    slug: str,
    enterprise_id: str,
    role: Literal["manager", "employee"],
    member_id: str,
    person: CurrentMember,
    services: ServicesDep,
) -> EnterprisePublic:
    return enterprise_public(
        services.enterprises.dismiss(
            slug, actor=person.id, enterprise_id=enterprise_id, member=member_id, role=Role(role)
        )
    )


# --- contracts and hours ---------------------------------------------------------------------


@router.post(ONE + "/contracts", status_code=status.HTTP_201_CREATED, response_model=ContractPublic)
def offer_contract(
    slug: str,
    enterprise_id: str,
    body: ContractCreate,
    person: CurrentMember,
    services: ServicesDep,
) -> ContractPublic:
    """A contract: member, hourly wage (or the enterprise's rate for the role), start, end."""
    return contract_public(
        services.enterprises.offer_contract(
            slug,
            actor=person.id,
            enterprise_id=enterprise_id,
            member=body.member,
            hourly_wage=body.hourly_wage,
            role=None if body.role is None else Role(body.role),
            starts_at=body.starts_at,
            ends_at=body.ends_at,
        )
    )


@router.get(ONE + "/contracts", response_model=list[ContractPublic])
def contracts(
    slug: str, enterprise_id: str, person: CurrentMember, services: ServicesDep
) -> list[ContractPublic]:
    """Every contract, for those who manage them; your own, for anyone else."""
    found = services.enterprises.contracts(slug, viewer=person.id, enterprise_id=enterprise_id)
    return [contract_public(c) for c in found]


@router.post(ONE + "/contracts/{contract_id}/end", response_model=ContractPublic)
def end_contract(
    slug: str, enterprise_id: str, contract_id: str, person: CurrentMember, services: ServicesDep
) -> ContractPublic:
    return contract_public(
        services.enterprises.end_contract(
            slug, actor=person.id, enterprise_id=enterprise_id, contract_id=contract_id
        )
    )


@router.post(ONE + "/hours", status_code=status.HTTP_201_CREATED, response_model=HoursPublic)
def log_hours(
    slug: str, enterprise_id: str, body: HoursCreate, person: CurrentMember, services: ServicesDep
) -> HoursPublic:
    """Log hours worked on your contract; the enterprise approves them."""
    return hours_public(
        services.enterprises.log_hours(
            slug,
            member=person.id,
            enterprise_id=enterprise_id,
            contract_id=body.contract,
            worked_at=body.worked_at,
            hours=body.hours,
            note=body.note,
        )
    )


@router.get(ONE + "/hours", response_model=list[HoursPublic])
def hours(
    slug: str,
    enterprise_id: str,
    person: CurrentMember,
    services: ServicesDep,
    status_: Annotated[
        Literal["logged", "approved", "rejected", "paid"] | None, Query(alias="status")
    ] = None,
    limit: Limit = 200,
) -> list[HoursPublic]:
    """Everyone's hours for those who approve them; your own for anyone else; newest first."""
    found = services.enterprises.hours(
        slug,
        viewer=person.id,
        enterprise_id=enterprise_id,
        status=None if status_ is None else HoursStatus(status_),
        limit=limit,
    )
    return [hours_public(h) for h in found]


@router.post(ONE + "/hours/{entry_id}/{action}", response_model=HoursPublic)
def decide_hours(
    slug: str,
    enterprise_id: str,
    entry_id: str,
    action: Literal["approve", "reject"],
    person: CurrentMember,
    services: ServicesDep,
) -> HoursPublic:
    """Approve or reject logged hours (a manager, an owner or a worker-owner)."""
    return hours_public(
        services.enterprises.decide_hours(
            slug,
            actor=person.id,
            enterprise_id=enterprise_id,
            entry_id=entry_id,
            action=HoursAction(action),
        )
    )


# --- equity and capital ----------------------------------------------------------------------


@router.get(ONE + "/equity", response_model=RegisterPublic)
def equity(
    slug: str, enterprise_id: str, person: CurrentMember, services: ServicesDep
) -> RegisterPublic:
    """The owner register: only the owners (a co-op's worker-owners) see it."""
    found = services.enterprises.register(slug, viewer=person.id, enterprise_id=enterprise_id)
    return RegisterPublic(
        holdings=[
            HoldingPublic(member_id=h.member_id, shares=h.shares, vested=h.vested)
            for h in found.holdings
        ],
        grants=[grant_public(g) for g in found.grants],
        total_vested=found.total_vested,
    )


@router.post(ONE + "/equity", status_code=status.HTTP_201_CREATED, response_model=GrantPublic)
def grant(
    slug: str, enterprise_id: str, body: GrantCreate, person: CurrentMember, services: ServicesDep
) -> GrantPublic:
    """A firm's owner grants shares (to an employee, say), vesting from ``vest_start`` to
    ``vest_end``; vested shares are paid dividends at each period close."""
    return grant_public(
        services.enterprises.grant_equity(
            slug,
            actor=person.id,
            enterprise_id=enterprise_id,
            member=body.member,
            shares=body.shares,
            vest_start=body.vest_start,
            vest_end=body.vest_end,
        )
    )


@router.post(ONE + "/capital", status_code=status.HTTP_201_CREATED, response_model=CapitalPublic)
def add_capital(
    slug: str, enterprise_id: str, body: CapitalCreate, person: CurrentMember, services: ServicesDep
) -> CapitalPublic:
    """Record capital the enterprise owns (``private`` and ``mixed`` collectives only);
    ``labour_hours_replaced`` > 0 marks automation."""
    return capital_public(
        services.enterprises.add_capital(
            slug,
            actor=person.id,
            enterprise_id=enterprise_id,
            name=body.name,
            value=body.value,
            labour_hours_replaced=body.labour_hours_replaced,
        )
    )


@router.get(ONE + "/capital", response_model=list[CapitalPublic])
def capital(
    slug: str, enterprise_id: str, person: CurrentMember, services: ServicesDep
) -> list[CapitalPublic]:
    found = services.enterprises.capital(slug, viewer=person.id, enterprise_id=enterprise_id)
    return [capital_public(c) for c in found]
