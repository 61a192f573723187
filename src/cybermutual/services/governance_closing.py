"""Closing a proposal: count, decide, store, and apply a passed effect, in one transaction.

``close`` stores the closed proposal only if it is still open (a conditional update), and
applies the effect only after winning that update, so two closers (the scheduler and a reader,
two servers, a cron ``tick``) never apply an effect twice: the second finds nothing to do.
"""

from __future__ import annotations

from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.governance import proposals as rules
from cybermutual.domain.governance.decision import VotingRules, decide
from cybermutual.domain.governance.proposals import Proposal
from cybermutual.domain.governance.tally import Tally, count, everyone_counted
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.services import coop
from cybermutual.services.governance_effects import apply_effect
from cybermutual.services.inbox import notify
from cybermutual.services.ports import UnitOfWork


def eligible_voters(uow: UnitOfWork, collective: Collective, proposal: Proposal) -> set[str]:
    """Members active when the proposal opened who are still active members (and, for a
    co-operative's proposal, still its worker-owners)."""
    voters = uow.governance.voters(proposal.id)
    standing = uow.memberships.get_many(collective.id, voters)
    active = {m for m in voters if m in standing and standing[m].is_active}
    if proposal.enterprise_id is not None:
        return active & coop.worker_owners(uow, collective, proposal.enterprise_id)
    return active


def current_tally(
    uow: UnitOfWork, collective: Collective, proposal: Proposal, *, now: datetime
) -> Tally:
    """The count now; a co-operative's counts direct ballots only (``domain/governance/coop``
    says why delegation stops at its door)."""
    return count(
        eligible=eligible_voters(uow, collective, proposal),
        ballots=uow.governance.ballots(proposal.id),
        delegations=(
            {} if proposal.enterprise_id is not None else uow.governance.delegations(collective.id)
        ),
        closes_at=proposal.closes_at,
        at=now,
    )


def close(
    uow: UnitOfWork, collective: Collective, proposal: Proposal, *, now: datetime
) -> Proposal | None:
    """Close an open proposal now; None when someone else closed it first.

    The proposal is locked before its ballots are counted, so a vote either lands before the
    count (and is in it) or after the close (and is refused)."""
    locked = uow.governance.proposal(collective.id, proposal.id, lock=True)
    if locked is None or locked.status is not rules.ProposalStatus.OPEN:
        return None
    proposal = locked
    tally = current_tally(uow, collective, proposal, now=now)
    outcome = decide(tally, rules=VotingRules.of(collective.charter), kind=proposal.kind)
    closed = rules.close(proposal, tally=tally, outcome=outcome, now=min(now, proposal.closes_at))
    if not uow.governance.finish(closed):
        return None
    if rules.TRANSITIONS[(proposal.status, _action(outcome.passed))].applies_effect:
        apply_effect(uow, collective, closed, now=now)
    else:
        coop.settle_invitation(uow, closed, now=now)
    verdict = "passed" if outcome.passed else f"failed ({outcome.reason.value.replace('_', ' ')})"
    notify(
        uow,
        collective,
        [
            MarketEvent(
                EventKind.PROPOSAL_CLOSED,
                (proposal.author_id,),
                "proposal",
                proposal.id,
                f"Your proposal '{proposal.title}' {verdict}: {tally.yes} yes, {tally.no} no, "
                f"{tally.abstain} abstaining of {tally.eligible}.",
            )
        ],
        now=now,
    )
    return closed


def _action(passed: bool) -> rules.Action:
    return rules.Action.PASS if passed else rules.Action.FAIL


def close_if_due(
    uow: UnitOfWork, collective: Collective, proposal: Proposal, *, now: datetime
) -> Proposal | None:
    """Close the proposal if its time has come or every eligible voter has spoken."""
    if proposal.status is not rules.ProposalStatus.OPEN:
        return None
    if proposal.is_due(now):
        return close(uow, collective, proposal, now=now)
    # everyone is counted only if everyone voted or delegated: two counts rule most cases out
    # before the full tally (which reads every ballot and delegation) is worth computing; a
    # co-operative is small, and its tally counts worker-owners only, so it is simply counted
    if proposal.enterprise_id is None:
        spoken = uow.governance.ballot_count(proposal.id) + uow.governance.delegation_count(
            collective.id
        )
        if spoken < uow.governance.eligible_count(collective.id, proposal.id):
            return None
    if everyone_counted(current_tally(uow, collective, proposal, now=now)):
        return close(uow, collective, proposal, now=now)
    return None
