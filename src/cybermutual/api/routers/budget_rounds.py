"""Participatory budget rounds: open, propose projects, approve them, read the explained
result, and exchange rounds with the Pabulib file format."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_budget import (
    BallotCreate,
    BallotPublic,
    BudgetResultPublic,
    BudgetRoundCreate,
    BudgetRoundImport,
    BudgetRoundPublic,
    ProjectCreate,
    ProjectPublic,
)
from cybermutual.domain.governance.budget_rounds import RoundProject, RoundStatus
from cybermutual.services.budget_rounds import RoundView

router = APIRouter(tags=["budget rounds"], route_class=NamedRoute)
Limit = Annotated[int, Query(ge=1, le=200)]
BASE = "/collectives/{slug}/budget-rounds"


def project_public(p: RoundProject) -> ProjectPublic:
    return ProjectPublic(
        id=p.id,
        name=p.name,
        cost=p.cost,
        description=p.description,
        proposed_by=p.proposed_by,
        service_id=p.service_id,
        created_at=p.created_at,
    )


def round_public(view: RoundView) -> BudgetRoundPublic:
    r = view.round
    result: dict[str, Any] = r.result or {}
    return BudgetRoundPublic(
        id=r.id,
        title=r.title,
        budget=r.budget,
        rule=r.rule,
        status=r.status.value,
        source=r.source,
        proposal_id=r.proposal_id,
        opened_by=r.opened_by,
        opens_at=r.opens_at,
        closes_at=r.closes_at,
        closed_at=r.closed_at,
        projects=[project_public(p) for p in view.projects],
        my_ballot=view.my_ballot,
        can_vote=view.can_vote,
        eligible=view.eligible,
        ballots=view.ballots,
        selected=result.get("selected"),
        funded=result.get("funded"),
    )


@router.post(BASE, status_code=status.HTTP_201_CREATED, response_model=BudgetRoundPublic)
def open_round(
    slug: str, body: BudgetRoundCreate, person: CurrentMember, services: ServicesDep
) -> BudgetRoundPublic:
    """Open a budget round (where the charter's ``budget_rounds_open_to`` is ``members``;
    otherwise a passed ``open_budget_round`` proposal opens it). The members active now may
    vote in it until ``closes_at``."""
    return round_public(
        services.budget_rounds.open(
            slug,
            opener=person.id,
            title=body.title,
            budget=body.budget,
            rule=body.rule,
            closes_at=body.closes_at,
        )
    )


@router.post(
    f"{BASE}/import", status_code=status.HTTP_201_CREATED, response_model=BudgetRoundPublic
)
def import_round(
    slug: str, body: BudgetRoundImport, person: CurrentMember, services: ServicesDep
) -> BudgetRoundPublic:
    """A Pabulib file as a new round, closed for input, its result computed at once (for
    studying a rule on real elections). It moves no money and raises no budget."""
    return round_public(
        services.budget_rounds.import_pabulib(slug, importer=person.id, text=body.pabulib)
    )


@router.get(BASE, response_model=PagePublic[BudgetRoundPublic])
def rounds(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    status_: Annotated[RoundStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[BudgetRoundPublic]:
    """Budget rounds, newest first; ``?status=open`` for those taking projects and ballots."""
    page = services.budget_rounds.rounds(
        slug, viewer=person.id, status=status_, limit=limit, cursor=cursor
    )
    return PagePublic(items=[round_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{BASE}/{{round_id}}", response_model=BudgetRoundPublic)
def one_round(
    slug: str, round_id: str, person: CurrentMember, services: ServicesDep
) -> BudgetRoundPublic:
    """One round with its projects and your own ballot; closed first if its time has come."""
    return round_public(services.budget_rounds.round(slug, viewer=person.id, round_id=round_id))


@router.post(f"{BASE}/{{round_id}}/cancel", response_model=BudgetRoundPublic)
def cancel(
    slug: str, round_id: str, person: CurrentMember, services: ServicesDep
) -> BudgetRoundPublic:
    """Whoever opened the round calls it off, while nobody has voted."""
    return round_public(services.budget_rounds.cancel(slug, actor=person.id, round_id=round_id))


@router.post(
    f"{BASE}/{{round_id}}/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectPublic,
)
def propose_project(
    slug: str, round_id: str, body: ProjectCreate, person: CurrentMember, services: ServicesDep
) -> ProjectPublic:
    """Propose a project while the round is open; ``service_id`` names a public service whose
    budget for the period the project would raise by its cost."""
    return project_public(
        services.budget_rounds.propose_project(
            slug,
            proposer=person.id,
            round_id=round_id,
            name=body.name,
            cost=body.cost,
            description=body.description,
            service_id=body.service_id,
        )
    )


@router.put(f"{BASE}/{{round_id}}/ballots/me", response_model=BallotPublic)
def vote(
    slug: str, round_id: str, body: BallotCreate, person: CurrentMember, services: ServicesDep
) -> BallotPublic:
    """Approve the projects you want; send it again to replace it, ``[]`` to withdraw it,
    until the close. Only you ever see your ballot."""
    ballot = services.budget_rounds.vote(
        slug, voter=person.id, round_id=round_id, approve=body.approve
    )
    return BallotPublic(round=ballot.round_id, approve=ballot.approve, cast_at=ballot.cast_at)


@router.get(f"{BASE}/{{round_id}}/result", response_model=BudgetResultPublic)
def result(
    slug: str, round_id: str, person: CurrentMember, services: ServicesDep
) -> BudgetResultPublic:
    """The closed round's result: the winners, why each project won or lost, what the result
    did, and what you paid from your equal share."""
    view = services.budget_rounds.result(slug, viewer=person.id, round_id=round_id)
    return BudgetResultPublic.model_validate(
        {**view.result, "round": view.round.id, "my_share": view.my_share}
    )


@router.get(
    f"{BASE}/{{round_id}}/pabulib",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "a Pabulib .pb file"}},
)
def pabulib(slug: str, round_id: str, person: CurrentMember, services: ServicesDep) -> Response:
    """The closed round as a Pabulib file (voters numbered, never named);
    ``cybermutual budget FILE.pb`` decides the same selection."""
    text = services.budget_rounds.export_pabulib(slug, viewer=person.id, round_id=round_id)
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{round_id}.pb"'},
    )
