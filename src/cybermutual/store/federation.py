"""Federation's rows: links, cross-payments (outbox and inbox), nonces and link clearings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from cybermutual.domain.federation.links import Link, LinkState, Netting, Peer, Terms
from cybermutual.domain.federation.payments import CrossPayment, PaymentState, Side
from cybermutual.domain.federation.rate import Rate
from cybermutual.services.federation_ports import Held
from cybermutual.store.pagination import decode_cursor, encode_cursor
from cybermutual.store.tables import (
    cross_payments,
    federation_links,
    federation_nonces,
    link_clearings,
)


def _link(row: Any) -> Link:
    peer_terms = None
    if row.peer_rate is not None:
        peer_terms = Terms(Rate.parse(row.peer_rate), row.peer_limit_out, row.peer_limit_in)
    return Link(
        id=row.id,
        collective_id=row.collective_id,
        peer=Peer(row.peer_slug, row.peer_url or None),
        state=LinkState(row.state),
        terms=Terms(Rate.parse(row.rate), row.limit_out, row.limit_in),
        account_id=row.account_id,
        created_at=row.created_at,
        peer_link_id=row.peer_link_id,
        peer_terms=peer_terms,
        peer_decimals=row.peer_decimals,
        peer_currency=row.peer_currency,
        peer_key_id=row.peer_key_id,
        peer_public_key=row.peer_public_key,
        suspended_by_us=row.suspended_by_us,
        suspended_by_peer=row.suspended_by_peer,
        activated_at=row.activated_at,
        closed_at=row.closed_at,
    )


def _link_values(link: Link, outbox: str | None) -> dict[str, Any]:
    peer = link.peer_terms
    return {
        "collective_id": link.collective_id,
        "peer_slug": link.peer.slug,
        "peer_url": link.peer.url or "",
        "state": link.state.value,
        "rate": str(link.terms.rate),
        "limit_out": link.terms.limit_out,
        "limit_in": link.terms.limit_in,
        "account_id": link.account_id,
        "peer_link_id": link.peer_link_id,
        "peer_rate": None if peer is None else str(peer.rate),
        "peer_limit_out": None if peer is None else peer.limit_out,
        "peer_limit_in": None if peer is None else peer.limit_in,
        "peer_currency": link.peer_currency,
        "peer_decimals": link.peer_decimals,
        "peer_key_id": link.peer_key_id,
        "peer_public_key": link.peer_public_key,
        "suspended_by_us": link.suspended_by_us,
        "suspended_by_peer": link.suspended_by_peer,
        "outbox": outbox,
        "created_at": link.created_at,
        "activated_at": link.activated_at,
        "closed_at": link.closed_at,
    }


def _payment(row: Any) -> CrossPayment:
    return CrossPayment(
        id=row.id,
        collective_id=row.collective_id,
        link_id=row.link_id,
        side=Side(row.side),
        payment_ref=row.payment_ref,
        state=PaymentState(row.state),
        payer=row.payer,
        payee=row.payee,
        amount_ours=row.amount_ours,
        amount_theirs=row.amount_theirs,
        memo=row.memo,
        created_at=row.created_at,
        deadline=row.deadline,
        next_attempt_at=row.next_attempt_at,
        transfer_id=row.transfer_id,
        peer_done=row.peer_done,
        reason=row.reason,
        attempts=row.attempts,
        decided_at=row.decided_at,
    )


def _payment_values(p: CrossPayment) -> dict[str, Any]:
    return {
        "collective_id": p.collective_id,
        "link_id": p.link_id,
        "side": p.side.value,
        "payment_ref": p.payment_ref,
        "state": p.state.value,
        "peer_done": p.peer_done,
        "payer": p.payer,
        "payee": p.payee,
        "amount_ours": p.amount_ours,
        "amount_theirs": p.amount_theirs,
        "memo": p.memo,
        "transfer_id": p.transfer_id,
        "reason": p.reason,
        "attempts": p.attempts,
        "created_at": p.created_at,
        "deadline": p.deadline,
        "next_attempt_at": p.next_attempt_at,
        "decided_at": p.decided_at,
    }


_OPEN = (PaymentState.PREPARING.value, PaymentState.PREPARED.value)


class SqlFederation:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- links

    def add_link(self, link: Link, *, outbox: str | None) -> None:
        self._conn.execute(
            insert(federation_links).values(id=link.id, **_link_values(link, outbox))
        )

    def save_link(self, link: Link, *, outbox: str | None) -> None:
        self._conn.execute(
            update(federation_links)
            .where(federation_links.c.id == link.id)
            .values(**_link_values(link, outbox))
        )

    def link(self, link_id: str) -> tuple[Link, str | None] | None:
        row = self._conn.execute(
            select(federation_links).where(federation_links.c.id == link_id)
        ).first()
        return None if row is None else (_link(row), row.outbox)

    def lock_link(self, link_id: str) -> tuple[Link, str | None] | None:
        row = self._conn.execute(
            select(federation_links).where(federation_links.c.id == link_id).with_for_update()
        ).first()
        return None if row is None else (_link(row), row.outbox)

    def link_to(self, collective_id: str, peer: Peer) -> Link | None:
        row = self._conn.execute(
            select(federation_links).where(
                federation_links.c.collective_id == collective_id,
                federation_links.c.peer_slug == peer.slug,
                federation_links.c.peer_url == (peer.url or ""),
            )
        ).first()
        return None if row is None else _link(row)

    def links_of(self, collective_id: str) -> list[Link]:
        rows = self._conn.execute(
            select(federation_links)
            .where(federation_links.c.collective_id == collective_id)
            .order_by(federation_links.c.created_at, federation_links.c.id)
        )
        return [_link(row) for row in rows]

    def with_outbox(self, *, limit: int) -> list[tuple[Link, str]]:
        rows = self._conn.execute(
            select(federation_links)
            .where(federation_links.c.outbox.is_not(None))
            .order_by(federation_links.c.id)
            .limit(limit)
        )
        return [(_link(row), row.outbox) for row in rows]

    def clearable(self) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            select(federation_links.c.id, federation_links.c.account_id)
            .where(federation_links.c.state.in_(["active", "suspended", "closing"]))
            .order_by(federation_links.c.id)
        )
        return [(row.id, row.account_id) for row in rows]

    # --- payments

    def add_payment(self, payment: CrossPayment) -> None:
        self._conn.execute(insert(cross_payments).values(id=payment.id, **_payment_values(payment)))

    def save_payment(self, payment: CrossPayment) -> None:
        self._conn.execute(
            update(cross_payments)
            .where(cross_payments.c.id == payment.id)
            .values(**_payment_values(payment))
        )

    def _by_ref(self, collective_id: str, side: Side, ref: str, *, lock: bool) -> Any:
        query = select(cross_payments).where(
            cross_payments.c.collective_id == collective_id,
            cross_payments.c.side == side.value,
            cross_payments.c.payment_ref == ref,
        )
        return self._conn.execute(query.with_for_update() if lock else query).first()

    def payment(self, collective_id: str, side: Side, ref: str) -> CrossPayment | None:
        row = self._by_ref(collective_id, side, ref, lock=False)
        return None if row is None else _payment(row)

    def lock_payment(self, collective_id: str, side: Side, ref: str) -> CrossPayment | None:
        row = self._by_ref(collective_id, side, ref, lock=True)
        return None if row is None else _payment(row)

    def payment_by_id(self, payment_id: str) -> CrossPayment | None:
        row = self._conn.execute(
            select(cross_payments).where(cross_payments.c.id == payment_id)
        ).first()
        return None if row is None else _payment(row)

    def due(self, *, now: datetime, limit: int) -> list[CrossPayment]:
        c = cross_payments.c
        rows = self._conn.execute(
            select(cross_payments)
            .where(
                c.next_attempt_at <= now,
                or_(
                    and_(c.side == Side.ORIGIN.value, c.peer_done.is_(False)),
                    and_(c.side == Side.DESTINATION.value, c.state == PaymentState.PREPARED.value),
                ),
            )
            .order_by(c.next_attempt_at, c.id)
            .limit(limit)
        )
        return [_payment(row) for row in rows]

    def held(self, link_id: str) -> Held:
        c = cross_payments.c
        rows = self._conn.execute(
            select(c.side, func.coalesce(func.sum(c.amount_ours), 0))
            .where(c.link_id == link_id, c.state.in_(_OPEN))
            .group_by(c.side)
        ).all()
        sums = {side: int(total) for side, total in rows}
        return Held(out=sums.get(Side.ORIGIN.value, 0), into=sums.get(Side.DESTINATION.value, 0))

    def open_holds(self, collective_id: str) -> set[str]:
        c = cross_payments.c
        rows = self._conn.execute(
            select(c.transfer_id).where(
                c.collective_id == collective_id, c.state.in_(_OPEN), c.transfer_id.is_not(None)
            )
        )
        return {row.transfer_id for row in rows}

    def of_member(
        self, collective_id: str, member_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[CrossPayment], str | None]:
        c = cross_payments.c
        query = select(cross_payments).where(
            c.collective_id == collective_id,
            or_(
                and_(c.side == Side.ORIGIN.value, c.payer == member_id),
                and_(c.side == Side.DESTINATION.value, c.payee == member_id),
            ),
        )
        if cursor is not None:
            (before,) = decode_cursor(cursor, 1)
            query = query.where(c.id < str(before))
        rows = self._conn.execute(query.order_by(c.id.desc()).limit(limit + 1)).all()
        items = [_payment(row) for row in rows[:limit]]
        more = len(rows) > limit
        return items, encode_cursor(items[-1].id) if more and items else None

    def of_link(self, link_id: str) -> list[CrossPayment]:
        rows = self._conn.execute(
            select(cross_payments)
            .where(cross_payments.c.link_id == link_id)
            .order_by(cross_payments.c.id)
        )
        return [_payment(row) for row in rows]

    # --- nonces

    def remember_nonce(self, key_id: str, nonce: str, *, now: datetime) -> bool:
        seen = self._conn.execute(
            select(federation_nonces.c.nonce).where(
                federation_nonces.c.key_id == key_id, federation_nonces.c.nonce == nonce
            )
        ).first()
        if seen is not None:
            return False
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(federation_nonces).values(key_id=key_id, nonce=nonce, seen_at=now)
                )
        except IntegrityError:  # the same message, at the same moment, on another connection
            return False
        return True

    def forget_nonces(self, *, before: datetime) -> int:
        result = self._conn.execute(
            delete(federation_nonces).where(federation_nonces.c.seen_at < before)
        )
        return int(result.rowcount or 0)

    # --- clearing

    def flows(self, link_id: str, *, since: datetime, until: datetime) -> Netting:
        c = cross_payments.c
        rows = self._conn.execute(
            select(c.side, func.coalesce(func.sum(c.amount_ours), 0), func.count())
            .where(
                c.link_id == link_id,
                c.state == PaymentState.COMMITTED.value,
                c.decided_at >= since,
                c.decided_at < until,
            )
            .group_by(c.side)
        ).all()
        sums = {side: (int(total), int(count)) for side, total, count in rows}
        out, n_out = sums.get(Side.ORIGIN.value, (0, 0))
        into, n_in = sums.get(Side.DESTINATION.value, (0, 0))
        return Netting(paid_out=out, paid_in=into, payments_out=n_out, payments_in=n_in)

    def add_clearing(
        self, link_id: str, period_key: str, netting: Netting, *, position: int, now: datetime
    ) -> bool:
        exists = self._conn.execute(
            select(link_clearings.c.link_id).where(
                link_clearings.c.link_id == link_id, link_clearings.c.period_key == period_key
            )
        ).first()
        if exists is not None:
            return False
        self._conn.execute(
            insert(link_clearings).values(
                link_id=link_id,
                period_key=period_key,
                paid_out=netting.paid_out,
                paid_in=netting.paid_in,
                payments_out=netting.payments_out,
                payments_in=netting.payments_in,
                position=position,
                cleared_at=now,
            )
        )
        return True

    def clearings(self, link_id: str, *, limit: int) -> list[tuple[str, Netting, int]]:
        rows = self._conn.execute(
            select(link_clearings)
            .where(link_clearings.c.link_id == link_id)
            .order_by(link_clearings.c.period_key.desc())
            .limit(limit)
        )
        return [
            (
                row.period_key,
                Netting(row.paid_out, row.paid_in, row.payments_out, row.payments_in),
                row.position,
            )
            for row in rows
        ]
