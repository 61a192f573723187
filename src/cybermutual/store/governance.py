"""Proposals, voters, ballots, comments, delegations, policy history, approvals and weights."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from cybermutual.domain.governance.kinds import ProposalKind
from cybermutual.domain.governance.proposals import Proposal, ProposalStatus
from cybermutual.domain.governance.tally import Ballot, Choice, Tally
from cybermutual.services.governance_ports import Comment, Delegation, Impact, PolicyRecord
from cybermutual.services.ports import Page
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import (
    admission_approvals,
    allocation_weights,
    ballots,
    collectives,
    delegations,
    people,
    policy_changes,
    proposal_comments,
    proposal_voters,
    proposals,
)

_PROPOSAL_COLUMNS = [c for c in proposals.c if c.name not in ("impact",)]


def _proposal(row: Any) -> Proposal:
    return Proposal(
        id=row.id,
        collective_id=row.collective_id,
        kind=ProposalKind(row.kind),
        title=row.title,
        body=row.body,
        params=json.loads(row.params),
        author_id=row.author_id,
        status=ProposalStatus(row.status),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        closed_at=row.closed_at,
        tally=None if row.tally is None else Tally.from_dict(json.loads(row.tally)),
        outcome=row.outcome,
    )


def _policy(row: Any) -> PolicyRecord:
    return PolicyRecord(
        id=row.id,
        collective_id=row.collective_id,
        proposal_id=row.proposal_id,
        kind=row.kind,
        changes=json.loads(row.changes),
        applied=row.applied,
        note=row.note,
        applied_at=row.applied_at,
    )


class SqlGovernance:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- proposals ---------------------------------------------------------------------------

    def add_proposal(self, proposal: Proposal, *, voters: Sequence[str], impact: str) -> None:
        self._conn.execute(
            insert(proposals).values(
                id=proposal.id,
                collective_id=proposal.collective_id,
                kind=proposal.kind.value,
                title=proposal.title,
                body=proposal.body,
                params=json.dumps(proposal.params, sort_keys=True),
                author_id=proposal.author_id,
                status=proposal.status.value,
                opens_at=proposal.opens_at,
                closes_at=proposal.closes_at,
                impact_status=impact,
            )
        )
        if voters:
            self._conn.execute(
                insert(proposal_voters),
                [{"proposal_id": proposal.id, "member_id": m} for m in voters],
            )

    def proposal(self, collective_id: str, proposal_id: str) -> Proposal | None:
        row = self._conn.execute(
            select(*_PROPOSAL_COLUMNS).where(
                proposals.c.id == proposal_id, proposals.c.collective_id == collective_id
            )
        ).first()
        return None if row is None else _proposal(row)

    def proposals(
        self, collective_id: str, *, status: ProposalStatus | None, limit: int, cursor: str | None
    ) -> Page[Proposal]:
        query = (
            select(*_PROPOSAL_COLUMNS)
            .where(
                proposals.c.collective_id == collective_id,
                *newest_after(proposals.c.opens_at, proposals.c.id, cursor),
            )
            .order_by(proposals.c.opens_at.desc(), proposals.c.id.desc())
            .limit(limit + 1)
        )
        if status is not None:
            query = query.where(proposals.c.status == status.value)
        items, next_cursor = newest_cursor(
            [_proposal(r) for r in self._conn.execute(query)], limit, "opens_at"
        )
        return Page(items, next_cursor)

    def open_proposals(self, collective_id: str) -> list[Proposal]:
        rows = self._conn.execute(
            select(*_PROPOSAL_COLUMNS)
            .where(
                proposals.c.collective_id == collective_id,
                proposals.c.status == ProposalStatus.OPEN.value,
            )
            .order_by(proposals.c.closes_at, proposals.c.id)
        )
        return [_proposal(r) for r in rows]

    def due(self, *, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            select(proposals.c.collective_id, proposals.c.id)
            .where(proposals.c.status == ProposalStatus.OPEN.value, proposals.c.closes_at <= now)
            .order_by(proposals.c.closes_at, proposals.c.id)
            .limit(limit)
        )
        return [(r.collective_id, r.id) for r in rows]

    def collectives_with_open(self) -> list[str]:
        rows = self._conn.execute(
            select(proposals.c.collective_id)
            .where(proposals.c.status == ProposalStatus.OPEN.value)
            .distinct()
        )
        return [r.collective_id for r in rows]

    def finish(self, proposal: Proposal) -> bool:
        result = self._conn.execute(
            update(proposals)
            .where(proposals.c.id == proposal.id, proposals.c.status == ProposalStatus.OPEN.value)
            .values(
                status=proposal.status.value,
                closed_at=proposal.closed_at,
                tally=None if proposal.tally is None else json.dumps(proposal.tally.as_dict()),
                outcome=proposal.outcome,
            )
        )
        return result.rowcount == 1

    # --- votes -------------------------------------------------------------------------------

    def voters(self, proposal_id: str) -> set[str]:
        rows = self._conn.execute(
            select(proposal_voters.c.member_id).where(proposal_voters.c.proposal_id == proposal_id)
        )
        return {r.member_id for r in rows}

    def is_voter(self, proposal_id: str, member_id: str) -> bool:
        row = self._conn.execute(
            select(proposal_voters.c.member_id).where(
                proposal_voters.c.proposal_id == proposal_id,
                proposal_voters.c.member_id == member_id,
            )
        ).first()
        return row is not None

    def ballots(self, proposal_id: str) -> list[Ballot]:
        rows = self._conn.execute(select(ballots).where(ballots.c.proposal_id == proposal_id))
        return [Ballot(r.voter_id, Choice(r.choice), r.cast_at) for r in rows]

    def ballot(self, proposal_id: str, voter_id: str) -> Ballot | None:
        row = self._conn.execute(
            select(ballots).where(
                ballots.c.proposal_id == proposal_id, ballots.c.voter_id == voter_id
            )
        ).first()
        return None if row is None else Ballot(row.voter_id, Choice(row.choice), row.cast_at)

    def save_ballot(self, proposal_id: str, ballot: Ballot) -> None:
        values = {"choice": ballot.choice.value, "cast_at": ballot.cast_at}
        updated = self._conn.execute(
            update(ballots)
            .where(ballots.c.proposal_id == proposal_id, ballots.c.voter_id == ballot.voter)
            .values(**values)
        )
        if updated.rowcount == 0:
            self._conn.execute(
                insert(ballots).values(proposal_id=proposal_id, voter_id=ballot.voter, **values)
            )

    def ballot_count(self, proposal_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count()).where(ballots.c.proposal_id == proposal_id)
            ).scalar_one()
        )

    # --- comments ----------------------------------------------------------------------------

    def add_comment(self, comment: Comment) -> None:
        self._conn.execute(
            insert(proposal_comments).values(
                id=comment.id,
                proposal_id=comment.proposal_id,
                author_id=comment.author_id,
                body=comment.body,
                created_at=comment.created_at,
            )
        )

    def comments(self, proposal_id: str, *, limit: int, cursor: str | None) -> Page[Comment]:
        t = proposal_comments
        rows = self._conn.execute(
            select(t)
            .where(t.c.proposal_id == proposal_id, *newest_after(t.c.created_at, t.c.id, cursor))
            .order_by(t.c.created_at.desc(), t.c.id.desc())
            .limit(limit + 1)
        )
        items = [Comment(r.id, r.proposal_id, r.author_id, r.body, r.created_at) for r in rows]
        kept, next_cursor = newest_cursor(items, limit, "created_at")
        return Page(kept, next_cursor)

    # --- delegation --------------------------------------------------------------------------

    def delegations(self, collective_id: str) -> dict[str, str]:
        rows = self._conn.execute(
            select(delegations.c.member_id, delegations.c.delegate_id).where(
                delegations.c.collective_id == collective_id
            )
        )
        return {r.member_id: r.delegate_id for r in rows}

    def delegation(self, collective_id: str, member_id: str) -> Delegation | None:
        row = self._conn.execute(
            select(delegations).where(
                delegations.c.collective_id == collective_id,
                delegations.c.member_id == member_id,
            )
        ).first()
        return None if row is None else Delegation(row.member_id, row.delegate_id, row.since)

    def set_delegation(self, collective_id: str, delegation: Delegation) -> None:
        self.remove_delegation(collective_id, delegation.member_id)
        self._conn.execute(
            insert(delegations).values(
                collective_id=collective_id,
                member_id=delegation.member_id,
                delegate_id=delegation.delegate_id,
                since=delegation.since,
            )
        )

    def remove_delegation(self, collective_id: str, member_id: str) -> bool:
        result = self._conn.execute(
            delete(delegations).where(
                delegations.c.collective_id == collective_id,
                delegations.c.member_id == member_id,
            )
        )
        return result.rowcount > 0

    def remove_delegations_of(self, collective_id: str, member_id: str) -> None:
        self._conn.execute(
            delete(delegations).where(
                delegations.c.collective_id == collective_id,
                or_(delegations.c.member_id == member_id, delegations.c.delegate_id == member_id),
            )
        )

    def delegators(self, collective_id: str, delegate_id: str) -> list[Delegation]:
        rows = self._conn.execute(
            select(delegations)
            .where(
                delegations.c.collective_id == collective_id,
                delegations.c.delegate_id == delegate_id,
            )
            .order_by(delegations.c.member_id)
        )
        return [Delegation(r.member_id, r.delegate_id, r.since) for r in rows]

    # --- policy history ----------------------------------------------------------------------

    def add_policy(self, record: PolicyRecord) -> None:
        self._conn.execute(
            insert(policy_changes).values(
                id=record.id,
                collective_id=record.collective_id,
                proposal_id=record.proposal_id,
                kind=record.kind,
                changes=json.dumps(record.changes),
                applied=record.applied,
                note=record.note,
                applied_at=record.applied_at,
            )
        )

    def policies(self, collective_id: str, *, limit: int, cursor: str | None) -> Page[PolicyRecord]:
        t = policy_changes
        rows = self._conn.execute(
            select(t)
            .where(
                t.c.collective_id == collective_id,
                *newest_after(t.c.applied_at, t.c.id, cursor),
            )
            .order_by(t.c.applied_at.desc(), t.c.id.desc())
            .limit(limit + 1)
        )
        kept, next_cursor = newest_cursor([_policy(r) for r in rows], limit, "applied_at")
        return Page(kept, next_cursor)

    def policy_of(self, proposal_id: str) -> PolicyRecord | None:
        row = self._conn.execute(
            select(policy_changes).where(policy_changes.c.proposal_id == proposal_id)
        ).first()
        return None if row is None else _policy(row)

    # --- admission and allocation weights ----------------------------------------------------

    def approvals(self, collective_id: str, candidate_id: str) -> set[str]:
        t = admission_approvals
        rows = self._conn.execute(
            select(t.c.approver_id).where(
                t.c.collective_id == collective_id, t.c.candidate_id == candidate_id
            )
        )
        return {r.approver_id for r in rows}

    def add_approval(
        self, collective_id: str, candidate_id: str, approver_id: str, *, at: datetime
    ) -> None:
        if approver_id in self.approvals(collective_id, candidate_id):
            return
        self._conn.execute(
            insert(admission_approvals).values(
                collective_id=collective_id,
                candidate_id=candidate_id,
                approver_id=approver_id,
                at=at,
            )
        )

    def clear_approvals(self, collective_id: str, candidate_id: str) -> None:
        t = admission_approvals
        self._conn.execute(
            delete(t).where(t.c.collective_id == collective_id, t.c.candidate_id == candidate_id)
        )

    def weights(self, collective_id: str) -> dict[str, Decimal]:
        t = allocation_weights
        rows = self._conn.execute(select(t).where(t.c.collective_id == collective_id))
        return {r.member_id: Decimal(r.weight) for r in rows}

    def set_weights(self, collective_id: str, weights: Mapping[str, Decimal]) -> None:
        t = allocation_weights
        self._conn.execute(delete(t).where(t.c.collective_id == collective_id))
        if weights:
            self._conn.execute(
                insert(t),
                [
                    {"collective_id": collective_id, "member_id": m, "weight": str(w)}
                    for m, w in weights.items()
                ],
            )

    # --- impact estimates --------------------------------------------------------------------

    def impact(self, proposal_id: str) -> Impact:
        row = self._conn.execute(
            select(
                proposals.c.impact_status, proposals.c.impact, proposals.c.impact_claimed_at
            ).where(proposals.c.id == proposal_id)
        ).one()
        estimate = None if row.impact is None else json.loads(row.impact)
        return Impact(row.impact_status, estimate, row.impact_claimed_at)

    def claim_impact(self, proposal_id: str, *, now: datetime, stale_before: datetime) -> bool:
        result = self._conn.execute(
            update(proposals)
            .where(
                proposals.c.id == proposal_id,
                proposals.c.impact_status == "pending",
                or_(
                    proposals.c.impact_claimed_at.is_(None),
                    proposals.c.impact_claimed_at < stale_before,
                ),
            )
            .values(impact_claimed_at=now)
        )
        return result.rowcount == 1

    def store_impact(self, proposal_id: str, *, status: str, estimate: dict[str, Any]) -> None:
        self._conn.execute(
            update(proposals)
            .where(proposals.c.id == proposal_id, proposals.c.impact_status == "pending")
            .values(impact_status=status, impact=json.dumps(estimate))
        )

    def pending_impacts(self, *, limit: int) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            select(proposals.c.collective_id, proposals.c.id)
            .where(proposals.c.impact_status == "pending")
            .order_by(proposals.c.opens_at)
            .limit(limit)
        )
        return [(r.collective_id, r.id) for r in rows]

    def collective_of(self, proposal_id: str) -> str | None:
        row = self._conn.execute(
            select(proposals.c.collective_id).where(proposals.c.id == proposal_id)
        ).first()
        return None if row is None else str(row.collective_id)

    def collectives_with_basic_income(self) -> list[str]:
        rows = self._conn.execute(select(collectives.c.id).where(collectives.c.basic_income > 0))
        return [r.id for r in rows]

    def slugs(self, collective_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(collective_ids))
        if not ids:
            return {}
        rows = self._conn.execute(
            select(collectives.c.id, collectives.c.slug).where(collectives.c.id.in_(ids))
        )
        return {r.id: r.slug for r in rows}

    def display_names(self, member_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(member_ids))
        if not ids:
            return {}
        rows = self._conn.execute(
            select(people.c.id, people.c.display_name).where(people.c.id.in_(ids))
        )
        return {r.id: r.display_name for r in rows}
