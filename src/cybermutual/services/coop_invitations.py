"""Joining a co-operative: a worker-owner invites a member, the member answers, and accepting
puts their admission to the worker-owners' vote (an ``admit_worker_owner`` proposal, closed and
applied like every other proposal)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import ConcurrentChange, InvitationNotFound, MemberNotFound
from cybermutual.domain.governance import coop as rules
from cybermutual.domain.governance import proposals as proposal_rules
from cybermutual.domain.governance.coop import Invitation
from cybermutual.domain.governance.kinds import ProposalKind
from cybermutual.domain.governance.proposals import ProposalStatus
from cybermutual.domain.membership import require_active
from cybermutual.services import coop
from cybermutual.services.governance_proposals import ProposalService, require_active_or_former
from cybermutual.services.ids import new_id
from cybermutual.services.loading import load_collective
from cybermutual.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

INVITATIONS_SHOWN = 200


@dataclass(frozen=True, slots=True)
class InvitationView:
    invitation: Invitation
    member_name: str
    invited_by_name: str
    enterprise_name: str
    #: the admission vote's state (``open``, ``passed``, ...), once the member accepted
    vote_status: ProposalStatus | None = None


class CoopService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def invite(
        self, slug: str, *, enterprise_id: str, inviter: str, member: str, message: str = ""
    ) -> InvitationView:
        """A worker-owner invites an active member to become a worker-owner."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, inviter))
            enterprise = coop.cooperative(uow, collective, enterprise_id)
            invitee = uow.memberships.get(collective.id, member)
            if invitee is None or not invitee.is_active:
                raise MemberNotFound(
                    f"{member} is not an active member of this collective",
                    member=member,
                    field="member",
                )
            invitation = rules.invite(
                invitation_id=new_id(),
                collective_id=collective.id,
                enterprise_id=enterprise.id,
                member_id=member,
                invited_by=inviter,
                worker_owners=frozenset(coop.worker_owners(uow, collective, enterprise.id)),
                open_invitations=frozenset(uow.governance.open_invitees(enterprise.id)),
                message=message,
                now=now,
            )
            uow.governance.add_invitation(invitation)
            uow.commit()
            return self._view(uow, invitation)

    def answer(
        self, slug: str, *, enterprise_id: str, invitation_id: str, member: str, accept: bool
    ) -> InvitationView:
        """The invited member accepts (which opens the worker-owners' vote) or declines."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, member))
            invitation = self._load(uow, collective, enterprise_id, invitation_id, lock=True)
            if not accept:
                answered = rules.step(invitation, rules.Action.DECLINE, actor=member, now=now)
            else:
                accepted = rules.step(invitation, rules.Action.ACCEPT, actor=member, now=now)
                vote = self._open_vote(uow, collective, invitation, now=now)
                answered = replace(accepted, proposal_id=vote)
            if not uow.governance.save_invitation(answered, was=invitation.status):
                raise ConcurrentChange("the invitation changed meanwhile; look again")
            uow.commit()
            return self._view(uow, answered)

    @staticmethod
    def _open_vote(
        uow: UnitOfWork, collective: Collective, invitation: Invitation, *, now: datetime
    ) -> str:
        enterprise = coop.cooperative(uow, collective, invitation.enterprise_id)
        names = uow.governance.display_names([invitation.member_id])
        proposal = proposal_rules.open_proposal(
            proposal_id=new_id(),
            collective_id=collective.id,
            author_id=invitation.invited_by,
            kind=ProposalKind.ADMIT_WORKER_OWNER.value,
            title=f"Admit {names.get(invitation.member_id, 'a member')} as a worker-owner "
            f"of {enterprise.name}",
            body=invitation.message,
            params={"member": invitation.member_id, "invitation": invitation.id},
            now=now,
            enterprise_id=enterprise.id,
        )
        voters = coop.voters_for(
            uow, collective, proposal, author=invitation.invited_by, by_invitation=True
        )
        ProposalService.check_and_add(uow, collective, proposal, voters=voters, now=now)
        return proposal.id

    def withdraw(
        self, slug: str, *, enterprise_id: str, invitation_id: str, actor: str
    ) -> InvitationView:
        """A worker-owner takes back an invitation not yet answered."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, actor))
            invitation = self._load(uow, collective, enterprise_id, invitation_id, lock=True)
            withdrawn = rules.step(
                invitation,
                rules.Action.WITHDRAW,
                actor=actor,
                worker_owners=frozenset(
                    coop.worker_owners(uow, collective, invitation.enterprise_id)
                ),
                now=now,
            )
            if not uow.governance.save_invitation(withdrawn, was=invitation.status):
                raise ConcurrentChange("the invitation changed meanwhile; look again")
            uow.commit()
            return self._view(uow, withdrawn)

    def invitations(self, slug: str, *, enterprise_id: str, viewer: str) -> list[InvitationView]:
        """A co-operative's invitations, newest first (members read them, as its proposals)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            enterprise = coop.cooperative(uow, collective, enterprise_id)
            found = uow.governance.invitations(enterprise.id, limit=INVITATIONS_SHOWN)
            return [self._view(uow, i) for i in found]

    def invitation(
        self, slug: str, *, enterprise_id: str, invitation_id: str, viewer: str
    ) -> InvitationView:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            return self._view(uow, self._load(uow, collective, enterprise_id, invitation_id))

    def invitations_to(self, slug: str, *, member: str) -> list[InvitationView]:
        """My invitations in this collective, open ones first."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, member)
            found = uow.governance.invitations_to(collective.id, member)
            return [self._view(uow, i) for i in found]

    @staticmethod
    def _load(
        uow: UnitOfWork,
        collective: Collective,
        enterprise_id: str,
        invitation_id: str,
        *,
        lock: bool = False,
    ) -> Invitation:
        invitation = uow.governance.invitation(collective.id, invitation_id, lock=lock)
        if invitation is None or invitation.enterprise_id != enterprise_id:
            raise InvitationNotFound(f"no invitation {invitation_id}", invitation=invitation_id)
        return invitation

    @staticmethod
    def _view(uow: UnitOfWork, invitation: Invitation) -> InvitationView:
        names = uow.governance.display_names([invitation.member_id, invitation.invited_by])
        enterprise = uow.enterprises.get(invitation.collective_id, invitation.enterprise_id)
        vote = (
            uow.governance.proposal(invitation.collective_id, invitation.proposal_id)
            if invitation.proposal_id is not None
            else None
        )
        return InvitationView(
            invitation,
            names.get(invitation.member_id, ""),
            names.get(invitation.invited_by, ""),
            "" if enterprise is None else enterprise.name,
            None if vote is None else vote.status,
        )
