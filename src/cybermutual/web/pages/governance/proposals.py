"""Proposals: the governance overview, a new proposal, one proposal with its estimate, its
discussion and the vote, and (once decided) its result explained."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import BackgroundTasks, Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError
from cybermutual.domain.governance.kinds import ProposalKind, members_named
from cybermutual.domain.governance.proposals import Proposal, ProposalStatus
from cybermutual.domain.governance.public_services import ServiceStatus
from cybermutual.services.container import Services
from cybermutual.web.pages.governance import proposal_forms
from cybermutual.web.pages.governance.common import members, section
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
DECIDED_PAGE = 20
COMMENTS_PAGE = 50
CHOICE_WORDS = {"yes": "yes", "no": "no", "abstain": "to abstain"}


def _overview(services: Services, slug: str, viewer: Viewer, cursor: str | None) -> dict[str, Any]:
    """Open proposals, then decided ones, and the viewer's delegation (for the side panel)."""
    open_ = services.proposals.proposals(
        slug, viewer=viewer.id, status=ProposalStatus.OPEN, limit=200
    )
    everything = services.proposals.proposals(
        slug, viewer=viewer.id, limit=DECIDED_PAGE, cursor=cursor
    )
    delegation = None
    with suppress(DomainError):  # someone who left reads the history but delegates no more
        delegation = services.votes.delegation(slug, member=viewer.id)
    shown = [*open_.items, *everything.items]
    return {
        **_named_in(services, slug, viewer, [v.proposal for v in shown]),
        "open_proposals": open_.items,
        "decided": [v for v in everything.items if v.proposal.status is not ProposalStatus.OPEN],
        "next_cursor": everything.next_cursor,
        "delegation": delegation,
    }


@router.get("/c/{slug}/governance")
def overview(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    cursor: str | None = None,
) -> Response:
    context = section(services, slug, viewer)
    try:
        context.update(_overview(services, slug, viewer, cursor))
    except DomainError as error:  # not a member: what governance is, and the way in
        return refused(request, "governance/index.html", error, context)
    return render(request, "governance/index.html", context)


def _form_context(
    services: Services, slug: str, viewer: Viewer, kind: str | None, values: dict[str, str]
) -> dict[str, Any]:
    context = section(services, slug, viewer)
    chosen = next((k for k in proposal_forms.KINDS if k.key == kind), None)
    context.update(
        kinds=proposal_forms.KINDS,
        kind=chosen,
        values=values,
        voting_periods=proposal_forms.VOTING_PERIODS,
        round_periods=proposal_forms.ROUND_PERIODS,
    )
    if chosen is not None and context["is_member"]:
        people = members(services, slug, viewer)
        context["members"] = people
        context["others"] = [(i, n) for i, n in people if i != viewer.id]
        context["inline_fields"] = [
            *proposal_forms.FIELDS,
            *(proposal_forms.WEIGHT_PREFIX + member for member, _ in people),
        ]
        if chosen.key == "end_service":
            listed = services.public_services.services(slug, viewer=viewer.id, limit=200)
            context["service_choices"] = [("", "Choose a service")] + [
                (s.service.id, s.service.name)
                for s in listed.items
                if s.service.status is ServiceStatus.ACTIVE
            ]
            if len(context["service_choices"]) == 1:  # no service to choose: refuse at the top
                context["inline_fields"].remove("params.service")
        if chosen.key == "amend_charter" and not values.get("params.text"):
            values["params.text"] = context["collective"].charter.text
    return context


@router.get("/c/{slug}/governance/new")
def new_form(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    kind: str | None = None,
) -> Response:
    """Choose what the proposal does, then fill in its own fields."""
    values = dict(proposal_forms.DEFAULTS)
    return render(
        request, "governance/new.html", _form_context(services, slug, viewer, kind, values)
    )


@router.post("/c/{slug}/governance/new")
def propose(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
    background: BackgroundTasks,
) -> Response:
    values = {**proposal_forms.DEFAULTS, **form}
    try:
        currency = services.collectives.profile(slug).collective.currency
        draft = proposal_forms.draft(values, currency=currency, now=services.clock.now())
        view = services.proposals.propose(
            slug,
            author=viewer.id,
            kind=draft.kind,
            title=draft.title,
            body=draft.body,
            params=draft.params,
            closes_at=draft.closes_at,
        )
    except DomainError as error:
        kind = values.get("kind") if values.get("kind") in proposal_forms.KIND_KEYS else None
        return refused(
            request,
            "governance/new.html",
            error,
            _form_context(services, slug, viewer, kind, values),
        )
    if view.impact_status == "pending":  # the simulator's estimate, as the API starts it
        background.add_task(services.proposal_impact.compute, slug, view.proposal.id)
    return see_other(
        f"/c/{slug}/governance/{view.proposal.id}",
        flash="Your proposal is open for votes. Members can discuss it below.",
    )


def _named_in(
    services: Services, slug: str, viewer: Viewer, proposals: list[Proposal]
) -> dict[str, Any]:
    """``names`` of the members and ``service_names`` of the services these proposals name
    (whoever they are now: a leaver or an expelled member keeps their name)."""
    names = services.auth.names(m for p in proposals for m in members_named(p.effect))
    service_names: dict[str, str] = {}
    if any(p.kind is ProposalKind.END_SERVICE for p in proposals):
        with suppress(DomainError):
            listed = services.public_services.services(slug, viewer=viewer.id, limit=200)
            service_names = {s.service.id: s.service.name for s in listed.items}
    return {"names": names, "service_names": service_names}


def _proposal_context(
    services: Services, slug: str, viewer: Viewer, proposal_id: str, cursor: str | None = None
) -> dict[str, Any]:
    view = services.proposals.proposal(slug, viewer=viewer.id, proposal_id=proposal_id)
    comments = services.proposals.comments(
        slug, viewer=viewer.id, proposal_id=proposal_id, limit=COMMENTS_PAGE, cursor=cursor
    )
    _, impact = services.proposal_impact.impact(slug, viewer=viewer.id, proposal_id=proposal_id)
    context = section(services, slug, viewer)
    delegation = None
    with suppress(DomainError):  # someone who left reads on, but delegates no more
        delegation = services.votes.delegation(slug, member=viewer.id)
    context.update(_named_in(services, slug, viewer, [view.proposal]))
    context.update(
        view=view,
        p=view.proposal,
        comments=comments.items,
        comments_cursor=comments.next_cursor,
        impact=impact,
        delegation=delegation,
        values={"body": ""},
        enterprise_name=(
            services.enterprises.enterprise(
                slug, viewer=viewer.id, enterprise_id=view.proposal.enterprise_id
            ).enterprise.name
            if view.proposal.enterprise_id is not None
            else ""
        ),
    )
    return context


@router.get("/c/{slug}/governance/{proposal_id}")
def proposal(
    request: Request,
    slug: str,
    proposal_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    cursor: str | None = None,
) -> Response:
    context = _proposal_context(services, slug, viewer, proposal_id, cursor)
    return render(request, "governance/proposal.html", context)


@router.get("/c/{slug}/governance/{proposal_id}/impact")
def impact(
    request: Request, slug: str, proposal_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    """The estimate alone (htmx polls it while it is pending)."""
    _, estimate = services.proposal_impact.impact(slug, viewer=viewer.id, proposal_id=proposal_id)
    context = section(services, slug, viewer, impact=estimate, proposal_id=proposal_id)
    return render(request, "governance/_impact.html", context)


@router.post("/c/{slug}/governance/{proposal_id}/vote")
def vote(
    request: Request,
    slug: str,
    proposal_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    choice = form.get("choice", "")
    try:
        receipt = services.votes.vote(slug, voter=viewer.id, proposal_id=proposal_id, choice=choice)
    except DomainError as error:
        context = _proposal_context(services, slug, viewer, proposal_id)
        return refused(request, "governance/proposal.html", error, context)
    said = f"You voted {CHOICE_WORDS[receipt.ballot.choice.value]}."
    if receipt.proposal.status is not ProposalStatus.OPEN:
        said += " Every member is now counted, so the vote has closed."
    else:
        said += " You can change your vote until it closes."
    return see_other(f"/c/{slug}/governance/{proposal_id}", flash=said)


@router.post("/c/{slug}/governance/{proposal_id}/comments")
def comment(
    request: Request,
    slug: str,
    proposal_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    body = form.get("body", "")
    try:
        services.proposals.comment(slug, author=viewer.id, proposal_id=proposal_id, body=body)
    except DomainError as error:
        context = _proposal_context(services, slug, viewer, proposal_id)
        context["values"] = {"body": body}
        return refused(request, "governance/proposal.html", error, context)
    return see_other(f"/c/{slug}/governance/{proposal_id}#discussion", flash="Comment posted.")


@router.post("/c/{slug}/governance/{proposal_id}/withdraw")
def withdraw(
    request: Request, slug: str, proposal_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    try:
        services.proposals.withdraw(slug, actor=viewer.id, proposal_id=proposal_id)
    except DomainError as error:
        context = _proposal_context(services, slug, viewer, proposal_id)
        return refused(request, "governance/proposal.html", error, context)
    return see_other(f"/c/{slug}/governance/{proposal_id}", flash="You withdrew the proposal.")
