"""Delegations, the policy history, admission approvals, allocation weights, impact estimates,
and the small lookups the governance services share (slugs, display names)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from cybermutual.services.governance_ports import Delegation, Impact, PolicyRecord
from cybermutual.services.ports import Page
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import (
    admission_approvals,
    allocation_weights,
    collectives,
    delegations,
    levy_rates,
    orders,
    people,
    policy_changes,
    proposals,
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


class SqlGovernanceRecords:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- delegation --------------------------------------------------------------------------

    def delegations(self, collective_id: str) -> dict[str, str]:
        rows = self._conn.execute(
            select(delegations.c.member_id, delegations.c.delegate_id).where(
                delegations.c.collective_id == collective_id
            )
        )
        return {r.member_id: r.delegate_id for r in rows}

    def delegation_count(self, collective_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count()).where(delegations.c.collective_id == collective_id)
            ).scalar_one()
        )

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
    ) -> None:
        self._conn.execute(
            insert(levy_rates).values(
                id=change_id,
                collective_id=collective_id,
                after_seq=after_seq,
                previous_rate=str(previous),
                rate=str(rate),
                proposal_id=proposal_id,
                changed_at=at,
            )
        )

    def levy_changes(self, collective_id: str) -> list[tuple[int, Decimal, Decimal]]:
        rows = self._conn.execute(
            select(levy_rates)
            .where(levy_rates.c.collective_id == collective_id)
            .order_by(levy_rates.c.after_seq, levy_rates.c.changed_at, levy_rates.c.id)
        )
        return [(r.after_seq, Decimal(r.previous_rate), Decimal(r.rate)) for r in rows]

    def collectives_with_due_orders(self, *, now: datetime) -> list[str]:
        """Collectives with delivered orders whose confirmation period is over (for the tick)."""
        rows = self._conn.execute(
            select(orders.c.collective_id)
            .where(
                orders.c.status == "delivered",
                orders.c.auto_confirm_at <= now,
                orders.c.auto_confirm_failed_at.is_(None),
            )
            .distinct()
        )
        return [r.collective_id for r in rows]

    def release_impact(self, proposal_id: str) -> None:
        self._conn.execute(
            update(proposals)
            .where(proposals.c.id == proposal_id, proposals.c.impact_status == "pending")
            .values(impact_claimed_at=None)
        )

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
