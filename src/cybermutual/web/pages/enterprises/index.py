"""The Enterprises section: the collective's co-operatives and firms, founding one, my income
from each (a dual wage shows as two streams), my invitations to join a co-operative, and the
collective's report (with a CSV)."""

from __future__ import annotations

import csv
import io
from contextlib import suppress
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.enterprise.kinds import EnterpriseKind
from cybermutual.domain.errors import DomainError, InvalidValue
from cybermutual.services.container import Services
from cybermutual.web.pages.enterprises.common import section
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
KINDS = [("cooperative", "Co-operative: its worker-owners own and run it"),
         ("firm", "Firm: owners hold shares, employees earn wages")]  # fmt: skip


def _index(services: Services, slug: str, viewer: Viewer, values: dict[str, str]) -> dict[str, Any]:
    context = section(services, slug, viewer, values=values, kinds=KINDS)
    if not context["membership"]:
        return context
    listed = services.enterprises.enterprises(slug, viewer=viewer.id, limit=200)
    context.update(enterprises=listed.items, income=[], invitations=[])
    with suppress(DomainError):  # someone who left still reads; they have no income stream
        context["income"] = services.enterprises.income(slug, member=viewer.id)
        context["invitations"] = services.coop.invitations_to(slug, member=viewer.id)
    return context


@router.get("/c/{slug}/enterprises")
def index(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    values = {"name": "", "kind": "cooperative", "description": ""}
    return render(request, "enterprises/index.html", _index(services, slug, viewer, values))


@router.post("/c/{slug}/enterprises")
def found(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {k: form.get(k, "") for k in ("name", "kind", "description")}
    try:
        try:
            kind = EnterpriseKind(values["kind"])
        except ValueError:
            raise InvalidValue("choose a co-operative or a firm", field="kind") from None
        view = services.enterprises.create(
            slug,
            founder=viewer.id,
            kind=kind,
            name=values["name"],
            description=values["description"],
        )
    except DomainError as error:
        context = _index(services, slug, viewer, values)
        return refused(request, "enterprises/index.html", error, context)
    return see_other(
        f"/c/{slug}/enterprises/{view.enterprise.id}",
        flash=f"{view.enterprise.name} is founded. Offer contracts so people can log hours.",
    )


def _report(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    found = services.enterprises.collective_report(slug, viewer=viewer.id)
    return section(services, slug, viewer, report=found, m=found.measures)


@router.get("/c/{slug}/enterprises/report")
def report(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    """Wage share against profit share, pay ratio, Gini, owner share, automation per worker."""
    return render(request, "enterprises/report.html", _report(services, slug, viewer))


def decimal_text(value: Fraction | None, places: int = 4) -> str:
    if value is None:
        return ""
    return str(round(Decimal(value.numerator) / Decimal(value.denominator), places))


@router.get("/c/{slug}/enterprises/report.csv")
def report_csv(slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    """The same measures as a spreadsheet row (amounts in minor units, shares as decimals)."""
    found = services.enterprises.collective_report(slug, viewer=viewer.id)
    m = found.measures
    rows = [
        ("enterprises", found.enterprises),
        ("wages", m.wages),
        ("profit_shares", m.profit_shares),
        ("wage_share", decimal_text(m.wage_share)),
        ("profit_share", decimal_text(m.profit_share)),
        ("pay_ratio", decimal_text(m.pay_ratio)),
        ("income_gini", decimal_text(m.income_gini)),
        ("workers", m.workers),
        ("owner_workers", m.owner_workers),
        ("owner_worker_share", decimal_text(m.owner_worker_share)),
        ("automation_capital", m.automation_capital),
        ("automation_capital_per_worker", decimal_text(m.automation_capital_per_worker)),
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _ in rows])
    writer.writerow([value for _, value in rows])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{slug}-enterprises.csv"'},
    )
