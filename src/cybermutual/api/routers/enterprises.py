"""Enterprises: co-operatives and firms, their roles, contracts, hours, pay periods, payouts,
equity, capital and reports (``services/enterprises.py``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.schemas import PagePublic, TransferPublic
from cybermutual.api.schemas_enterprise import (
    CapitalCreate,
    CapitalPublic,
    ContractCreate,
    ContractPublic,
    EnterpriseCreate,
    EnterprisePublic,
    FiguresPublic,
    GrantCreate,
    GrantPublic,
    HoldingPublic,
    HoursCreate,
    HoursPublic,
    IncomePublic,
    MeasuresPublic,
    MixCreate,
    PayoutPublic,
    PeriodCreate,
    PeriodPublic,
    PersonInRolePublic,
    RatingCreate,
    RegisterPublic,
    RoleCreate,
    SupplierPaymentCreate,
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
from cybermutual.domain.enterprise.pay import Grant, PayPeriod
from cybermutual.domain.enterprise.reports import as_decimal
from cybermutual.domain.statement import spreadsheet_text
from cybermutual.services.enterprise_pay import PeriodView
from cybermutual.services.enterprise_ports import Payout
from cybermutual.services.enterprises import EnterpriseView

router = APIRouter(tags=["enterprises"], route_class=NamedRoute)
Limit = Annotated[int, Query(ge=1, le=200)]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv for a spreadsheet")]
BASE = "/collectives/{slug}/enterprises"
ONE = BASE + "/{enterprise_id}"
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the report (JSON, or CSV)"}
}


def _hours(minutes: int | None) -> str | None:
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
        hours=_hours(h.minutes) or "0",
        minutes=h.minutes,
        note=h.note,
        status=h.status.value,
        logged_at=h.logged_at,
        decided_at=h.decided_at,
        period=h.period_id,
    )


def payout_public(p: Payout) -> PayoutPublic:
    return PayoutPublic(
        id=p.id,
        period=p.period_id,
        member_id=p.member_id,
        kind=p.kind.value,
        amount=p.amount,
        hours=_hours(p.minutes),
        basis=p.basis,
        transfer=p.transfer_id,
        paid_at=p.paid_at,
    )


def period_public(period: PayPeriod, payouts: Sequence[Payout] = ()) -> PeriodPublic:
    f = period.figures
    return PeriodPublic(
        id=period.id,
        seq=period.seq,
        starts_at=period.starts_at,
        ends_at=period.ends_at,
        status=period.status.value,
        closed_at=period.closed_at,
        figures=None
        if f is None
        else FiguresPublic(
            revenue=f.revenue,
            wages=f.wages,
            costs=f.costs,
            result=f.result,
            loss_recovered=f.loss_recovered,
            reserve_added=f.reserve_added,
            reserve_used=f.reserve_used,
            shared=f.shared,
            reserve_after=f.reserve_after,
            loss_carried_after=f.loss_carried_after,
        ),
        payouts=[payout_public(p) for p in payouts],
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


def _csv(filename: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Response:
    """A CSV answer; text cells are escaped so a spreadsheet never runs them as formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [spreadsheet_text(v) if isinstance(v, str) else ("" if v is None else v) for v in row]
        )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
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


@router.post(ONE + "/payments", status_code=status.HTTP_201_CREATED, response_model=TransferPublic)
def pay_supplier(
    slug: str,
    enterprise_id: str,
    body: SupplierPaymentCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> TransferPublic:
    """Pay a member from the enterprise's account (a supplier, inputs, rent): a cost of the
    period. Owners and worker-owners only."""
    transfer, levy = services.enterprises.pay_supplier(
        slug,
        actor=person.id,
        enterprise_id=enterprise_id,
        to=body.to,
        amount=body.amount,
        memo=body.memo,
        idempotency_key=key,
    )
    return TransferPublic(
        id=transfer.id,
        from_=enterprise_id,
        to=body.to,
        amount=transfer.amount,
        memo=transfer.memo,
        status=transfer.status.value,
        kind=transfer.kind.value,
        levy=levy,
        created_at=transfer.created_at,
        settled_at=transfer.settled_at,
    )


# --- pay periods -----------------------------------------------------------------------------


@router.post(ONE + "/periods", status_code=status.HTTP_201_CREATED, response_model=PeriodPublic)
def open_period(
    slug: str, enterprise_id: str, body: PeriodCreate, person: CurrentMember, services: ServicesDep
) -> PeriodPublic:
    """The next pay period, from where the last one ended to ``ends_at``."""
    return period_public(
        services.enterprises.open_period(
            slug, actor=person.id, enterprise_id=enterprise_id, ends_at=body.ends_at
        )
    )


@router.get(ONE + "/periods", response_model=list[PeriodPublic])
def periods(
    slug: str, enterprise_id: str, person: CurrentMember, services: ServicesDep
) -> list[PeriodPublic]:
    found = services.enterprises.periods(slug, viewer=person.id, enterprise_id=enterprise_id)
    return [period_public(p) for p in found]


@router.get(ONE + "/periods/{period_id}", response_model=PeriodPublic)
def period(
    slug: str, enterprise_id: str, period_id: str, person: CurrentMember, services: ServicesDep
) -> PeriodPublic:
    view = services.enterprises.period(
        slug, viewer=person.id, enterprise_id=enterprise_id, period_id=period_id
    )
    return period_public(view.period, view.payouts)


@router.post(ONE + "/periods/{period_id}/close", response_model=PeriodPublic)
def close_period(
    slug: str,
    enterprise_id: str,
    period_id: str,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> PeriodPublic:
    """Close an ended period: pay approved wages, then share the surplus (co-op, by the merit
    metric) or the profit (firm, by vested shares). Closing again pays nothing more."""
    view = services.enterprises.close_period(
        slug,
        actor=person.id,
        enterprise_id=enterprise_id,
        period_id=period_id,
        idempotency_key=key,
    )
    return period_public(view.period, view.payouts)


@router.post(ONE + "/periods/{period_id}/ratings", status_code=status.HTTP_204_NO_CONTENT)
def rate(
    slug: str,
    enterprise_id: str,
    period_id: str,
    body: RatingCreate,
    person: CurrentMember,
    services: ServicesDep,
) -> Response:
    """Rate another worker-owner for the period, 0..10 (the ``peer_ratings`` metric)."""
    services.enterprises.rate(
        slug,
        rater=person.id,
        enterprise_id=enterprise_id,
        period_id=period_id,
        member=body.member,
        score=body.score,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(ONE + "/payouts", response_model=list[PayoutPublic])
def payouts(
    slug: str,
    enterprise_id: str,
    person: CurrentMember,
    services: ServicesDep,
    period: str | None = None,
) -> list[PayoutPublic]:
    """Every payout for those who close periods; your own for anyone else."""
    found = services.enterprises.payouts(
        slug, viewer=person.id, enterprise_id=enterprise_id, period_id=period
    )
    return [payout_public(p) for p in found]


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


# --- incomes and reports ---------------------------------------------------------------------

P_AND_L = (
    "period", "starts_at", "ends_at", "revenue", "wages", "costs", "result",
    "loss_recovered", "reserve_added", "reserve_used", "shared", "reserve_after",
    "loss_carried_after",
)  # fmt: skip


@router.get(ONE + "/reports", response_model=list[PeriodPublic], responses=CSV)
def report(
    slug: str,
    enterprise_id: str,
    person: CurrentMember,
    services: ServicesDep,
    format: Format = "json",
) -> list[PeriodPublic] | Response:
    """The P&L of each closed period (revenue, wages, costs, result, reserve, payouts)."""
    views: list[PeriodView] = services.enterprises.report(
        slug, viewer=person.id, enterprise_id=enterprise_id
    )
    if format == "csv":
        rows = []
        for v in views:
            f = v.period.figures
            assert f is not None
            rows.append(
                [v.period.seq, v.period.starts_at.isoformat(), v.period.ends_at.isoformat()]
                + [f.result if name == "result" else getattr(f, name) for name in P_AND_L[3:]]
            )
        return _csv(f"{enterprise_id}-pnl.csv", P_AND_L, rows)
    return [period_public(v.period, v.payouts) for v in views]


@router.get("/collectives/{slug}/me/income", response_model=list[IncomePublic])
def my_income(slug: str, person: CurrentMember, services: ServicesDep) -> list[IncomePublic]:
    """Each of your income streams: one per enterprise you work for or own part of."""
    return [
        IncomePublic(
            enterprise=s.enterprise_id,
            enterprise_name=s.enterprise_name,
            kind=s.kind.value,
            roles=sorted(r.value for r in s.roles),
            wages=s.wages,
            hours=_hours(s.minutes) or "0",
            shares=s.shares,
            total=s.wages + s.shares,
            last_paid_at=s.last_paid_at,
        )
        for s in services.enterprises.income(slug, member=person.id)
    ]


MEASURES = (
    "since", "until", "enterprises", "wages", "profit_shares", "wage_share", "profit_share",
    "pay_ratio", "income_gini", "workers", "owner_workers", "owner_worker_share",
    "automation_capital", "automation_capital_per_worker",
)  # fmt: skip


@router.get("/collectives/{slug}/enterprise-report", response_model=MeasuresPublic, responses=CSV)
def collective_report(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    since: datetime | None = None,
    until: datetime | None = None,
    format: Format = "json",
) -> MeasuresPublic | Response:
    """Wage share versus profit share, the pay ratio, the Gini of member income, the share of
    workers who are owners, automation capital per worker: over what the collective's
    enterprises paid in ``[since, until)``."""
    found = services.enterprises.collective_report(slug, viewer=person.id, since=since, until=until)
    m = found.measures
    public = MeasuresPublic(
        since=found.since,
        until=found.until,
        enterprises=found.enterprises,
        wages=m.wages,
        profit_shares=m.profit_shares,
        wage_share=as_decimal(m.wage_share),
        profit_share=as_decimal(m.profit_share),
        pay_ratio=as_decimal(m.pay_ratio),
        income_gini=as_decimal(m.income_gini),
        workers=m.workers,
        owner_workers=m.owner_workers,
        owner_worker_share=as_decimal(m.owner_worker_share),
        automation_capital=m.automation_capital,
        automation_capital_per_worker=as_decimal(m.automation_capital_per_worker),
    )
    if format == "csv":
        values = public.model_dump()
        row = [
            v.isoformat() if isinstance(v, datetime) else (str(v) if isinstance(v, Decimal) else v)
            for v in (values[k] for k in MEASURES)
        ]
        return _csv(f"{slug}-enterprise-report.csv", MEASURES, [row])
    return public
