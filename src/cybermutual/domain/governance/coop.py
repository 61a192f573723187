"""A co-operative's self-government: who votes on its proposals, and how newcomers join.

The co-operative decides with the collective's own machinery (``proposals``, ``tally``,
``decision``), scoped to the enterprise: one worker-owner one vote. Its voters are the worker-owners
when the proposal opens who are still worker-owners (and still members) at the close. Liquid
delegation does not reach into a co-operative: a member's delegate is trusted with the
collective's decisions, not with the running of a workplace the delegate may not work in, so a
co-operative's tally counts direct ballots only.

Joining is by invitation and then a vote: a worker-owner invites a member; the member accepts (or
declines); accepting opens an ``admit_worker_owner`` proposal, which the worker-owners decide.
``TRANSITIONS`` is the whole story of an invitation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cybermutual.domain.errors import (
    InvalidTransition,
    InvalidValue,
    NotAllowed,
    NotTheRecipient,
)


class InvitationStatus(StrEnum):
    PENDING = "pending"  # the invited member has not answered
    ACCEPTED = "accepted"  # they said yes; the worker-owners are voting
    DECLINED = "declined"  # they said no
    WITHDRAWN = "withdrawn"  # a worker-owner took it back before the answer
    ADMITTED = "admitted"  # the vote passed: they are a worker-owner
    REJECTED = "rejected"  # the vote failed (or its proposal was withdrawn)

    @property
    def is_open(self) -> bool:
        return self in (InvitationStatus.PENDING, InvitationStatus.ACCEPTED)


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    ADMIT = "admit"
    REJECT = "reject"


class Role(StrEnum):
    INVITEE = "invitee"
    WORKER_OWNER = "worker_owner"
    SYSTEM = "system"  # the vote's close


#: Every legal step: (from, action) -> (to, who takes it).
TRANSITIONS: dict[tuple[InvitationStatus, Action], tuple[InvitationStatus, Role]] = {
    (InvitationStatus.PENDING, Action.ACCEPT): (InvitationStatus.ACCEPTED, Role.INVITEE),
    (InvitationStatus.PENDING, Action.DECLINE): (InvitationStatus.DECLINED, Role.INVITEE),
    (InvitationStatus.PENDING, Action.WITHDRAW): (InvitationStatus.WITHDRAWN, Role.WORKER_OWNER),
    (InvitationStatus.ACCEPTED, Action.ADMIT): (InvitationStatus.ADMITTED, Role.SYSTEM),
    (InvitationStatus.ACCEPTED, Action.REJECT): (InvitationStatus.REJECTED, Role.SYSTEM),
}

MAX_MESSAGE = 2_000


@dataclass(frozen=True, slots=True)
class Invitation:
    id: str
    collective_id: str
    enterprise_id: str
    member_id: str  # who is invited
    invited_by: str  # a worker-owner
    message: str
    status: InvitationStatus
    created_at: datetime
    answered_at: datetime | None = None
    proposal_id: str | None = None  # the admission vote, once accepted


def invite(
    *,
    invitation_id: str,
    collective_id: str,
    enterprise_id: str,
    member_id: str,
    invited_by: str,
    worker_owners: frozenset[str],
    open_invitations: frozenset[str],
    message: str,
    now: datetime,
) -> Invitation:
    """A worker-owner invites a member who is neither a worker-owner nor already invited."""
    if invited_by not in worker_owners:
        raise NotAllowed("only the co-operative's worker-owners invite new ones")
    if member_id in worker_owners:
        raise InvalidTransition("they are already a worker-owner", field="member")
    if member_id in open_invitations:
        raise InvalidTransition(
            "they already have an open invitation to this co-operative", field="member"
        )
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        raise InvalidValue(f"a message has at most {MAX_MESSAGE} characters", field="message")
    return Invitation(
        id=invitation_id,
        collective_id=collective_id,
        enterprise_id=enterprise_id,
        member_id=member_id,
        invited_by=invited_by,
        message=message,
        status=InvitationStatus.PENDING,
        created_at=now,
    )


def step(
    invitation: Invitation,
    action: Action,
    *,
    actor: str | None,
    worker_owners: frozenset[str] = frozenset(),
    now: datetime,
    proposal_id: str | None = None,
) -> Invitation:
    """The invitation after ``action`` by ``actor`` (None: the system), or a refusal."""
    rule = TRANSITIONS.get((invitation.status, action))
    if rule is None:
        raise InvalidTransition(
            f"the invitation is {invitation.status.value}",
            status=invitation.status.value,
            action=action.value,
        )
    to, role = rule
    if role is Role.INVITEE and actor != invitation.member_id:
        raise NotTheRecipient("only the invited member answers an invitation")
    if role is Role.WORKER_OWNER and actor not in worker_owners:
        raise NotAllowed("only the co-operative's worker-owners withdraw an invitation")
    answered = now if role is Role.INVITEE else invitation.answered_at
    return replace(
        invitation,
        status=to,
        answered_at=answered,
        proposal_id=proposal_id or invitation.proposal_id,
    )


def scoped_voters(worker_owners: frozenset[str], active_members: frozenset[str]) -> set[str]:
    """Who counts in a co-operative's vote: its worker-owners who are still active members."""
    return set(worker_owners & active_members)
