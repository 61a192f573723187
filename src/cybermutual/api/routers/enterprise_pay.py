"""An enterprise's money: supplier payments, pay periods and their close, payouts, incomes and
the reports (P&L per period, the collective's measures), as JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Response, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.routers.enterprises import CSV, ONE, Format, hours_text
from cybermutual.api.schemas import TransferPublic
from cybermutual.api.schemas_enterprise import (
    FiguresPublic,
    IncomePublic,
    MeasuresPublic,
    PayoutPublic,
    PeriodCreate,
    PeriodPublic,
    RatingCreate,
    SupplierPaymentCreate,
)
from cybermutual.domain.enterprise.pay import PayPeriod
from cybermutual.domain.enterprise.reports import as_decimal
from cybermutual.domain.statement import spreadsheet_text
from cybermutual.services.enterprise_pay import PeriodView
from cybermutual.services.enterprise_ports import Payout

router = APIRouter(tags=["enterprises"], route_class=NamedRoute)


def payout_public(p: Payout) -> PayoutPublic:
    return PayoutPublic(
        id=p.id,
        period=p.period_id,
        member_id=p.member_id,
        kind=p.kind.value,
        amount=p.amount,
        hours=hours_text(p.minutes),
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
            hours=hours_text(s.minutes) or "0",
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
