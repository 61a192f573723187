"""A co-operative's self-government: its proposals and its invitations to join.

A co-operative's proposals are the collective's proposals with a scope: they are opened and
listed here, and read, voted on, discussed and withdrawn through ``.../proposals/{id}`` like any
other, so there is one state machine, one vote and one closing for both (the scope decides who
votes: the worker-owners, one vote each).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.routers.governance import proposal_public
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_governance import (
    InvitationCreate,
    InvitationPublic,
    ProposalCreate,
    ProposalPublic,
)
from cybermutual.domain.governance.proposals import ProposalStatus
from cybermutual.services.coop_invitations import InvitationView

router = APIRouter(tags=["enterprises"])
Limit = Annotated[int, Query(ge=1, le=200)]
CO_OP = "/collectives/{slug}/enterprises/{enterprise_id}"


def invitation_public(view: InvitationView) -> InvitationPublic:
    i = view.invitation
    return InvitationPublic(
        id=i.id,
        enterprise=i.enterprise_id,
        enterprise_name=view.enterprise_name,
        member=i.member_id,
        member_name=view.member_name,
        invited_by=i.invited_by,
        invited_by_name=view.invited_by_name,
        message=i.message,
        status=i.status.value,
        created_at=i.created_at,
        answered_at=i.answered_at,
        proposal=i.proposal_id,
        vote_status=None if view.vote_status is None else view.vote_status.value,
    )


@router.post(
    f"{CO_OP}/proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalPublic
)
def propose(
    slug: str,
    enterprise_id: str,
    body: ProposalCreate,
    person: CurrentMember,
    services: ServicesDep,
) -> ProposalPublic:
    """A worker-owner puts a co-operative decision to its worker-owners' vote (one vote each):
    ``remove_worker_owner {member}``, ``set_wage_rates {rates: {role: hourly wage}}``,
    ``set_reserve_share {share}``, ``set_merit_metric {metric, mix?}`` or ``resolution``.
    Vote on it at ``.../proposals/{id}/votes``; it closes when every worker-owner has voted or
    at ``closes_at``, and a passed one changes the enterprise at once."""
    view = services.proposals.propose(
        slug,
        author=person.id,
        kind=body.kind,
        title=body.title,
        body=body.body,
        params=body.params,
        closes_at=body.closes_at,
        enterprise_id=enterprise_id,
    )
    return proposal_public(view)


@router.get(f"{CO_OP}/proposals", response_model=PagePublic[ProposalPublic])
def proposals(
    slug: str,
    enterprise_id: str,
    person: CurrentMember,
    services: ServicesDep,
    status_: Annotated[ProposalStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[ProposalPublic]:
    """The co-operative's proposals, newest first (the collective's own are at
    ``.../proposals``)."""
    page = services.proposals.proposals(
        slug,
        viewer=person.id,
        status=status_,
        limit=limit,
        cursor=cursor,
        enterprise_id=enterprise_id,
    )
    return PagePublic(items=[proposal_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.post(
    f"{CO_OP}/invitations", status_code=status.HTTP_201_CREATED, response_model=InvitationPublic
)
def invite(
    slug: str,
    enterprise_id: str,
    body: InvitationCreate,
    person: CurrentMember,
    services: ServicesDep,
) -> InvitationPublic:
    """A worker-owner invites a member to become one; when the member accepts, the
    worker-owners vote on their admission."""
    return invitation_public(
        services.coop.invite(
            slug,
            enterprise_id=enterprise_id,
            inviter=person.id,
            member=body.member,
            message=body.message,
        )
    )


@router.get(f"{CO_OP}/invitations", response_model=list[InvitationPublic])
def invitations(
    slug: str, enterprise_id: str, person: CurrentMember, services: ServicesDep
) -> list[InvitationPublic]:
    """The co-operative's invitations, newest first."""
    found = services.coop.invitations(slug, enterprise_id=enterprise_id, viewer=person.id)
    return [invitation_public(v) for v in found]


@router.post(f"{CO_OP}/invitations/{{invitation_id}}/accept", response_model=InvitationPublic)
def accept(
    slug: str, enterprise_id: str, invitation_id: str, person: CurrentMember, services: ServicesDep
) -> InvitationPublic:
    """The invited member accepts: the worker-owners' vote on their admission opens
    (``proposal``)."""
    return invitation_public(
        services.coop.answer(
            slug,
            enterprise_id=enterprise_id,
            invitation_id=invitation_id,
            member=person.id,
            accept=True,
        )
    )


@router.post(f"{CO_OP}/invitations/{{invitation_id}}/decline", response_model=InvitationPublic)
def decline(
    slug: str, enterprise_id: str, invitation_id: str, person: CurrentMember, services: ServicesDep
) -> InvitationPublic:
    return invitation_public(
        services.coop.answer(
            slug,
            enterprise_id=enterprise_id,
            invitation_id=invitation_id,
            member=person.id,
            accept=False,
        )
    )


@router.post(f"{CO_OP}/invitations/{{invitation_id}}/withdraw", response_model=InvitationPublic)
def withdraw(
    slug: str, enterprise_id: str, invitation_id: str, person: CurrentMember, services: ServicesDep
) -> InvitationPublic:
    """A worker-owner takes back an invitation the member has not answered."""
    return invitation_public(
        services.coop.withdraw(
            slug, enterprise_id=enterprise_id, invitation_id=invitation_id, actor=person.id
        )
    )


@router.get("/collectives/{slug}/enterprise-invitations/me", response_model=list[InvitationPublic])
def my_invitations(
    slug: str, person: CurrentMember, services: ServicesDep
) -> list[InvitationPublic]:
    """My invitations to co-operatives in this collective, open ones first."""
    return [invitation_public(v) for v in services.coop.invitations_to(slug, member=person.id)]
