"""What the governance services need from storage, as protocols (the store implements them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from cybermutual.domain.governance.coop import Invitation, InvitationStatus
from cybermutual.domain.governance.proposals import Proposal, ProposalStatus
from cybermutual.domain.governance.public_services import Claim, PublicService
from cybermutual.domain.governance.tally import Ballot
from cybermutual.services.ports import Page


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    proposal_id: str
    author_id: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delegation:
    member_id: str
    delegate_id: str
    since: datetime


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    """One entry of a collective's policy history: what a passed proposal changed."""

    id: str
    collective_id: str
    proposal_id: str
    kind: str
    changes: list[dict[str, Any]]  # [{field, from, to}]
    applied: bool
    note: str
    applied_at: datetime


@dataclass(frozen=True, slots=True)
class Impact:
    status: str  # none | pending | ready | failed
    estimate: dict[str, Any] | None
    claimed_at: datetime | None


class GovernanceStore(Protocol):
    # proposals
    def add_proposal(self, proposal: Proposal, *, voters: Sequence[str], impact: str) -> None: ...

    def proposal(
        self, collective_id: str, proposal_id: str, *, lock: bool = False
    ) -> Proposal | None:
        """A proposal; ``lock`` holds it until the unit of work ends (votes and the closing
        queue on it, so no vote lands between a closing's tally and its close)."""
        ...

    def proposals(
        self,
        collective_id: str,
        *,
        status: ProposalStatus | None,
        limit: int,
        cursor: str | None,
        enterprise_id: str | None = None,
    ) -> Page[Proposal]:
        """The collective's own proposals, or (``enterprise_id``) one co-operative's."""
        ...

    def open_proposals(self, collective_id: str) -> list[Proposal]: ...

    def due(self, *, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(collective id, proposal id) of open proposals whose closing time has come."""
        ...

    def finish(self, proposal: Proposal) -> bool:
        """Store a closed or withdrawn proposal, only if it is still open; False otherwise."""
        ...

    # votes
    def voters(self, proposal_id: str) -> set[str]: ...

    def eligible_count(self, collective_id: str, proposal_id: str) -> int:
        """Voters of the proposal who are still active members."""
        ...

    def is_voter(self, proposal_id: str, member_id: str) -> bool: ...

    def ballots(self, proposal_id: str) -> list[Ballot]: ...

    def ballot(self, proposal_id: str, voter_id: str) -> Ballot | None: ...

    def save_ballot(self, proposal_id: str, ballot: Ballot) -> None: ...

    def ballot_count(self, proposal_id: str) -> int: ...

    # comments
    def add_comment(self, comment: Comment) -> None: ...

    def comments(self, proposal_id: str, *, limit: int, cursor: str | None) -> Page[Comment]: ...

    # delegation
    def delegations(self, collective_id: str) -> dict[str, str]: ...

    def delegation_count(self, collective_id: str) -> int: ...

    def delegation(self, collective_id: str, member_id: str) -> Delegation | None: ...

    def set_delegation(self, collective_id: str, delegation: Delegation) -> None: ...

    def remove_delegation(self, collective_id: str, member_id: str) -> bool: ...

    def remove_delegations_of(self, collective_id: str, member_id: str) -> None:
        """Drop the member's own delegation and every delegation to them."""
        ...

    def delegators(self, collective_id: str, delegate_id: str) -> list[Delegation]: ...

    # policy history
    def add_policy(self, record: PolicyRecord) -> None: ...

    def policies(
        self, collective_id: str, *, limit: int, cursor: str | None
    ) -> Page[PolicyRecord]: ...

    def policy_of(self, proposal_id: str) -> PolicyRecord | None: ...

    # admission and allocation weights
    def approvals(self, collective_id: str, candidate_id: str) -> set[str]: ...

    def add_approval(
        self, collective_id: str, candidate_id: str, approver_id: str, *, at: datetime
    ) -> None: ...

    def clear_approvals(self, collective_id: str, candidate_id: str) -> None: ...

    def weights(self, collective_id: str) -> dict[str, Decimal]: ...

    def set_weights(self, collective_id: str, weights: Mapping[str, Decimal]) -> None: ...

    # levy history, for ledger verify
    def add_levy_change(
        self,
        collective_id: str,
        *,
        change_id: str,
        after_seq: int,
        previous: Decimal,
        rate: Decimal,
        proposal_id: str,
        at: datetime,
    ) -> None: ...

    def levy_changes(self, collective_id: str) -> list[tuple[int, Decimal, Decimal]]:
        """(after journal entry, previous rate, new rate) of every voted levy change, in order."""
        ...

    # impact estimates
    def impact(self, proposal_id: str) -> Impact: ...

    def claim_impact(self, proposal_id: str, *, now: datetime, stale_before: datetime) -> bool:
        """Take the pending estimate to compute (once), unless someone took it after
        ``stale_before``; False when it is not pending or is being computed."""
        ...

    def release_impact(self, proposal_id: str) -> None:
        """Give a claimed estimate back (it stays pending, for the next worker)."""
        ...

    def store_impact(self, proposal_id: str, *, status: str, estimate: dict[str, Any]) -> None: ...

    def pending_impacts(self, *, limit: int) -> list[tuple[str, str]]:
        """(collective id, proposal id) of estimates still to compute."""
        ...

    def collectives_with_open(self) -> list[str]: ...

    def collective_of(self, proposal_id: str) -> str | None: ...

    def collectives_with_basic_income(self) -> list[str]: ...

    def collectives_with_due_orders(self, *, now: datetime) -> list[str]: ...

    def slugs(self, collective_ids: Iterable[str]) -> dict[str, str]: ...

    # names
    def display_names(self, member_ids: Iterable[str]) -> dict[str, str]: ...

    # a co-operative's invitations to join (``domain/governance/coop.py``)
    def add_invitation(self, invitation: Invitation) -> None: ...

    def invitation(
        self, collective_id: str, invitation_id: str, *, lock: bool = False
    ) -> Invitation | None: ...

    def invitation_of(self, proposal_id: str) -> Invitation | None:
        """The invitation whose admission vote is this proposal."""
        ...

    def save_invitation(self, invitation: Invitation, *, was: InvitationStatus) -> bool:
        """Store the new state only if the stored one is still ``was``; False otherwise."""
        ...

    def invitations(self, enterprise_id: str, *, limit: int) -> list[Invitation]: ...

    def open_invitees(self, enterprise_id: str) -> set[str]: ...

    def invitations_to(self, collective_id: str, member_id: str) -> list[Invitation]: ...


class PublicServiceStore(Protocol):
    def add_service(self, service: PublicService) -> None: ...

    def service(self, collective_id: str, service_id: str) -> PublicService | None: ...

    def services(
        self, collective_id: str, *, limit: int, cursor: str | None
    ) -> Page[PublicService]: ...

    def services_by_id(self, service_ids: Iterable[str]) -> dict[str, PublicService]: ...

    def save_service(self, service: PublicService) -> None: ...

    def add_provider(self, service_id: str, member_id: str, *, at: datetime) -> None: ...

    def remove_provider(self, service_id: str, member_id: str) -> bool: ...

    def remove_provider_everywhere(self, collective_id: str, member_id: str) -> None: ...

    def providers(self, service_id: str) -> list[tuple[str, datetime]]: ...

    def is_provider(self, service_id: str, member_id: str) -> bool: ...

    def add_claim(self, claim: Claim) -> None: ...

    def claim(self, collective_id: str, claim_id: str) -> Claim | None: ...

    def save_claim(self, claim: Claim) -> None: ...

    def claims(
        self, service_id: str, *, viewer: str | None, limit: int, cursor: str | None
    ) -> Page[Claim]: ...

    def waiting(self, collective_id: str) -> list[Claim]: ...

    def due_claims(self, collective_id: str, *, now: datetime) -> list[Claim]: ...

    def spent(self, service_periods: Mapping[str, str]) -> dict[str, int]:
        """What each service (id -> current period key) has paid in that period."""
        ...

    def collectives_with_waiting(self) -> list[str]: ...

    def paid_members(self, collective_id: str, *, what: str, period_key: str) -> set[str]: ...

    def add_periodic(
        self,
        collective_id: str,
        *,
        what: str,
        period_key: str,
        payments: Sequence[tuple[str, int, str]],
        at: datetime,
    ) -> None:
        """Record (member, amount, transfer id) rows; a repeat of any row is refused."""
        ...
