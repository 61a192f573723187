"""Self-government: proposals, comments, votes, delegation, the policy history, impact."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Response, status

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_governance import (
    ChangePublic,
    CommentCreate,
    CommentPublic,
    DelegationCreate,
    DelegationPublic,
    DelegatorPublic,
    ImpactPublic,
    PolicyPublic,
    ProposalCreate,
    ProposalPublic,
    TallyPublic,
    VoteCreate,
    VotePublic,
)
from cybermutual.domain.governance.proposals import ProposalStatus
from cybermutual.domain.governance.tally import Tally
from cybermutual.services.container import Services
from cybermutual.services.governance_proposals import CommentView, ProposalView
from cybermutual.services.governance_votes import DelegationView

router = APIRouter(tags=["governance"])
Limit = Annotated[int, Query(ge=1, le=200)]
BASE = "/collectives/{slug}"


def tally_public(tally: Tally | None) -> TallyPublic | None:
    return None if tally is None else TallyPublic.model_validate(tally.as_dict())


def changes_public(changes: list[dict[str, Any]]) -> list[ChangePublic]:
    return [ChangePublic.model_validate(c) for c in changes]


def proposal_public(view: ProposalView) -> ProposalPublic:
    p = view.proposal
    return ProposalPublic(
        id=p.id,
        kind=p.kind.value,
        title=p.title,
        body=p.body,
        params=p.params,
        status=p.status.value,
        outcome=p.outcome,
        author=p.author_id,
        author_name=view.author_name,
        opens_at=p.opens_at,
        closes_at=p.closes_at,
        closed_at=p.closed_at,
        my_vote=None if view.my_vote is None else view.my_vote.value,
        can_vote=view.can_vote,
        eligible=view.eligible,
        voted_so_far=view.voted_so_far,
        tally=tally_public(p.tally),
        impact_status=view.impact_status,
        changes=None if view.policy is None else changes_public(view.policy.changes),
        enterprise=p.enterprise_id,
    )


def comment_public(view: CommentView) -> CommentPublic:
    c = view.comment
    return CommentPublic(
        id=c.id,
        author=c.author_id,
        author_name=view.author_name,
        body=c.body,
        created_at=c.created_at,
    )


def delegation_public(view: DelegationView) -> DelegationPublic:
    d = view.delegation
    return DelegationPublic(
        to=None if d is None else d.delegate_id,
        to_name=view.delegate_name,
        since=None if d is None else d.since,
        delegators=[
            DelegatorPublic(member=x.member_id, member_name=name, since=x.since)
            for x, name in view.delegators
        ],
    )


def _estimate_later(services: Services, slug: str, proposal_id: str) -> None:
    services.proposal_impact.compute(slug, proposal_id)


@router.post(
    f"{BASE}/proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalPublic
)
def propose(
    slug: str,
    body: ProposalCreate,
    person: CurrentMember,
    services: ServicesDep,
    background: BackgroundTasks,
) -> ProposalPublic:
    """Put a proposal to the vote; the members active now may vote on it until ``closes_at``.

    ``params`` depend on ``kind`` and are validated (``invalid_params`` names the field). The
    simulator's impact estimate of a levy, a basic income, a service or a credit limit is
    computed in the background (``GET .../proposals/{id}/impact``).
    """
    view = services.proposals.propose(
        slug,
        author=person.id,
        kind=body.kind,
        title=body.title,
        body=body.body,
        params=body.params,
        closes_at=body.closes_at,
    )
    if view.impact_status == "pending":
        background.add_task(_estimate_later, services, slug, view.proposal.id)
    return proposal_public(view)


@router.get(f"{BASE}/proposals", response_model=PagePublic[ProposalPublic])
def proposals(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    status_: Annotated[ProposalStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[ProposalPublic]:
    """Proposals, newest first; ``?status=open`` for those still being voted on."""
    page = services.proposals.proposals(
        slug, viewer=person.id, status=status_, limit=limit, cursor=cursor
    )
    return PagePublic(items=[proposal_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{BASE}/proposals/{{proposal_id}}", response_model=ProposalPublic)
def proposal(
    slug: str, proposal_id: str, person: CurrentMember, services: ServicesDep
) -> ProposalPublic:
    """One proposal; a proposal past its close is closed (and its effect applied) first."""
    return proposal_public(
        services.proposals.proposal(slug, viewer=person.id, proposal_id=proposal_id)
    )


@router.post(f"{BASE}/proposals/{{proposal_id}}/withdraw", response_model=ProposalPublic)
def withdraw(
    slug: str, proposal_id: str, person: CurrentMember, services: ServicesDep
) -> ProposalPublic:
    """The author takes back a proposal nobody has voted on yet."""
    return proposal_public(
        services.proposals.withdraw(slug, actor=person.id, proposal_id=proposal_id)
    )


@router.post(
    f"{BASE}/proposals/{{proposal_id}}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentPublic,
)
def comment(
    slug: str, proposal_id: str, body: CommentCreate, person: CurrentMember, services: ServicesDep
) -> CommentPublic:
    return comment_public(
        services.proposals.comment(slug, author=person.id, proposal_id=proposal_id, body=body.body)
    )


@router.get(f"{BASE}/proposals/{{proposal_id}}/comments", response_model=PagePublic[CommentPublic])
def comments(
    slug: str,
    proposal_id: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[CommentPublic]:
    """The discussion, newest first."""
    page = services.proposals.comments(
        slug, viewer=person.id, proposal_id=proposal_id, limit=limit, cursor=cursor
    )
    return PagePublic(items=[comment_public(c) for c in page.items], next_cursor=page.next_cursor)


@router.post(f"{BASE}/proposals/{{proposal_id}}/votes", response_model=VotePublic)
def vote(
    slug: str, proposal_id: str, body: VoteCreate, person: CurrentMember, services: ServicesDep
) -> VotePublic:
    """Vote yes, no or abstain; vote again to change it, until the close. Your vote overrides
    your delegate's. Only you ever see how you voted; the tally is public after the close."""
    receipt = services.votes.vote(
        slug, voter=person.id, proposal_id=proposal_id, choice=body.choice
    )
    return VotePublic(
        proposal=receipt.proposal.id,
        choice=receipt.ballot.choice.value,
        cast_at=receipt.ballot.cast_at,
        proposal_status=receipt.proposal.status.value,
    )


@router.get(f"{BASE}/proposals/{{proposal_id}}/impact", response_model=ImpactPublic)
def impact(
    slug: str, proposal_id: str, person: CurrentMember, services: ServicesDep
) -> ImpactPublic:
    """The simulator's estimate, computed once when the proposal opened (``pending`` until
    then): changes in median consumption, inequality, turnover and the commons fund after 13, 52
    and 260 weeks, each with the range of 90% of its draws (docs/simulator.md)."""
    proposal_, estimate = services.proposal_impact.impact(
        slug, viewer=person.id, proposal_id=proposal_id
    )
    return ImpactPublic(proposal=proposal_.id, status=estimate.status, estimate=estimate.estimate)


@router.get(f"{BASE}/delegations/me", response_model=DelegationPublic)
def my_delegation(slug: str, person: CurrentMember, services: ServicesDep) -> DelegationPublic:
    """Whom you delegate to, and who delegates to you."""
    return delegation_public(services.votes.delegation(slug, member=person.id))


@router.put(f"{BASE}/delegations/me", response_model=DelegationPublic)
def delegate(
    slug: str, body: DelegationCreate, person: CurrentMember, services: ServicesDep
) -> DelegationPublic:
    """Delegate your vote: on every proposal you do not vote on yourself, you count with your
    delegate's final choice (followed along their own delegation)."""
    return delegation_public(services.votes.delegate(slug, member=person.id, to=body.to))


@router.delete(f"{BASE}/delegations/me", status_code=status.HTTP_204_NO_CONTENT)
def undelegate(slug: str, person: CurrentMember, services: ServicesDep) -> Response:
    services.votes.undelegate(slug, member=person.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(f"{BASE}/policies", response_model=PagePublic[PolicyPublic])
def policies(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[PolicyPublic]:
    """The policy history, newest first: each passed proposal, its tally, and what changed."""
    page = services.proposals.policies(slug, viewer=person.id, limit=limit, cursor=cursor)
    return PagePublic(
        items=[
            PolicyPublic(
                proposal=p.id,
                kind=record.kind,
                title=p.title,
                applied=record.applied,
                note=record.note,
                applied_at=record.applied_at,
                tally=tally_public(p.tally),
                changes=changes_public(record.changes),
            )
            for record, p in page.items
        ],
        next_cursor=page.next_cursor,
    )
