"""Proposals, their voters, ballots and comments; with ``governance_records``, the governance
repository of the unit of work."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from cybermutual.domain.governance.kinds import ProposalKind
from cybermutual.domain.governance.proposals import Proposal, ProposalStatus
from cybermutual.domain.governance.tally import Ballot, Choice, Tally
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.governance_ports import Comment
from cybermutual.services.ports import Page
from cybermutual.store.coop import SqlInvitations
from cybermutual.store.governance_records import SqlGovernanceRecords
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import (
    ballots,
    memberships,
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
        enterprise_id=row.enterprise_id,
    )


class SqlGovernance(SqlGovernanceRecords, SqlInvitations):
    """Proposals, their voters, ballots and comments (the rest in ``governance_records``)."""

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
                enterprise_id=proposal.enterprise_id,
            )
        )
        if voters:
            self._conn.execute(
                insert(proposal_voters),
                [{"proposal_id": proposal.id, "member_id": m} for m in voters],
            )

    def proposal(
        self, collective_id: str, proposal_id: str, *, lock: bool = False
    ) -> Proposal | None:
        query = select(*_PROPOSAL_COLUMNS).where(
            proposals.c.id == proposal_id, proposals.c.collective_id == collective_id
        )
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _proposal(row)

    def proposals(
        self,
        collective_id: str,
        *,
        status: ProposalStatus | None,
        limit: int,
        cursor: str | None,
        enterprise_id: str | None = None,
    ) -> Page[Proposal]:
        scope = (
            proposals.c.enterprise_id.is_(None)
            if enterprise_id is None
            else proposals.c.enterprise_id == enterprise_id
        )
        query = (
            select(*_PROPOSAL_COLUMNS)
            .where(
                proposals.c.collective_id == collective_id,
                scope,
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

    def eligible_count(self, collective_id: str, proposal_id: str) -> int:
        """Voters of the proposal who are still active members."""
        return int(
            self._conn.execute(
                select(func.count())
                .select_from(proposal_voters)
                .join(
                    memberships,
                    (memberships.c.member_id == proposal_voters.c.member_id)
                    & (memberships.c.collective_id == collective_id),
                )
                .where(
                    proposal_voters.c.proposal_id == proposal_id,
                    memberships.c.status == MembershipStatus.ACTIVE.value,
                )
            ).scalar_one()
        )

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
