"""One enterprise: who works there in which role, its account and terms, its capital, its
contracts, hours logged and approved, and its pay periods; a period's P&L with each payout and
why (the merit or shares it was split by); the owner register (owners only)."""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.enterprise.contracts import HoursAction, HoursStatus
from cybermutual.domain.enterprise.kinds import KIND_ROLES, Role
from cybermutual.domain.errors import DomainError, InvalidValue
from cybermutual.services.container import Services
from cybermutual.web import forms
from cybermutual.web.pages.enterprises.common import (
    ROLE_WORDS,
    day,
    day_end,
    enterprise_context,
    new_key,
    people,
)
from cybermutual.web.rendering import money, refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
FORM_FIELDS = (
    "member", "role", "hourly_wage", "contract", "worked_on", "hours", "note", "ends_on",
    "name", "value", "labour_hours_replaced",
)  # fmt: skip


def _page(
    services: Services, slug: str, viewer: Viewer, eid: str, values: dict[str, str] | None = None
) -> dict[str, Any]:
    context = enterprise_context(services, slug, viewer, eid)
    e = context["e"]
    contracts = services.enterprises.contracts(slug, viewer=viewer.id, enterprise_id=eid)
    periods = services.enterprises.periods(slug, viewer=viewer.id, enterprise_id=eid)
    hours = services.enterprises.hours(slug, viewer=viewer.id, enterprise_id=eid, limit=100)
    names = services.auth.names({c.member_id for c in contracts} | {h.member_id for h in hours})
    mine = [c for c in contracts if c.member_id == viewer.id and c.covers(context["now"])]
    context.update(
        contracts=contracts,
        my_contracts=mine,
        contract_choices=[
            (c.id, f"{ROLE_WORDS[c.role.value]}, {money(c.hourly_wage, context['currency'])}/h")
            for c in mine
        ],
        periods=periods,
        open_period=next((p for p in periods if p.status.value == "open"), None),
        pending=[h for h in hours if h.status is HoursStatus.LOGGED],
        my_hours=[h for h in hours if h.member_id == viewer.id][:20],
        names=names,
        capital=services.enterprises.capital(slug, viewer=viewer.id, enterprise_id=eid),
        commons_shares=services.allocation.enterprise_shares(slug, eid, viewer_id=viewer.id),
        member_choices=[("", "Choose a member"), *people(services, slug, viewer)],
        role_choices=[(r.value, ROLE_WORDS[r.value]) for r in Role if r in KIND_ROLES[e.kind]],
        close_key=new_key(),
        values={
            "member": "",
            "role": "employee",
            "hourly_wage": "",
            "contract": mine[0].id if mine else "",
            "worked_on": context["now"].astimezone(viewer.tz).date().isoformat(),
            "hours": "",
            "note": "",
            "ends_on": "",
            "name": "",
            "value": "",
            "labour_hours_replaced": "0",
            **(values or {}),
        },
        form_fields=FORM_FIELDS,
    )
    return context


def _refused(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    eid: str,
    error: DomainError,
    values: dict[str, str],
) -> Response:
    return refused(
        request, "enterprises/enterprise.html", error, _page(services, slug, viewer, eid, values)
    )


@router.get("/c/{slug}/enterprises/{eid}")
def enterprise(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    return render(request, "enterprises/enterprise.html", _page(services, slug, viewer, eid))


@router.post("/c/{slug}/enterprises/{eid}/contracts")
def offer_contract(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {k: form.get(k, "") for k in ("member", "role", "hourly_wage")}
    try:
        currency = services.collectives.profile(slug).collective.currency
        wage = (
            forms.amount(currency, values["hourly_wage"], field="hourly_wage", positive=False)
            if values["hourly_wage"].strip()
            else None
        )
        try:
            role = Role(values["role"])
        except ValueError:
            raise InvalidValue("choose a role", field="role") from None
        if not values["member"]:
            raise InvalidValue("choose who the contract is with", field="member")
        contract = services.enterprises.offer_contract(
            slug, actor=viewer.id, enterprise_id=eid, member=values["member"], hourly_wage=wage,
            role=role,
        )  # fmt: skip
    except DomainError as error:
        return _refused(request, services, slug, viewer, eid, error, values)
    name = services.auth.names([contract.member_id]).get(contract.member_id, "them")
    return see_other(f"/c/{slug}/enterprises/{eid}#contracts", flash=f"Contract with {name} made.")


@router.post("/c/{slug}/enterprises/{eid}/hours")
def log_hours(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {k: form.get(k, "") for k in ("contract", "worked_on", "hours", "note")}
    try:
        try:
            hours = Decimal(values["hours"].strip().replace(",", "."))
        except InvalidOperation:
            raise InvalidValue("give the hours worked, like 7.5", field="hours") from None
        if not hours.is_finite() or not 0 < hours <= 24:
            raise InvalidValue("give the hours worked that day, more than 0 and at most 24",
                               field="hours")  # fmt: skip
        if not values["contract"]:  # the one contract the member holds here, if one
            mine = [
                c
                for c in services.enterprises.contracts(slug, viewer=viewer.id, enterprise_id=eid)
                if c.member_id == viewer.id and c.covers(services.clock.now())
            ]
            if not mine:
                raise InvalidValue("you have no contract here to log hours on", field="contract")
            values["contract"] = mine[0].id
        services.enterprises.log_hours(
            slug,
            member=viewer.id,
            enterprise_id=eid,
            contract_id=values["contract"],
            worked_at=day(values["worked_on"], field="worked_on", viewer=viewer),
            hours=hours,
            note=values["note"],
        )
    except DomainError as error:
        if error.context.get("field") == "worked_at":  # the form asks for the day
            error.context["field"] = "worked_on"
        return _refused(request, services, slug, viewer, eid, error, values)
    return see_other(
        f"/c/{slug}/enterprises/{eid}#hours",
        flash=f"Logged {hours:g} h. Someone who approves hours here will look at them.",
    )


@router.post("/c/{slug}/enterprises/{eid}/hours/{entry_id}/{action}")
def decide_hours(
    request: Request,
    slug: str,
    eid: str,
    entry_id: str,
    action: str,
    viewer: MemberDep,
    services: ServicesDep,
) -> Response:
    try:
        if action not in ("approve", "reject"):
            raise InvalidValue("approve or reject", field="action")
        decided = services.enterprises.decide_hours(
            slug, actor=viewer.id, enterprise_id=eid, entry_id=entry_id, action=HoursAction(action)
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, eid, error, {})
    said = "Approved" if decided.status is HoursStatus.APPROVED else "Rejected"
    return see_other(
        f"/c/{slug}/enterprises/{eid}#hours",
        flash=f"{said} {decided.minutes / 60:g} h. Approved hours are paid when the period closes.",
    )


@router.post("/c/{slug}/enterprises/{eid}/periods")
def open_period(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {"ends_on": form.get("ends_on", "")}
    try:
        period = services.enterprises.open_period(
            slug,
            actor=viewer.id,
            enterprise_id=eid,
            ends_at=day_end(values["ends_on"], field="ends_on", viewer=viewer),
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, eid, error, values)
    return see_other(
        f"/c/{slug}/enterprises/{eid}#periods", flash=f"Pay period {period.seq} is open."
    )


@router.post("/c/{slug}/enterprises/{eid}/periods/{period_id}/close")
def close_period(
    request: Request,
    slug: str,
    eid: str,
    period_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    try:
        key = form.get("key", "")
        if not key:
            raise InvalidValue("this form is out of date: load the page again", field="key")
        closed = services.enterprises.close_period(
            slug, actor=viewer.id, enterprise_id=eid, period_id=period_id, idempotency_key=key
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, eid, error, {})
    paid = sum(p.amount for p in closed.payouts)
    currency = services.collectives.profile(slug).collective.currency
    return see_other(
        f"/c/{slug}/enterprises/{eid}/periods/{period_id}",
        flash=f"Period {closed.period.seq} closed: paid {money(paid, currency)} in wages and "
        "shares.",
    )


@router.post("/c/{slug}/enterprises/{eid}/capital")
def add_capital(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {k: form.get(k, "") for k in ("name", "value", "labour_hours_replaced")}
    try:
        currency = services.collectives.profile(slug).collective.currency
        asset = services.enterprises.add_capital(
            slug,
            actor=viewer.id,
            enterprise_id=eid,
            name=values["name"],
            value=forms.amount(currency, values["value"], field="value", positive=False),
            labour_hours_replaced=forms.whole(
                values["labour_hours_replaced"] or "0", field="labour_hours_replaced",
                high=1_000_000,
            ),
        )  # fmt: skip
    except DomainError as error:
        return _refused(request, services, slug, viewer, eid, error, values)
    return see_other(f"/c/{slug}/enterprises/{eid}#capital", flash=f"Recorded {asset.name}.")


@router.get("/c/{slug}/enterprises/{eid}/periods/{period_id}")
def period(
    request: Request, slug: str, eid: str, period_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    """A period's P&L, each payout and the basis it was split by."""
    context = enterprise_context(services, slug, viewer, eid)
    view = services.enterprises.period(
        slug, viewer=viewer.id, enterprise_id=eid, period_id=period_id
    )
    payouts = view.payouts
    with suppress(DomainError):  # what the viewer may see: everyone's, or only their own
        allowed = services.enterprises.payouts(
            slug, viewer=viewer.id, enterprise_id=eid, period_id=period_id
        )
        payouts = allowed
    names = services.auth.names({p.member_id for p in payouts})
    context.update(p=view.period, payouts=payouts, names=names)
    return render(request, "enterprises/period.html", context)


@router.get("/c/{slug}/enterprises/{eid}/equity")
def equity(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    """The owner register: only owners (a co-operative's worker-owners) see it."""
    context = enterprise_context(services, slug, viewer, eid)
    context["values"] = {"member": "", "shares": "", "vest_start": "", "vest_end": ""}
    context["member_choices"] = [("", "Choose a member"), *people(services, slug, viewer)]
    try:
        context["register"] = services.enterprises.register(
            slug, viewer=viewer.id, enterprise_id=eid
        )
    except DomainError as error:
        return refused(request, "enterprises/equity.html", error, context)
    return render(request, "enterprises/equity.html", context)


@router.post("/c/{slug}/enterprises/{eid}/equity")
def grant(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {k: form.get(k, "") for k in ("member", "shares", "vest_start", "vest_end")}
    try:
        if not values["member"]:
            raise InvalidValue("choose who receives the shares", field="member")
        made = services.enterprises.grant_equity(
            slug,
            actor=viewer.id,
            enterprise_id=eid,
            member=values["member"],
            shares=forms.whole(values["shares"], field="shares", low=1),
            vest_start=(
                day(values["vest_start"], field="vest_start", viewer=viewer)
                if values["vest_start"].strip()
                else None
            ),
            vest_end=(
                day(values["vest_end"], field="vest_end", viewer=viewer)
                if values["vest_end"].strip()
                else None
            ),
        )
    except DomainError as error:
        context = enterprise_context(services, slug, viewer, eid, values=values)
        context["member_choices"] = [("", "Choose a member"), *people(services, slug, viewer)]
        with suppress(DomainError):
            context["register"] = services.enterprises.register(
                slug, viewer=viewer.id, enterprise_id=eid
            )
        return refused(request, "enterprises/equity.html", error, context)
    name = services.auth.names([made.member_id]).get(made.member_id, "them")
    return see_other(
        f"/c/{slug}/enterprises/{eid}/equity", flash=f"Granted {made.shares} shares to {name}."
    )
