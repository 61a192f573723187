"""A co-operative's self-government inside the collective's governance: who its voters are,
what its proposals may ask, and how a passed one changes the enterprise.

The proposal services (``governance_proposals``, ``governance_votes``, ``governance_closing``)
stay the only ones: a proposal scoped to an enterprise goes through them like any other, and
they ask this module only the questions scope raises (is this a co-operative, who are its
worker-owners now, what does its effect change). ``domain/governance/coop.py`` holds the rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.enterprise.kinds import Enterprise, EnterpriseKind, MixWeights, Role
from cybermutual.domain.errors import InvalidParams, NotPermitted
from cybermutual.domain.governance import coop as rules
from cybermutual.domain.governance import kinds as k
from cybermutual.domain.governance.proposals import Proposal, ProposalStatus
from cybermutual.services.enterprise_common import load_enterprise
from cybermutual.services.ports import UnitOfWork

Changes = list[dict[str, Any]]


class NotApplicable(Exception):
    """The effect can no longer apply (``governance_effects`` records why)."""


def cooperative(uow: UnitOfWork, collective: Collective, enterprise_id: str) -> Enterprise:
    """The co-operative ``enterprise_id`` of this collective (a firm has no such votes: its
    owners decide by their shares, outside the collective's governance)."""
    enterprise = load_enterprise(uow, collective, enterprise_id)
    if enterprise.kind is not EnterpriseKind.COOPERATIVE:
        raise InvalidParams(
            f"{enterprise.name} is a firm: its owners decide by their shares; only a "
            "co-operative's worker-owners vote on proposals",
            field="enterprise",
        )
    return enterprise


def worker_owners(uow: UnitOfWork, collective: Collective, enterprise_id: str) -> set[str]:
    """The co-operative's worker-owners now."""
    return {
        p.member_id
        for p in uow.enterprises.positions(enterprise_id, current=True)
        if p.role is Role.WORKER_OWNER
    }


def voters_for(
    uow: UnitOfWork,
    collective: Collective,
    proposal: Proposal,
    *,
    author: str,
    by_invitation: bool = False,
) -> list[str]:
    """The voters of a co-operative's new proposal (its worker-owners who are active members),
    once its author is found to be one and what it asks is possible now."""
    assert proposal.enterprise_id is not None
    enterprise = cooperative(uow, collective, proposal.enterprise_id)
    owners = worker_owners(uow, collective, enterprise.id)
    if not by_invitation and author not in owners:
        raise NotPermitted(
            f"only a worker_owner of {enterprise.name} may propose its decisions",
            enterprise=enterprise.id,
        )
    effect = proposal.effect
    if isinstance(effect, k.AdmitWorkerOwner) and not by_invitation:
        raise InvalidParams(
            "a new worker-owner is invited (.../enterprises/{id}/invitations); the vote opens "
            "when they accept",
            field="kind",
        )
    if isinstance(effect, k.RemoveWorkerOwner):
        if effect.member not in owners:
            raise InvalidParams(
                "they are not a worker-owner of this co-operative", field="params.member"
            )
        if owners == {effect.member}:
            raise InvalidParams(
                "a co-operative keeps at least one worker-owner", field="params.member"
            )
    standing = uow.memberships.get_many(collective.id, sorted(owners))
    return sorted(m for m in owners if m in standing and standing[m].is_active)


def settle_invitation(uow: UnitOfWork, proposal: Proposal, *, now: datetime) -> None:
    """An admission vote that did not pass (failed, or withdrawn) rejects its invitation."""
    if proposal.kind is not k.ProposalKind.ADMIT_WORKER_OWNER:
        return
    if proposal.status is ProposalStatus.PASSED:
        return
    invitation = uow.governance.invitation_of(proposal.id)
    if invitation is None or invitation.status is not rules.InvitationStatus.ACCEPTED:
        return
    rejected = rules.step(invitation, rules.Action.REJECT, actor=None, now=now)
    uow.governance.save_invitation(rejected, was=invitation.status)


# --- effects: applied by ``governance_effects`` when a co-operative's proposal passes, through
# the enterprise service's own hooks (imported when applied: ``services.enterprises`` reads the
# governance services, which close proposals through here)


def _change(field: str, before: object, after: object) -> dict[str, Any]:
    return {"field": field, "from": before, "to": after}


def admit(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    from cybermutual.services import enterprises

    effect: k.AdmitWorkerOwner = e
    enterprise = cooperative(uow, c, _scope(p))
    invitation = uow.governance.invitation_of(p.id)
    if invitation is None or invitation.status is not rules.InvitationStatus.ACCEPTED:
        raise NotApplicable("the invitation is no longer open")
    if effect.member in worker_owners(uow, c, enterprise.id):
        raise NotApplicable("they are already a worker-owner")
    enterprises.admit_worker_owner(uow, c, enterprise, effect.member, now=now)
    admitted = rules.step(invitation, rules.Action.ADMIT, actor=None, now=now)
    uow.governance.save_invitation(admitted, was=invitation.status)
    return [_change(f"worker_owners[{effect.member}]", None, "worker_owner")]


def remove(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    from cybermutual.services import enterprises

    effect: k.RemoveWorkerOwner = e
    enterprise = cooperative(uow, c, _scope(p))
    enterprises.remove_worker_owner(uow, enterprise, effect.member, now=now)
    return [_change(f"worker_owners[{effect.member}]", "worker_owner", None)]


def wage_rates(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    from cybermutual.services import enterprises

    effect: k.SetWageRates = e
    enterprise = cooperative(uow, c, _scope(p))
    before = dict(enterprise.wage_rates)
    enterprises.set_terms(uow, enterprise, wage_rates=dict(effect.rates))
    return [
        _change(f"wage_rates.{role.value}", before.get(role), wage) for role, wage in effect.rates
    ]


def reserve_share(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    from cybermutual.services import enterprises

    effect: k.SetReserveShare = e
    enterprise = cooperative(uow, c, _scope(p))
    enterprises.set_terms(uow, enterprise, reserve_share=effect.share)
    return [_change("reserve_share", str(enterprise.reserve_share), str(effect.share))]


def merit_metric(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    from cybermutual.services import enterprises

    effect: k.SetMeritMetric = e
    enterprise = cooperative(uow, c, _scope(p))
    enterprises.set_terms(uow, enterprise, merit_metric=effect.metric, mix=effect.mix)
    changes = [_change("merit_metric", enterprise.merit_metric.value, effect.metric.value)]
    if effect.mix is not None:
        changes.append(_change("mix", _mix(enterprise.mix), _mix(effect.mix)))
    return changes


def _mix(mix: MixWeights) -> dict[str, int]:
    return {"hours": mix.hours, "productivity": mix.productivity, "ratings": mix.ratings}


def _scope(proposal: Proposal) -> str:
    assert proposal.enterprise_id is not None
    return proposal.enterprise_id


APPLY = {
    k.AdmitWorkerOwner: admit,
    k.RemoveWorkerOwner: remove,
    k.SetWageRates: wage_rates,
    k.SetReserveShare: reserve_share,
    k.SetMeritMetric: merit_metric,
}
