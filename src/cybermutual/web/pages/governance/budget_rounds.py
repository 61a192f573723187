"""Budget rounds: open ones (propose a project, approve the ones you want), closed ones with
their result explained (which projects won, and why)."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from fractions import Fraction
from typing import Any

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from cybermutual.domain.errors import DomainError
from cybermutual.domain.governance.budget_rounds import RoundStatus
from cybermutual.services.budget_rounds import ResultView
from cybermutual.services.container import Services
from cybermutual.web import forms
from cybermutual.web.pages.governance.common import section
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
ROUNDS_PAGE = 30
APPROVE_PREFIX = "approve."
ROUND_DAYS: tuple[tuple[str, str], ...] = (
    ("3", "3 days"),
    ("7", "1 week"),
    ("14", "2 weeks"),
    ("30", "30 days"),
)
RULES: tuple[tuple[str, str], ...] = (
    ("equal_shares", "Equal shares"),
    ("greedy", "Most approvals first"),
)
OPEN_DEFAULTS = {"title": "", "budget": "", "rule": "equal_shares", "days": "14", "pabulib": ""}
PROJECT_DEFAULTS = {"name": "", "cost": "", "description": "", "service_id": ""}


def _rounds_context(
    services: Services, slug: str, viewer: Viewer, values: dict[str, str], cursor: str | None
) -> dict[str, Any]:
    context = section(services, slug, viewer, values=values, rules=RULES, round_days=ROUND_DAYS)
    open_rounds = services.budget_rounds.rounds(
        slug, viewer=viewer.id, status=RoundStatus.OPEN, limit=200
    )
    everything = services.budget_rounds.rounds(
        slug, viewer=viewer.id, limit=ROUNDS_PAGE, cursor=cursor
    )
    context.update(
        open_rounds=open_rounds.items,
        past_rounds=[r for r in everything.items if r.round.status is not RoundStatus.OPEN],
        next_cursor=everything.next_cursor,
        open_to_members=context["collective"].charter.budget_rounds_open_to == "members",
    )
    return context


@router.get("/c/{slug}/governance/rounds")
def rounds(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    cursor: str | None = None,
) -> Response:
    try:
        context = _rounds_context(services, slug, viewer, dict(OPEN_DEFAULTS), cursor)
    except DomainError as error:
        context = section(services, slug, viewer, open_rounds=[], past_rounds=[])
        return refused(request, "governance/rounds.html", error, context)
    return render(request, "governance/rounds.html", context)


@router.post("/c/{slug}/governance/rounds")
def open_round(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    """A member opens a round (where the charter lets members do so)."""
    values = {**OPEN_DEFAULTS, **form}
    try:
        currency = services.collectives.profile(slug).collective.currency
        days = forms.whole(values["days"], field="days", low=1, high=89)
        view = services.budget_rounds.open(
            slug,
            opener=viewer.id,
            title=values["title"],
            budget=forms.amount(currency, values["budget"], field="budget"),
            rule=values["rule"],
            closes_at=services.clock.now() + timedelta(days=days),
        )
    except DomainError as error:
        context = _rounds_context(services, slug, viewer, values, None)
        return refused(request, "governance/rounds.html", error, context)
    return see_other(
        f"/c/{slug}/governance/rounds/{view.round.id}",
        flash="The round is open: members can now propose projects and approve them.",
    )


@router.post("/c/{slug}/governance/rounds/import")
def import_round(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    """A Pabulib file, pasted, stored as a closed round decided at once (for study)."""
    values = {**OPEN_DEFAULTS, **form}
    try:
        view = services.budget_rounds.import_pabulib(
            slug, importer=viewer.id, text=values["pabulib"]
        )
    except DomainError as error:
        if error.code == "invalid_value":  # whatever is wrong is in the file: say so beside it
            error.context.setdefault("field", "pabulib")
        context = _rounds_context(services, slug, viewer, values, None)
        return refused(request, "governance/rounds.html", error, context)
    return see_other(
        f"/c/{slug}/governance/rounds/{view.round.id}",
        flash="The file is decided: its result is below. An imported round moves no money.",
    )


def _round_context(
    services: Services, slug: str, viewer: Viewer, round_id: str, values: dict[str, str]
) -> dict[str, Any]:
    view = services.budget_rounds.round(slug, viewer=viewer.id, round_id=round_id)
    context = section(services, slug, viewer)
    result = None
    if view.round.status is RoundStatus.CLOSED:
        result = services.budget_rounds.result(slug, viewer=viewer.id, round_id=round_id)
    service_names: dict[str, str] = {}
    active_services: list[Any] = []
    with suppress(DomainError):
        listed = services.public_services.services(slug, viewer=viewer.id, limit=200)
        service_names = {s.service.id: s.service.name for s in listed.items}
        active_services = [s.service for s in listed.items if s.service.status.value == "active"]
    projects = {p.id: p for p in view.projects}
    context.update(_result_figures(result, projects))
    context.update(
        rv=view,
        r=view.round,
        result=result,
        projects_by_id=projects,
        service_names=service_names,
        service_choices=[("", "No public service")] + [(s.id, s.name) for s in active_services],
        values={**PROJECT_DEFAULTS, **values},
        approved=set(view.my_ballot or []),
    )
    return context


def _result_figures(result: ResultView | None, projects: dict[str, Any]) -> dict[str, Any]:
    """The result's exact shares (fractions of a minor unit) rounded for display."""
    if result is None:
        return {"share_minor": None, "my_paid": None, "my_total": None, "verdicts": []}
    share = result.result.get("share")
    order = {project: i for i, project in enumerate(result.result.get("selected", []))}
    verdicts = sorted(
        (
            {
                **v,
                "price_minor": _minor(v["price_per_supporter"])
                if v.get("price_per_supporter")
                else None,
                "remaining_minor": _minor(v["supporters_remaining"])
                if v.get("supporters_remaining")
                else None,
            }
            for v in result.result.get("projects", [])
        ),
        key=lambda v: (order.get(v["id"], len(order)), -v["approvals"]),
    )
    mine = result.my_share
    paid = None
    if mine is not None:
        paid = [
            (projects[p["project"]].name if p["project"] in projects else "", _minor(p["amount"]))
            for p in mine.get("paid", [])
        ]
    return {
        "share_minor": None if share is None else _minor(share),
        "my_paid": paid,
        "my_total": None if mine is None else _minor(mine.get("total_paid", "0")),
        "verdicts": verdicts,
    }


def _minor(fraction: str) -> int:
    return round(Fraction(fraction))


@router.get("/c/{slug}/governance/rounds/{round_id}")
def budget_round(
    request: Request, slug: str, round_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    context = _round_context(services, slug, viewer, round_id, {})
    return render(request, "governance/round.html", context)


@router.get("/c/{slug}/governance/rounds/{round_id}/pabulib")
def export_round(
    request: Request, slug: str, round_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    """A closed round as a Pabulib file (voters numbered, never named)."""
    try:
        text = services.budget_rounds.export_pabulib(slug, viewer=viewer.id, round_id=round_id)
    except DomainError as error:
        return _refused(request, services, slug, viewer, round_id, error)
    return PlainTextResponse(
        text,
        headers={"Content-Disposition": f'attachment; filename="round-{round_id}.pb"'},
    )


def _refused(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    round_id: str,
    error: DomainError,
    values: dict[str, str] | None = None,
) -> Response:
    context = _round_context(services, slug, viewer, round_id, values or {})
    return refused(request, "governance/round.html", error, context)


@router.post("/c/{slug}/governance/rounds/{round_id}/projects")
def propose_project(
    request: Request,
    slug: str,
    round_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    values = {**PROJECT_DEFAULTS, **form}
    try:
        currency = services.collectives.profile(slug).collective.currency
        project = services.budget_rounds.propose_project(
            slug,
            proposer=viewer.id,
            round_id=round_id,
            name=values["name"],
            cost=forms.amount(currency, values["cost"], field="cost"),
            description=values["description"],
            service_id=values["service_id"] or None,
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, round_id, error, values)
    return see_other(
        f"/c/{slug}/governance/rounds/{round_id}",
        flash=f"'{project.name}' is on the ballot.",
    )


@router.post("/c/{slug}/governance/rounds/{round_id}/ballot")
def ballot(
    request: Request,
    slug: str,
    round_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    approve = [key.removeprefix(APPROVE_PREFIX) for key in form if key.startswith(APPROVE_PREFIX)]
    try:
        cast = services.budget_rounds.vote(
            slug, voter=viewer.id, round_id=round_id, approve=approve
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, round_id, error)
    approved = len(cast.approve)
    said = (
        f"Your ballot approves {approved} project{'' if approved == 1 else 's'}. You can change "
        "it until the round closes."
        if cast.approve
        else "Your ballot is withdrawn: you approve nothing in this round."
    )
    return see_other(f"/c/{slug}/governance/rounds/{round_id}", flash=said)


@router.post("/c/{slug}/governance/rounds/{round_id}/cancel")
def cancel(
    request: Request, slug: str, round_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    try:
        services.budget_rounds.cancel(slug, actor=viewer.id, round_id=round_id)
    except DomainError as error:
        return _refused(request, services, slug, viewer, round_id, error)
    return see_other(f"/c/{slug}/governance/rounds/{round_id}", flash="The round is cancelled.")
