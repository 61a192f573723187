"""Proposals: put one to the vote, read them (closing any whose time has come), discuss them,
withdraw one, and read the policy history.

Reading never shows a running count: an open proposal shows only the reader's own vote; the
tally appears once it is closed. A proposal past its closing time is closed by whoever reads it
first (or by the scheduler), in a write transaction, before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import (
    InvalidParams,
    MemberNotFound,
    ProposalClosed,
    ProposalNotFound,
    ServiceEnded,
    ServiceNotFound,
)
from cybermutual.domain.governance import proposals as rules
from cybermutual.domain.governance.budget_rounds import MAX_OPEN as MAX_ROUND
from cybermutual.domain.governance.budget_rounds import MIN_OPEN as MIN_ROUND
from cybermutual.domain.governance.decision import Explanation, VotingRules, explain
from cybermutual.domain.governance.kinds import (
    IMPACT_KINDS,
    Effect,
    EndService,
    OpenBudgetRound,
    SetAdmission,
    SetCreditLimit,
    members_named,
)
from cybermutual.domain.governance.proposals import Proposal, ProposalStatus
from cybermutual.domain.governance.public_services import ServiceStatus
from cybermutual.domain.governance.tally import Choice
from cybermutual.domain.membership import MembershipStatus, require_active
from cybermutual.services import coop
from cybermutual.services.governance_closing import close_if_due, eligible_voters
from cybermutual.services.governance_ports import Comment, PolicyRecord
from cybermutual.services.ids import new_id
from cybermutual.services.loading import check_limit, load_collective
from cybermutual.services.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory

MAX_ACTIVE_VOTERS = 1_000_000


@dataclass(frozen=True, slots=True)
class ProposalView:
    proposal: Proposal
    author_name: str
    my_vote: Choice | None
    impact_status: str
    policy: PolicyRecord | None = None
    eligible: int = 0  # voters still active (the tally's figure, once closed)
    can_vote: bool = False  # the viewer is one of them and the proposal is still open
    #: how many have voted so far (directly: delegated votes are counted at the close); who
    #: and how stay secret, but members see whether the quorum is within reach
    voted_so_far: int = 0
    explanation: Explanation | None = None  # once closed: why it passed or failed


@dataclass(frozen=True, slots=True)
class CommentView:
    comment: Comment
    author_name: str


def impact_status_for(effect: Effect) -> str:
    """Whether the simulator estimates this proposal: ``pending`` until it has, else ``none``."""
    if effect.kind not in IMPACT_KINDS:
        return "none"
    if isinstance(effect, SetCreditLimit) and effect.member is not None:
        return "none"  # the simulator models the default limit, not one account's
    return "pending"


class ProposalService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def propose(
        self,
        slug: str,
        *,
        author: str,
        kind: str,
        title: str,
        body: str,
        params: object,
        closes_at: datetime | None = None,
        enterprise_id: str | None = None,
    ) -> ProposalView:
        """Open a proposal; the members active now are its voters (or, scoped to a
        co-operative with ``enterprise_id``, its worker-owners now)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, author))
            proposal = rules.open_proposal(
                proposal_id=new_id(),
                collective_id=collective.id,
                author_id=author,
                kind=kind,
                title=title,
                body=body,
                params=params,
                now=now,
                closes_at=closes_at,
                enterprise_id=enterprise_id,
            )
            if enterprise_id is not None:  # whom it names first: a stranger is not_found
                self._check_references(uow, collective, proposal.effect)
                voters = coop.voters_for(uow, collective, proposal, author=author)
            else:
                voters = self._active_members(uow, collective)
            self.check_and_add(uow, collective, proposal, voters=voters, now=now)
            uow.commit()
            names = uow.governance.display_names([author])
        return ProposalView(
            proposal,
            names.get(author, ""),
            None,
            impact_status_for(proposal.effect),
            eligible=len(voters),
            can_vote=author in voters,
        )

    @classmethod
    def check_and_add(
        cls,
        uow: UnitOfWork,
        collective: Collective,
        proposal: Proposal,
        *,
        voters: list[str],
        now: datetime,
    ) -> None:
        """Check what the opened proposal names against the collective now, and store it with
        its voters (the same for the collective's proposals and a co-operative's)."""
        effect = proposal.effect
        cls._check_references(uow, collective, effect)
        if isinstance(effect, OpenBudgetRound) and (
            effect.closes_at - proposal.closes_at < MIN_ROUND or effect.closes_at - now > MAX_ROUND
        ):
            raise InvalidParams(
                "params.closes_at must be at least one minute after the proposal closes "
                "and at most 90 days from now",
                field="params.closes_at",
            )
        if isinstance(effect, SetAdmission) and effect.approvals_needed > len(voters):
            raise InvalidParams(
                f"the collective has {len(voters)} active members, so nobody could ever "
                f"collect {effect.approvals_needed} approvals",
                field="params.approvals_needed",
            )
        uow.governance.add_proposal(proposal, voters=voters, impact=impact_status_for(effect))

    @staticmethod
    def _active_members(uow: UnitOfWork, collective: Collective) -> list[str]:
        members: list[str] = []
        cursor: str | None = None
        while True:
            page = uow.memberships.list(
                collective.id, status=MembershipStatus.ACTIVE, limit=10_000, cursor=cursor
            )
            members.extend(m.member_id for m, _ in page.items)
            cursor = page.next_cursor
            if cursor is None or len(members) >= MAX_ACTIVE_VOTERS:
                return members

    @staticmethod
    def _check_references(uow: UnitOfWork, collective: Collective, effect: Effect) -> None:
        """Members and services a proposal names must exist now (they are checked again when
        it closes, since things change while members vote)."""
        named = members_named(effect)
        standing = uow.memberships.get_many(collective.id, named)
        for member in named:
            if member not in standing or not standing[member].is_active:
                raise MemberNotFound(
                    f"{member} is not an active member of this collective", member=member
                )
        if isinstance(effect, EndService):
            service = uow.public_services.service(collective.id, effect.service)
            if service is None:
                raise ServiceNotFound(f"no service {effect.service}", service=effect.service)
            if service.status is ServiceStatus.ENDED:
                raise ServiceEnded("that service has already ended")

    def proposal(self, slug: str, *, viewer: str, proposal_id: str) -> ProposalView:
        """One proposal as ``viewer`` sees it (closed first if its time has come)."""
        with self._uow(readonly=True) as uow:  # members first: nobody else learns what exists
            require_active_or_former(uow, load_collective(uow, slug), viewer)
        self._close_if_due(slug, proposal_id)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            proposal = _load(uow, collective, proposal_id)
            return self._view(uow, collective, proposal, viewer)

    def proposals(
        self,
        slug: str,
        *,
        viewer: str,
        status: ProposalStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
        enterprise_id: str | None = None,
    ) -> Page[ProposalView]:
        """The collective's own proposals, newest first (or one co-operative's)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            if enterprise_id is not None:
                coop.cooperative(uow, collective, enterprise_id)
        self._close_due_in(slug)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            page = uow.governance.proposals(
                collective.id,
                status=status,
                limit=check_limit(limit),
                cursor=cursor,
                enterprise_id=enterprise_id,
            )
            return Page(
                [self._view(uow, collective, p, viewer) for p in page.items], page.next_cursor
            )

    @staticmethod
    def _view(
        uow: UnitOfWork, collective: Collective, proposal: Proposal, viewer: str
    ) -> ProposalView:
        names = uow.governance.display_names([proposal.author_id])
        ballot = uow.governance.ballot(proposal.id, viewer)
        policy = (
            uow.governance.policy_of(proposal.id)
            if proposal.status is ProposalStatus.PASSED
            else None
        )
        is_open = proposal.status is ProposalStatus.OPEN
        return ProposalView(
            proposal,
            names.get(proposal.author_id, ""),
            None if ballot is None else ballot.choice,
            uow.governance.impact(proposal.id).status,
            policy,
            eligible=(
                proposal.tally.eligible
                if proposal.tally is not None
                else len(eligible_voters(uow, collective, proposal))
                if proposal.enterprise_id is not None
                else uow.governance.eligible_count(proposal.collective_id, proposal.id)
            ),
            can_vote=is_open
            and (
                viewer in eligible_voters(uow, collective, proposal)
                if proposal.enterprise_id is not None
                else uow.governance.is_voter(proposal.id, viewer)
            ),
            voted_so_far=(
                proposal.tally.voted
                if proposal.tally is not None
                else uow.governance.ballot_count(proposal.id)
            ),
            explanation=(
                None
                if proposal.tally is None
                else explain(
                    proposal.tally, rules=VotingRules.of(collective.charter), kind=proposal.kind
                )
            ),
        )

    def _close_if_due(self, slug: str, proposal_id: str) -> None:
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            proposal = _load(uow, collective, proposal_id)
            if not proposal.is_due(now):
                return
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            proposal = _load(uow, collective, proposal_id)
            close_if_due(uow, collective, proposal, now=now)
            uow.commit()

    def _close_due_in(self, slug: str) -> None:
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            due = [p.id for p in uow.governance.open_proposals(collective.id) if p.is_due(now)]
        for proposal_id in due:
            self._close_if_due(slug, proposal_id)

    def withdraw(self, slug: str, *, actor: str, proposal_id: str) -> ProposalView:
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, actor))
            proposal = _load(uow, collective, proposal_id)
            withdrawn = rules.withdraw(
                proposal, actor=actor, ballots=uow.governance.ballot_count(proposal.id), now=now
            )
            if not uow.governance.finish(withdrawn):
                raise ProposalClosed("the proposal has just closed")
            coop.settle_invitation(uow, withdrawn, now=now)
            uow.commit()
            return self._view(uow, collective, withdrawn, actor)

    def comment(self, slug: str, *, author: str, proposal_id: str, body: str) -> CommentView:
        """Any active member may discuss a proposal, open or closed."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, author))
            _load(uow, collective, proposal_id)
            comment = Comment(
                new_id(), proposal_id, author, rules.check_comment(body), self._clock.now()
            )
            uow.governance.add_comment(comment)
            uow.commit()
            return CommentView(comment, uow.governance.display_names([author]).get(author, ""))

    def comments(
        self,
        slug: str,
        *,
        viewer: str,
        proposal_id: str,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[CommentView]:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            _load(uow, collective, proposal_id)
            page = uow.governance.comments(proposal_id, limit=check_limit(limit), cursor=cursor)
            names = uow.governance.display_names(c.author_id for c in page.items)
            return Page(
                [CommentView(c, names.get(c.author_id, "")) for c in page.items],
                page.next_cursor,
            )

    def policies(
        self, slug: str, *, viewer: str, limit: int = 50, cursor: str | None = None
    ) -> Page[tuple[PolicyRecord, Proposal]]:
        """The policy history, newest first: each passed proposal, its tally, what it changed."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            page = uow.governance.policies(collective.id, limit=check_limit(limit), cursor=cursor)
            items = []
            for record in page.items:
                proposal = uow.governance.proposal(collective.id, record.proposal_id)
                assert proposal is not None
                items.append((record, proposal))
            return Page(items, page.next_cursor)


def require_active_or_former(uow: UnitOfWork, collective: Collective, viewer: str) -> None:
    """Members read their collective's governance; so do those who left (they lived under it)."""
    membership = uow.memberships.get(collective.id, viewer)
    if membership is None or membership.status is MembershipStatus.PENDING:
        require_active(None)


def _load(
    uow: UnitOfWork, collective: Collective, proposal_id: str, *, lock: bool = False
) -> Proposal:
    proposal = uow.governance.proposal(collective.id, proposal_id, lock=lock)
    if proposal is None:
        raise ProposalNotFound(f"no proposal {proposal_id}", proposal=proposal_id)
    return proposal
