"""Voting and liquid delegation.

A member votes yes, no or abstain, and may change the vote until the close; who voted how is
shown only to the voter. A member may instead (or as well) delegate to another member: at the
close, whoever did not vote counts with their delegate's final choice, followed transitively.
A vote that leaves every eligible voter counted closes the proposal at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from cybermutual.domain.errors import InvalidValue, MemberNotFound, NotEligible, ProposalClosed
from cybermutual.domain.governance.proposals import Proposal
from cybermutual.domain.governance.tally import Ballot, Choice
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.membership import require_active
from cybermutual.services.governance_closing import close_if_due, eligible_voters
from cybermutual.services.governance_ports import Delegation
from cybermutual.services.governance_proposals import _load
from cybermutual.services.inbox import notify
from cybermutual.services.loading import load_collective
from cybermutual.services.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class VoteReceipt:
    proposal: Proposal  # as it stands after the vote (closed, if the vote settled it)
    ballot: Ballot


@dataclass(frozen=True, slots=True)
class DelegationView:
    delegation: Delegation | None
    delegate_name: str | None
    delegators: list[tuple[Delegation, str]]  # who trusts me, with their names


class VoteService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def vote(self, slug: str, *, voter: str, proposal_id: str, choice: str) -> VoteReceipt:
        """Cast or change a vote; refused once the proposal is closed or past its close."""
        try:
            picked = Choice(choice)
        except ValueError:
            raise InvalidValue("choice must be yes, no or abstain", field="choice") from None
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, voter))
            proposal = _load(uow, collective, proposal_id, lock=True)
            if not proposal.accepts_votes(now):
                close_if_due(uow, collective, proposal, now=now)
                uow.commit()
                raise ProposalClosed(
                    "voting on this proposal has closed", closes_at=proposal.closes_at.isoformat()
                )
            if not uow.governance.is_voter(proposal.id, voter):
                raise NotEligible(
                    "only the co-operative's worker-owners when the proposal opened vote on it"
                    if proposal.enterprise_id is not None
                    else "only members who were active when the proposal opened may vote on it"
                )
            if proposal.enterprise_id is not None and voter not in eligible_voters(
                uow, collective, proposal
            ):
                raise NotEligible("you are no longer one of the co-operative's worker-owners")
            ballot = Ballot(voter, picked, now)
            uow.governance.save_ballot(proposal.id, ballot)
            closed = close_if_due(uow, collective, proposal, now=now)
            uow.commit()
        return VoteReceipt(closed or proposal, ballot)

    def delegate(self, slug: str, *, member: str, to: str) -> DelegationView:
        """Trust ``to`` with my vote whenever I do not vote myself (replaces any delegation)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, member))
            if to == member:
                raise InvalidValue("you cannot delegate to yourself", field="to")
            target = uow.memberships.get(collective.id, to)
            if target is None or not target.is_active:
                raise MemberNotFound(f"{to} is not an active member of this collective", member=to)
            uow.governance.set_delegation(collective.id, Delegation(member, to, now))
            notify(
                uow,
                collective,
                [
                    MarketEvent(
                        EventKind.DELEGATION_RECEIVED,
                        (to,),
                        "member",
                        member,
                        "{actor} delegated their vote to you: when they do not vote, "
                        "your vote counts for them too.",
                        member,
                    )
                ],
                now=now,
            )
            uow.commit()
        return self.delegation(slug, member=member)

    def undelegate(self, slug: str, *, member: str) -> None:
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, member))
            uow.governance.remove_delegation(collective.id, member)
            uow.commit()

    def delegation(self, slug: str, *, member: str) -> DelegationView:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, member))
            mine = uow.governance.delegation(collective.id, member)
            trusting = uow.governance.delegators(collective.id, member)
            names = uow.governance.display_names(
                [d.member_id for d in trusting] + ([mine.delegate_id] if mine else [])
            )
            return DelegationView(
                mine,
                names.get(mine.delegate_id, "") if mine else None,
                [(d, names.get(d.member_id, "")) for d in trusting],
            )
