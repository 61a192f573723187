"""Disputes with their jurors, and the memberships a jury is drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from cybermutual.domain.market.disputes import Dispute, DisputeStatus, Juror, Vote
from cybermutual.domain.membership import Membership
from cybermutual.services.ports import Page
from cybermutual.store.collectives import membership_from_row
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import (
    dispute_jurors,
    disputes,
    memberships,
    orders,
)


class SqlDisputes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _jurors(self, dispute_ids: Sequence[str]) -> dict[str, list[Juror]]:
        found: dict[str, list[Juror]] = {d: [] for d in dispute_ids}
        rows = self._conn.execute(
            select(dispute_jurors)
            .where(dispute_jurors.c.dispute_id.in_(set(dispute_ids)))
            .order_by(dispute_jurors.c.dispute_id, dispute_jurors.c.position)
        )
        for r in rows:
            found[r.dispute_id].append(
                Juror(
                    r.juror_id,
                    None if r.vote is None else Vote(r.vote),
                    r.voted_at,
                    r.vacated_at,
                )
            )
        return found

    def _disputes(self, rows: Sequence[Any]) -> list[Dispute]:
        jurors = self._jurors([r.id for r in rows])
        return [
            Dispute(
                id=r.id,
                collective_id=r.collective_id,
                order_id=r.order_id,
                opened_by=r.opened_by,
                reason=r.reason,
                status=DisputeStatus(r.status),
                seed=r.seed,
                jurors=tuple(jurors[r.id]),
                created_at=r.created_at,
                jury_draw=r.jury_draw,
                outcome=None if r.outcome is None else Vote(r.outcome),
                seller_share=r.seller_share,
                proposed_by=r.proposed_by,
                proposed_share=r.proposed_share,
                closed_at=r.closed_at,
            )
            for r in rows
        ]

    @staticmethod
    def _values(d: Dispute) -> dict[str, Any]:
        return {
            "status": d.status.value,
            "outcome": None if d.outcome is None else d.outcome.value,
            "seller_share": d.seller_share,
            "proposed_by": d.proposed_by,
            "proposed_share": d.proposed_share,
            "closed_at": d.closed_at,
        }

    def add(self, dispute: Dispute) -> None:
        self._conn.execute(
            insert(disputes).values(
                id=dispute.id,
                collective_id=dispute.collective_id,
                order_id=dispute.order_id,
                opened_by=dispute.opened_by,
                reason=dispute.reason,
                seed=dispute.seed,
                jury_draw=dispute.jury_draw,
                created_at=dispute.created_at,
                **self._values(dispute),
            )
        )
        self._add_jurors(dispute.id, dispute.jurors, start=0)

    def _add_jurors(self, dispute_id: str, jurors: Sequence[Juror], *, start: int) -> None:
        if jurors:
            self._conn.execute(
                insert(dispute_jurors),
                [
                    {
                        "dispute_id": dispute_id,
                        "juror_id": j.member_id,
                        "position": start + i,
                        "vote": None if j.vote is None else j.vote.value,
                        "voted_at": j.voted_at,
                        "vacated_at": j.vacated_at,
                    }
                    for i, j in enumerate(jurors)
                ],
            )

    def save(self, dispute: Dispute) -> None:
        self._conn.execute(
            update(disputes).where(disputes.c.id == dispute.id).values(**self._values(dispute))
        )
        stored = self._jurors([dispute.id])[dispute.id]
        before = {j.member_id: j for j in stored}
        for juror in dispute.jurors:
            if juror.member_id in before and before[juror.member_id] != juror:
                self._conn.execute(
                    update(dispute_jurors)
                    .where(
                        dispute_jurors.c.dispute_id == dispute.id,
                        dispute_jurors.c.juror_id == juror.member_id,
                    )
                    .values(
                        vote=None if juror.vote is None else juror.vote.value,
                        voted_at=juror.voted_at,
                        vacated_at=juror.vacated_at,
                    )
                )
        self._add_jurors(
            dispute.id,
            [j for j in dispute.jurors if j.member_id not in before],
            start=len(stored),
        )

    def get(self, dispute_id: str, *, lock: bool = False) -> Dispute | None:
        query = select(disputes).where(disputes.c.id == dispute_id)
        rows = self._conn.execute(query.with_for_update() if lock else query).all()
        return self._disputes(rows)[0] if rows else None

    def of_order(self, order_id: str) -> Dispute | None:
        rows = self._conn.execute(select(disputes).where(disputes.c.order_id == order_id)).all()
        return self._disputes(rows)[0] if rows else None

    def of_orders(self, order_ids: Sequence[str]) -> dict[str, Dispute]:
        if not order_ids:
            return {}
        wanted = sorted(set(order_ids))
        rows = self._conn.execute(select(disputes).where(disputes.c.order_id.in_(wanted))).all()
        return {d.order_id: d for d in self._disputes(rows)}

    def involving(
        self, collective_id: str, member_id: str, *, open_only: bool, limit: int, cursor: str | None
    ) -> Page[Dispute]:
        as_party = select(orders.c.id).where(
            or_(orders.c.buyer_id == member_id, orders.c.seller_id == member_id)
        )
        as_juror = select(dispute_jurors.c.dispute_id).where(dispute_jurors.c.juror_id == member_id)
        where = [
            disputes.c.collective_id == collective_id,
            or_(disputes.c.order_id.in_(as_party), disputes.c.id.in_(as_juror)),
        ]
        if open_only:
            where.append(disputes.c.status == DisputeStatus.OPEN.value)
        where += newest_after(disputes.c.created_at, disputes.c.id, cursor)
        rows = self._conn.execute(
            select(disputes)
            .where(*where)
            .order_by(disputes.c.created_at.desc(), disputes.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor(self._disputes(rows), limit, "created_at")
        return Page(items, next_cursor)

    def open_seats_of(self, collective_id: str, member_id: str) -> list[Dispute]:
        """Open disputes where this member holds a seat and has not voted."""
        seats = select(dispute_jurors.c.dispute_id).where(
            dispute_jurors.c.juror_id == member_id,
            dispute_jurors.c.vote.is_(None),
            dispute_jurors.c.vacated_at.is_(None),
        )
        rows = self._conn.execute(
            select(disputes)
            .where(
                disputes.c.collective_id == collective_id,
                disputes.c.status == DisputeStatus.OPEN.value,
                disputes.c.id.in_(seats),
            )
            .order_by(disputes.c.id)
        ).all()
        return self._disputes(rows)

    def jury_candidates(self, collective_id: str) -> list[Membership]:
        rows = self._conn.execute(
            select(memberships)
            .where(memberships.c.collective_id == collective_id)
            .order_by(memberships.c.member_id)
        )
        return [membership_from_row(r) for r in rows]
