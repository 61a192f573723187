"""Orders (deals, tasks' assignments among them): their rows, lookups and the due list of
auto-confirmation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from cybermutual.domain.market.deals import TERMINAL, DealKind, Order, OrderStatus
from cybermutual.services.ports import Page
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import orders


def _order(row: Any) -> Order:
    return Order(
        id=row.id,
        collective_id=row.collective_id,
        kind=DealKind(row.kind),
        listing_id=row.listing_id,
        buyer_id=row.buyer_id,
        seller_id=row.seller_id,
        quantity=row.quantity,
        unit_price=row.unit_price,
        amount=row.amount,
        status=OrderStatus(row.status),
        escrow_id=row.escrow_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        note=row.note,
        quote_id=row.quote_id,
        application_id=row.application_id,
        delivered_at=row.delivered_at,
        closed_at=row.closed_at,
        auto_confirm_at=row.auto_confirm_at,
        payout_id=row.payout_id,
        enterprise_id=row.enterprise_id,
        delivered_by=row.delivered_by,
    )


class SqlOrders:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @staticmethod
    def _values(o: Order) -> dict[str, Any]:
        return {
            "id": o.id,
            "collective_id": o.collective_id,
            "kind": o.kind.value,
            "listing_id": o.listing_id,
            "quote_id": o.quote_id,
            "application_id": o.application_id,
            "buyer_id": o.buyer_id,
            "seller_id": o.seller_id,
            "quantity": o.quantity,
            "unit_price": o.unit_price,
            "amount": o.amount,
            "status": o.status.value,
            "escrow_id": o.escrow_id,
            "payout_id": o.payout_id,
            "enterprise_id": o.enterprise_id,
            "delivered_by": o.delivered_by,
            "note": o.note,
            "created_at": o.created_at,
            "updated_at": o.updated_at,
            "delivered_at": o.delivered_at,
            "closed_at": o.closed_at,
            "auto_confirm_at": o.auto_confirm_at,
        }

    def add(self, order: Order) -> None:
        self._conn.execute(insert(orders).values(**self._values(order)))

    def save(self, order: Order) -> None:
        values = self._values(order)
        del values["id"]
        self._conn.execute(update(orders).where(orders.c.id == order.id).values(**values))

    def get(self, order_id: str, *, lock: bool = False) -> Order | None:
        query = select(orders).where(orders.c.id == order_id)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _order(row)

    def of_member(
        self,
        collective_id: str,
        member_id: str,
        *,
        role: str | None,
        status: OrderStatus | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Order]:
        if role == "buyer":
            party = orders.c.buyer_id == member_id
        elif role == "seller":
            party = orders.c.seller_id == member_id
        else:
            party = or_(orders.c.buyer_id == member_id, orders.c.seller_id == member_id)
        where = [orders.c.collective_id == collective_id, party]
        if status is not None:
            where.append(orders.c.status == status.value)
        where += newest_after(orders.c.created_at, orders.c.id, cursor)
        rows = self._conn.execute(
            select(orders)
            .where(*where)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor([_order(r) for r in rows], limit, "created_at")
        return Page(items, next_cursor)

    def of_listing(self, listing_id: str) -> list[Order]:
        rows = self._conn.execute(
            select(orders)
            .where(orders.c.listing_id == listing_id)
            .order_by(orders.c.created_at, orders.c.id)
        )
        return [_order(r) for r in rows]

    def by_ids(self, order_ids: Sequence[str]) -> dict[str, Order]:
        if not order_ids:
            return {}
        rows = self._conn.execute(select(orders).where(orders.c.id.in_(sorted(set(order_ids)))))
        return {r.id: _order(r) for r in rows}

    def due(self, collective_id: str, *, now: datetime, limit: int) -> list[str]:
        rows = self._conn.execute(
            select(orders.c.id)
            .where(
                orders.c.collective_id == collective_id,
                orders.c.status == OrderStatus.DELIVERED.value,
                orders.c.auto_confirm_at <= now,
                orders.c.auto_confirm_failed_at.is_(None),
            )
            .order_by(orders.c.auto_confirm_at, orders.c.id)
            .limit(limit)
        )
        return [r.id for r in rows]

    def by_escrow(self, transfer_id: str) -> Order | None:
        row = self._conn.execute(select(orders).where(orders.c.escrow_id == transfer_id)).first()
        return None if row is None else _order(row)

    def open_of(self, collective_id: str) -> list[Order]:
        rows = self._conn.execute(
            select(orders)
            .where(
                orders.c.collective_id == collective_id,
                orders.c.status.not_in([s.value for s in TERMINAL]),
            )
            .order_by(orders.c.id)
        )
        return [_order(r) for r in rows]

    def set_aside(self, order_id: str, *, reason: str, at: datetime) -> None:
        self._conn.execute(
            update(orders)
            .where(orders.c.id == order_id)
            .values(auto_confirm_failed_at=at, auto_confirm_error=reason[:2000])
        )

    def set_aside_of(self, collective_id: str) -> dict[str, tuple[datetime, str]]:
        rows = self._conn.execute(
            select(orders.c.id, orders.c.auto_confirm_failed_at, orders.c.auto_confirm_error).where(
                orders.c.collective_id == collective_id,
                orders.c.auto_confirm_failed_at.is_not(None),
            )
        )
        return {r.id: (r.auto_confirm_failed_at, r.auto_confirm_error or "") for r in rows}
