"""A co-operative's own governance: its proposals (opened here, each read and voted on at its
page in Governance, like any proposal) and its invitations to join, answered by the member."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.enterprise.kinds import Role
from cybermutual.domain.errors import DomainError, InvalidValue
from cybermutual.services.container import Services
from cybermutual.web import forms
from cybermutual.web.pages.enterprises.common import METRIC_WORDS, ROLE_WORDS, enterprise_context
from cybermutual.web.pages.governance.common import members, time_left
from cybermutual.web.pages.governance.proposal_forms import VOTING_PERIODS
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()

#: What a co-operative's worker-owners may propose here (admission comes by invitation).
KINDS: tuple[tuple[str, str], ...] = (
    ("set_merit_metric", "Merit metric: how the surplus is shared"),
    ("set_reserve_share", "Reserve share: kept of each surplus"),
    ("set_wage_rates", "Wage rates by role"),
    ("remove_worker_owner", "Remove a worker-owner"),
    ("resolution", "Resolution: a decision recorded, with no automatic effect"),
)
KIND_KEYS = frozenset(key for key, _ in KINDS)
RATE_ROLES = (Role.WORKER_OWNER, Role.MANAGER, Role.EMPLOYEE)
DEFAULTS = {
    "kind": "",
    "title": "",
    "body": "",
    "voting_hours": "168",
    "params.metric": "hours",
    "params.mix.hours": "1",
    "params.mix.productivity": "0",
    "params.mix.ratings": "0",
    "params.share": "",
    "params.member": "",
    **{f"params.rates.{r.value}": "" for r in RATE_ROLES},
    "member": "",
    "message": "",
}
FIELDS = tuple(DEFAULTS)


def _context(
    services: Services, slug: str, viewer: Viewer, eid: str, values: dict[str, str]
) -> dict[str, Any]:
    context = enterprise_context(services, slug, viewer, eid, values=values)
    listed = services.proposals.proposals(slug, viewer=viewer.id, enterprise_id=eid, limit=50)
    invitations = services.coop.invitations(slug, enterprise_id=eid, viewer=viewer.id)
    owners = {p.member_id for p in context["view"].people if p.role is Role.WORKER_OWNER}
    everyone = members(services, slug, viewer)
    context.update(
        proposals=listed.items,
        invitations=invitations,
        kinds=KINDS,
        kind_label=dict(KINDS).get(values.get("kind", ""), ""),
        metric_choices=list(METRIC_WORDS.items()),
        rate_roles=[(r.value, ROLE_WORDS[r.value]) for r in RATE_ROLES],
        owner_choices=[("", "Choose a worker-owner")]
        + [(i, n) for i, n in everyone if i in owners],
        invite_choices=[("", "Choose a member")] + [(i, n) for i, n in everyone if i not in owners],
        voting_periods=VOTING_PERIODS,
        is_worker_owner=viewer.id in owners,
        time_left=time_left,
        form_fields=FIELDS,
    )
    return context


@router.get("/c/{slug}/enterprises/{eid}/governance")
def governance(
    request: Request,
    slug: str,
    eid: str,
    viewer: MemberDep,
    services: ServicesDep,
    kind: str | None = None,
) -> Response:
    """The co-op's decisions and invitations; ``?kind=`` opens the form for one kind."""
    values = {**DEFAULTS, "kind": kind if kind in KIND_KEYS else ""}
    context = _context(services, slug, viewer, eid, values)
    return render(request, "enterprises/governance.html", context)


def params_of(values: dict[str, str], *, kind: str, currency: Any) -> dict[str, Any]:
    """The proposal's params as the form typed them (the service validates them)."""
    if kind == "set_merit_metric":
        metric = values.get("params.metric", "")
        if metric != "mix":
            return {"metric": metric}
        return {
            "metric": metric,
            "mix": {
                part: forms.whole(
                    values.get(f"params.mix.{part}", "") or "0", field=f"params.mix.{part}",
                    high=1000,
                )
                for part in ("hours", "productivity", "ratings")
            },
        }  # fmt: skip
    if kind == "set_reserve_share":
        share = forms.percent(values.get("params.share", ""), field="params.share")
        return {"share": str(share.normalize() if share else 0)}
    if kind == "set_wage_rates":
        rates = {
            r.value: forms.amount(currency, text, field=f"params.rates.{r.value}", positive=False)
            for r in RATE_ROLES
            if (text := values.get(f"params.rates.{r.value}", "")).strip()
        }
        if not rates:
            raise InvalidValue("give at least one role a new hourly wage", field="params.rates."
                               + RATE_ROLES[0].value)  # fmt: skip
        return {"rates": rates}
    if kind == "remove_worker_owner":
        return {"member": values.get("params.member", "")}
    if kind == "resolution":
        return {}
    raise InvalidValue("choose what the proposal should do", field="kind")


@router.post("/c/{slug}/enterprises/{eid}/governance")
def propose(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {**DEFAULTS, **form}
    try:
        currency = services.collectives.profile(slug).collective.currency
        kind = values.get("kind", "")
        hours = forms.whole(values["voting_hours"], field="voting_hours", low=1, high=90 * 24)
        view = services.proposals.propose(
            slug,
            author=viewer.id,
            kind=kind,
            title=values.get("title", ""),
            body=values.get("body", ""),
            params=params_of(values, kind=kind, currency=currency),
            closes_at=services.clock.now() + timedelta(hours=hours),
            enterprise_id=eid,
        )
    except DomainError as error:
        context = _context(services, slug, viewer, eid, values)
        return refused(request, "enterprises/governance.html", error, context)
    return see_other(
        f"/c/{slug}/governance/{view.proposal.id}",
        flash="Your proposal is open: the worker-owners vote on it, one vote each.",
    )


@router.post("/c/{slug}/enterprises/{eid}/invitations")
def invite(
    request: Request, slug: str, eid: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {**DEFAULTS, "member": form.get("member", ""), "message": form.get("message", "")}
    try:
        if not values["member"]:
            raise InvalidValue("choose whom to invite", field="member")
        made = services.coop.invite(
            slug,
            enterprise_id=eid,
            inviter=viewer.id,
            member=values["member"],
            message=values["message"],
        )
    except DomainError as error:
        context = _context(services, slug, viewer, eid, values)
        return refused(request, "enterprises/governance.html", error, context)
    return see_other(
        f"/c/{slug}/enterprises/{eid}/governance#invitations",
        flash=f"Invited {made.member_name}. When they accept, the worker-owners vote.",
    )


@router.post("/c/{slug}/enterprises/{eid}/invitations/{invitation_id}/{answer}")
def answer(
    request: Request,
    slug: str,
    eid: str,
    invitation_id: str,
    answer: str,
    viewer: MemberDep,
    services: ServicesDep,
) -> Response:
    """The member accepts or declines; a worker-owner withdraws."""
    try:
        if answer == "withdraw":
            services.coop.withdraw(
                slug, enterprise_id=eid, invitation_id=invitation_id, actor=viewer.id
            )
            flash, back = "Invitation withdrawn.", f"/c/{slug}/enterprises/{eid}/governance"
        elif answer in ("accept", "decline"):
            done = services.coop.answer(
                slug,
                enterprise_id=eid,
                invitation_id=invitation_id,
                member=viewer.id,
                accept=answer == "accept",
            )
            if done.invitation.proposal_id:
                flash = f"You accepted. {done.enterprise_name}'s worker-owners are voting."
                back = f"/c/{slug}/governance/{done.invitation.proposal_id}"
            else:
                flash, back = "You declined the invitation.", f"/c/{slug}/enterprises"
        else:
            raise InvalidValue("accept, decline or withdraw", field="answer")
    except DomainError as error:
        context = _context(services, slug, viewer, eid, dict(DEFAULTS))
        return refused(request, "enterprises/governance.html", error, context)
    return see_other(back, flash=flash)
